// What-if: reprice the scenario's stored usage with other settings (POST .../estimates) and see the
// monthly cost move against the scenario's own; the model ranking (GET .../estimates/models) as a
// sortable table. Both work in every status, from the usage already stored.
import { available, call, schema } from "../api.js";
import { chart, PALETTE } from "../charts.js";
import { errorNotice, h, notice, sortableTable, unavailable } from "../dom.js";
import { change, count, signedPercent, subtractDecimal, titleCase, usd, usdDelta } from "../format.js";
import { concrete, fieldId, LABELS, settingField, showFieldErrors } from "./form.js";

/** The settings a what-if changes, in this order, when the API has them. */
const WHATIF_SETTINGS = [
  "bedrock_model", "bedrock_inference", "lambda_batch_size", "lambda_batching_window_s",
  "lambda_memory_mb", "lambda_architecture", "ingress",
];
const NEW = "new";

function monthlyOf(estimate) {
  return estimate.projection ? estimate.projection.monthly_cost_usd : null;
}

function projectedLines(estimate) {
  return estimate.projection ? estimate.projection.cost_breakdown : [];
}

function byService(lines) {
  return Object.fromEntries((lines || []).map((line) => [line.service, line.cost_usd]));
}

function describe(variant) {
  const parts = Object.entries(variant.pipeline).map(([key, value]) => `${LABELS[key] || titleCase(key)}: ${value}`);
  if (variant.region) {
    parts.unshift(`Region: ${variant.region}`);
  }
  return parts.join(", ") || "no change";
}

async function modelChoices(scenario) {
  if (!(await available("rankModels"))) {
    return [];
  }
  try {
    const ranking = await call("rankModels", { params: { scenario_id: scenario.id } });
    return [...new Set(ranking.options.map((o) => o.bedrock_model))].sort();
  } catch {
    return [];
  }
}

