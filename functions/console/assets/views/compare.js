// Compare 2 to 10 scenarios side by side: settings, totals, cost by service, projection, and the
// difference of each against the first. Uses the compare API when the deployment has it; otherwise
// each scenario's own metrics (the same figures, read one by one).
import { available, call } from "../api.js";
import { chart, PALETTE } from "../charts.js";
import { errorNotice, h, notice, statusBadge } from "../dom.js";
import { change, count, signedPercent, subtractDecimal, titleCase, usd, usdDelta } from "../format.js";


function line(lines, service) {
  const found = (lines || []).find((l) => l.service === service);
  return found ? found.cost_usd : null;
}

/** [{scenario, metrics}] for the ids, in their order. */
async function load(ids) {
  if (await available("compare")) {
    const reply = await call("compare", { query: { ids: ids.join(",") } });
    const differences = new Map((reply.differences || []).map((d) => [d.scenario_id, d]));
    return {
      source: "compare",
      items: reply.scenarios.map((s) => ({
        scenario: { id: s.scenario_id, name: s.name, status: s.status, region: s.region, pipeline: s.pipeline },
        metrics: { summary: s.summary, cost_breakdown: s.cost_breakdown, projection: s.projection },
        difference: differences.get(s.scenario_id) || null,
      })),
    };
  }
  const items = await Promise.all(ids.map(async (id) => ({
    scenario: await call("getScenario", { params: { scenario_id: id } }),
    metrics: await call("getMetrics", { params: { scenario_id: id } }),
  })));
  return { source: "metrics", items };
}

async function picker(selected, navigate) {
  const page = await call("listScenarios", { query: { page: 1, page_size: 100 } });
  const chosen = new Set(selected);
  const go = h("button", { type: "submit", class: "btn btn-primary", id: "compare-go" }, "Compare");
  const boxes = page.items.map((s) => {
    const box = h("input", { type: "checkbox", id: `pick-${s.id}`, value: s.id, checked: chosen.has(s.id) });
    box.addEventListener("change", () => (box.checked ? chosen.add(s.id) : chosen.delete(s.id)));
    return h("div", { class: "field check" }, box, h("label", { for: `pick-${s.id}` }, s.name, " ", statusBadge(s.status), h("span", { class: "muted" }, ` ${s.region}`)));
  });
  const message = h("div", { "aria-live": "polite" });
  const form = h("form", { id: "compare-picker" },
    h("fieldset", {}, h("legend", {}, "Scenarios to compare (2 to 10)"),
      boxes.length ? h("div", { class: "form-grid" }, boxes) : h("p", { class: "muted" }, "No scenarios yet."),
      message, h("div", { class: "form-actions" }, go)));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const ids = [...chosen];
    if (ids.length < 2 || ids.length > 10) {
      message.replaceChildren(notice("Choose between 2 and 10 scenarios.", "error"));
      return;
    }
    navigate(`/compare?ids=${ids.join(",")}`);
  });
  return form;
}