export async function renderWhatIf(holder, scenario, { isCurrent, query }) {
  if (!(await available("estimate")) || !isCurrent()) {
    holder.append(unavailable("What-if", ` This deployment's API has no estimates route (POST /api/v1/scenarios/{id}/estimates) to reprice ${scenario.name}.`));
    return;
  }
  const settings = await schema("PipelineSettings");
  const properties = (settings && settings.properties) || {};
  const models = await modelChoices(scenario);
  if (!isCurrent()) {
    return;
  }
  const prefix = ["body", "variants", NEW, "pipeline"];
  const fields = {};
  for (const name of WHATIF_SETTINGS) {
    if (!properties[name]) {
      continue;
    }
    let spec = await concrete(properties[name]);
    if (name === "bedrock_model" && models.length) {
      spec = { ...spec, enum: models.includes(scenario.pipeline.bedrock_model) ? models : [scenario.pipeline.bedrock_model, ...models] };
    }
    const preset = name === "bedrock_model" && query && query.get("model") ? query.get("model") : scenario.pipeline[name];
    fields[name] = settingField(name, spec, preset, prefix);
  }
  if (query && query.get("inference") && fields.bedrock_inference) {
    fields.bedrock_inference.input.value = query.get("inference");
  }
  const regionId = fieldId(["body", "variants", NEW, "region"]);
  const region = h("input", { id: regionId, name: "region", value: scenario.region, autocomplete: "off", spellcheck: "false", "aria-describedby": `${regionId}-error` });
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "whatif-run" }, "Price this variant");
  const reset = h("button", { type: "button", class: "btn btn-ghost", id: "whatif-clear" }, "Clear the variants");
  const formError = h("div", { "aria-live": "assertive" });
  const form = h("form", { id: "whatif-form", novalidate: true, "aria-labelledby": "whatif-title" },
    h("fieldset", {}, h("legend", { id: "whatif-title" }, "Change any setting, then price it"),
      h("p", { class: "card-note" }, "The logs already stored are repriced with these settings (nothing is sent again); the answer is what this scenario would report with them."),
      h("div", { class: "form-grid" },
        Object.values(fields).map((f) => f.element),
        h("div", { class: "field" }, h("label", { for: regionId }, "Region"), region, h("span", { class: "error", id: `${regionId}-error`, "aria-live": "polite" }))),
      formError,
      h("div", { class: "form-actions" }, reset, submit)));
  const results = h("div", { id: "whatif-results", "aria-live": "polite" });
  holder.append(form, results);

  const variants = [];
  let last = null;

  function currentVariant() {
    const pipeline = {};
    for (const [name, field] of Object.entries(fields)) {
      const value = field.read();
      if (value !== scenario.pipeline[name] && !(value === null && scenario.pipeline[name] === undefined)) {
        pipeline[name] = value;
      }
    }
    const variant = { label: `Variant ${variants.length + 1}`, pipeline };
    if (region.value.trim() && region.value.trim() !== scenario.region) {
      variant.region = region.value.trim();
    }
    return variant;
  }

  async function price(list) {
    return call("estimate", { params: { scenario_id: scenario.id }, body: { variants: list } });
  }

  function renderResults(reply) {
    const baseline = reply.baseline;
    const rows = [{ label: "Current settings", what: "as the scenario is", estimate: baseline, current: true },
      ...reply.variants.map((estimate, i) => ({ label: variants[i].label, what: describe(variants[i]), estimate, current: false }))];
    const services = [...new Set(rows.flatMap((r) => projectedLines(r.estimate).map((l) => l.service)))];
    const base = monthlyOf(baseline);
    const table = h("table", { id: "whatif-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Variant"), h("th", { scope: "col", class: "num" }, "Per month"),
        h("th", { scope: "col", class: "num" }, "Change"), services.map((s) => h("th", { scope: "col", class: "num hide-phone" }, s)),
        h("th", { scope: "col", class: "num hide-phone" }, "Lambda invocations"))),
      h("tbody", {}, rows.map((row, index) => {
        const monthly = monthlyOf(row.estimate);
        const difference = monthly === null || base === null ? null : subtractDecimal(monthly, base);
        const n = Number(difference);
        const lines = byService(projectedLines(row.estimate));
        return h("tr", { class: row.current ? "current" : "", "data-variant": String(index) },
          h("th", { scope: "row" }, row.label, h("div", { class: "muted" }, row.what)),
          h("td", { class: "num", title: monthly === null ? "no projection" : `exact: ${monthly} USD`, "data-monthly": monthly }, usd(monthly)),
          h("td", { class: `num ${n > 0 ? "delta-up" : n < 0 ? "delta-down" : "muted"}`, "data-delta": difference },
            row.current ? "–" : `${usdDelta(difference)} ${signedPercent(change(base, monthly))}`),
          services.map((s) => h("td", { class: "num hide-phone", title: lines[s] ? `exact: ${lines[s]} USD` : "" }, usd(lines[s] ?? null))),
          h("td", { class: "num hide-phone" }, count(row.estimate.projection ? row.estimate.projection.lambda_invocations : null)));
      })));
    const spec = {
      name: "whatif-monthly", type: "bar", title: "Monthly cost by service (USD)", labelHeader: "Variant",
      labels: rows.map((r) => r.label),
      datasets: services.map((service, i) => ({
        label: service, color: PALETTE[service] || PALETTE.series[(i + 3) % PALETTE.series.length],
        data: rows.map((r) => Number(byService(projectedLines(r.estimate))[service] || 0)),
      })),
      options: { scales: { x: { stacked: true }, y: { stacked: true } } },
      format: usd,
    };
    if (last) {
      last.update(spec);
      results.querySelector("#whatif-table").replaceWith(table);
    } else {
      last = chart(spec);
      results.replaceChildren(h("section", { class: "card" }, h("h2", {}, "How the monthly cost moves"), last.element),
        h("section", { class: "card" }, h("div", { class: "table-wrap" }, table)));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    formError.replaceChildren();
    const candidate = currentVariant();
    try {
      const reply = await price([...variants, candidate]);
      showFieldErrors(form, []);
      variants.push(candidate);
      renderResults(reply);
    } catch (error) {
      if (error.status === 422 && error.details.length) {
        const newIndex = String(variants.length);
        const details = error.details.map((d) => {
          const loc = (d.loc || []).map(String);
          return loc[1] === "variants" && loc[2] === newIndex ? { ...d, loc: [loc[0], loc[1], NEW, ...loc.slice(3)] } : d;
        });
        const unclaimed = showFieldErrors(form, details);
        formError.replaceChildren(unclaimed.length ? errorNotice(error) : notice("This variant was refused: see the messages next to the fields.", "error"));
      } else {
        formError.replaceChildren(errorNotice(error));
      }
    } finally {
      submit.disabled = false;
    }
  });
  reset.addEventListener("click", () => {
    variants.length = 0;
    last = null;
    results.replaceChildren();
  });
}

export async function renderModels(holder, scenario, { isCurrent }) {
  if (!(await available("rankModels")) || !isCurrent()) {
    holder.append(unavailable("Model ranking", ` This deployment's API has no model ranking (GET /api/v1/scenarios/{id}/estimates/models) for ${scenario.name}.`));
    return;
  }
  const regionId = "ranking-region";
  const region = h("input", { id: regionId, name: "region", value: scenario.region, size: 14, autocomplete: "off", spellcheck: "false", "aria-describedby": `${regionId}-error` });
  const regionError = h("span", { class: "error", id: `${regionId}-error`, "aria-live": "polite" });
  const form = h("form", { class: "filters", id: "ranking-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: regionId }, "Region"), region, regionError),
    h("button", { type: "submit", class: "btn" }, "Rank"));
  const body = h("div", { "aria-live": "polite" });
  holder.append(h("section", { class: "card" },
    h("h2", {}, "Every model priced in the region, cheapest first"),
    h("p", { class: "card-note" }, "Each way a model is offered, priced on this scenario's stored usage and its other settings. Click a column to sort."),
    form, body));

  async function load() {
    body.replaceChildren(h("p", { class: "loading" }, "Ranking…"));
    regionError.textContent = "";
    region.removeAttribute("aria-invalid");
    let ranking;
    try {
      ranking = await call("rankModels", { params: { scenario_id: scenario.id }, query: { region: region.value.trim() || undefined } });
    } catch (error) {
      const detail = error.details.find((d) => (d.loc || []).includes("region"));
      if (detail) {
        regionError.textContent = detail.msg;
        region.setAttribute("aria-invalid", "true");
        body.replaceChildren();
      } else {
        body.replaceChildren(errorNotice(error));
      }
      return;
    }
    if (!ranking.options.length) {
      body.replaceChildren(h("p", { class: "empty" }, `No model is priced in ${ranking.region}.`));
      return;
    }
    const current = ranking.options.find((o) => o.current);
    const columns = [
      { key: "rank", label: "#", num: true },
      { key: "bedrock_model", label: "Model", render: (o) => h("span", {}, o.bedrock_model, o.current ? h("span", { class: "badge status-running", style: null }, " current") : null) },
      { key: "bedrock_inference", label: "Inference" },
      { key: "monthly", label: "Per month", num: true, value: (o) => Number(o.monthly_cost_usd), render: (o) => h("span", { title: `exact: ${o.monthly_cost_usd} USD`, "data-monthly": o.monthly_cost_usd }, usd(o.monthly_cost_usd)) },
      { key: "bedrock", label: "Bedrock per month", num: true, value: (o) => Number(o.bedrock_monthly_cost_usd), render: (o) => usd(o.bedrock_monthly_cost_usd) },
      { key: "total", label: "These logs", num: true, value: (o) => Number(o.total_cost_usd), render: (o) => usd(o.total_cost_usd) },
      { key: "delta", label: "vs current", num: true, value: (o) => (current ? Number(subtractDecimal(o.monthly_cost_usd, current.monthly_cost_usd)) : 0),
        render: (o) => (current && !o.current ? usdDelta(subtractDecimal(o.monthly_cost_usd, current.monthly_cost_usd)) : "–") },
      { key: "try", label: "", value: () => "", render: (o) => h("a", { class: "btn btn-small", href: `#/scenarios/${scenario.id}/whatif?model=${encodeURIComponent(o.bedrock_model)}&inference=${encodeURIComponent(o.bedrock_inference)}` }, "What-if") },
    ];
    const rows = ranking.options.map((o, i) => ({ ...o, rank: i + 1 }));
    const table = sortableTable(columns, rows, { initial: { key: "monthly", ascending: true }, rowClass: (o) => (o.current ? "current" : ""), caption: `${rows.length} options in ${ranking.region}` });
    table.id = "ranking-table";
    body.replaceChildren(h("div", { class: "table-wrap" }, table));
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  await load();
}