export async function renderCompare({ main, query, navigate, isCurrent }) {
  const ids = (query.get("ids") || "").split(",").map((s) => s.trim()).filter(Boolean);
  main.append(h("div", { class: "page-head" }, h("div", {},
    h("h1", { tabindex: "-1" }, "Compare scenarios"),
    h("p", { class: "sub" }, "Side by side, with each difference against the first scenario."))));
  if (ids.length < 2) {
    try {
      main.append(await picker(ids, navigate));
    } catch (error) {
      main.append(errorNotice(error));
    }
    return;
  }
  let loaded;
  try {
    loaded = await load(ids);
  } catch (error) {
    main.append(errorNotice(error), await picker(ids, navigate));
    return;
  }
  if (!isCurrent()) {
    return;
  }
  const items = loaded.items;
  // every service any of them is charged for, in the API's order
  const SERVICES = [...new Set(items.flatMap((item) => [
    ...(item.metrics.cost_breakdown || []), ...((item.metrics.projection && item.metrics.projection.cost_breakdown) || []),
  ].map((l) => l.service)))];
  const first = items[0];
  const headers = items.map((item, i) => h("th", { scope: "col", class: "num" },
    h("a", { href: `#/scenarios/${item.scenario.id}` }, item.scenario.name), i === 0 ? h("div", { class: "muted" }, "baseline") : null));

  /** A money row; apiDelta(item) is the API's exact difference against the first, when it gives one. */
  function moneyRow(label, pick, id, apiDelta = () => null) {
    const base = pick(first);
    return h("tr", { "data-row": id }, h("th", { scope: "row" }, label), items.map((item, i) => {
      const value = pick(item);
      const cell = h("td", { class: "num", title: value === null ? "" : `exact: ${value} USD` }, usd(value));
      if (i > 0 && value !== null && base !== null) {
        const difference = apiDelta(item) ?? subtractDecimal(value, base);
        const pct = change(base, value);
        const n = Number(difference);
        cell.append(h("div", { class: n > 0 ? "delta-up" : n < 0 ? "delta-down" : "muted", "data-delta": difference }, `${usdDelta(difference)} ${signedPercent(pct)}`));
      }
      return cell;
    }));
  }
  function plainRow(label, pick, id) {
    const base = String(pick(first));
    return h("tr", { "data-row": id }, h("th", { scope: "row" }, label), items.map((item, i) => {
      const value = String(pick(item));
      return h("td", { class: `num ${i > 0 && value !== base ? "delta-up" : ""}`.trim() }, value);
    }));
  }
  const settingNames = [...new Set(items.flatMap((item) => Object.keys(item.scenario.pipeline)))].sort();
  const table = h("table", { id: "compare-table" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), headers)),
    h("tbody", {},
      h("tr", {}, h("th", { scope: "row" }, "Status"), items.map((item) => h("td", { class: "num" }, statusBadge(item.scenario.status)))),
      plainRow("Region", (item) => item.scenario.region, "region"),
      settingNames.map((name) => plainRow(titleCase(name), (item) => item.scenario.pipeline[name] ?? "–", `setting-${name}`)),
      h("tr", { "data-row": "logs" }, h("th", { scope: "row" }, "Logs"), items.map((item) => h("td", { class: "num" }, count(item.metrics.summary.total_requests)))),
      h("tr", { "data-row": "pii" }, h("th", { scope: "row" }, "Logs with PII"), items.map((item) => h("td", { class: "num" }, count(item.metrics.summary.pii_violations)))),
      moneyRow("Cost of the logs", (item) => item.metrics.summary.total_cost_usd, "total", (item) => item.difference?.total_cost_usd_delta),
      SERVICES.map((service) => moneyRow(`  ${service}`, (item) => line(item.metrics.cost_breakdown, service), `cost-${service}`,
        (item) => item.difference?.cost_by_service_delta?.[service])),
      moneyRow("Monthly projection", (item) => (item.metrics.projection ? item.metrics.projection.monthly_cost_usd : null), "monthly",
        (item) => item.difference?.monthly_cost_usd_delta),
      SERVICES.map((service) => moneyRow(`  ${service} per month`, (item) => (item.metrics.projection ? line(item.metrics.projection.cost_breakdown, service) : null), `monthly-${service}`))));

  const chartHolder = h("div", {});
  if (loaded.source === "metrics") {
    main.append(notice("Figures read from each scenario's metrics (this deployment has no compare route)."));
  }
  main.append(
    h("section", { class: "card", "aria-labelledby": "compare-chart-title" }, h("h2", { id: "compare-chart-title" }, "Monthly projection by service"), chartHolder),
    h("section", { class: "card" }, h("div", { class: "table-wrap" }, table)),
    h("p", {}, h("a", { href: "#/compare", class: "btn btn-ghost" }, "Choose other scenarios")),
  );
  const spec = {
    name: "compare-monthly", type: "bar", title: "Monthly projection by service (USD)", labelHeader: "Scenario",
    labels: items.map((item) => item.scenario.name),
    datasets: SERVICES.map((service) => ({
      label: service, color: PALETTE[service] || PALETTE.series[(SERVICES.indexOf(service) + 3) % PALETTE.series.length],
      data: items.map((item) => Number(item.metrics.projection ? line(item.metrics.projection.cost_breakdown, service) : 0)),
    })),
    options: { scales: { x: { stacked: true }, y: { stacked: true } } },
    format: usd,
  };
  chartHolder.append(chart(spec).element);
}
