// The metrics of one scenario as cards, charts and tables; shared by the scenario page and the
// report. build(metrics) makes the DOM once; update(metrics) refreshes it in place (live refresh).
import { chart, PALETTE } from "../charts.js";
import { h, unavailable } from "../dom.js";
import { bytes, count, dateTime, hourLabel, percent, titleCase, usd } from "../format.js";

/** The cost lines in the API's order (every service it prices, including any added later). */
export function serviceLines(lines) {
  return Array.isArray(lines) ? lines : [];
}

/** Hourly series by metric type: {labels, hours, byType: {requests: [..], tokens: [..], ...}}. */
const HOUR_MS = 3600 * 1000;
const MAX_FILLED_HOURS = 24 * 31;

/** Every hour from the first to the last one with logs (hours without logs are zeros), when that
 * span is at most a month; otherwise only the hours with logs. */
function hourRange(stamps) {
  const sorted = [...new Set(stamps)].sort();
  if (sorted.length < 2) {
    return sorted;
  }
  const first = Date.parse(sorted[0]);
  const last = Date.parse(sorted[sorted.length - 1]);
  if (!Number.isFinite(first) || !Number.isFinite(last) || (last - first) / HOUR_MS > MAX_FILLED_HOURS) {
    return sorted;
  }
  const byTime = new Map(sorted.map((stamp) => [Date.parse(stamp), stamp]));
  const hours = [];
  for (let t = first; t <= last; t += HOUR_MS) {
    hours.push(byTime.get(t) || new Date(t).toISOString());
  }
  return hours;
}

export function hourly(metrics) {
  const hours = hourRange(metrics.timeseries.map((p) => p.timestamp));
  const index = new Map(hours.map((hour, i) => [hour, i]));
  const byType = {};
  for (const point of metrics.timeseries) {
    if (!byType[point.metric_type]) {
      byType[point.metric_type] = new Array(hours.length).fill(0);
    }
    const at = index.has(point.timestamp) ? index.get(point.timestamp) : index.get(new Date(point.timestamp).toISOString());
    if (at !== undefined) {
      byType[point.metric_type][at] = Number(point.value);
    }
  }
  return { hours, labels: hours.map(hourLabel), byType };
}

/** PII logs per type, from whatever shape the metrics carry; null when the API has no breakdown. */
export function piiByType(metrics) {
  const raw = metrics.pii_by_type;
  if (raw === undefined || raw === null) {
    return null;
  }
  const rows = Array.isArray(raw)
    ? raw.map((r) => [r.pii_type ?? r.type, Number(r.logs ?? r.count ?? r.value)])
    : Object.entries(raw).map(([type, n]) => [type, Number(n)]);
  return rows.sort((a, b) => b[1] - a[1]);
}

export function bySource(metrics) {
  const raw = metrics.by_source;
  if (raw === undefined || raw === null) {
    return null;
  }
  return Array.isArray(raw) ? raw : Object.entries(raw).map(([source, row]) => ({ source, ...row }));
}

function sourceCost(row) {
  return row.cost_usd ?? row.total_cost_usd ?? (row.cost && row.cost.total_cost_usd) ?? null;
}

function sourceShare(row) {
  const share = row.cost_share_percent ?? row.cost_share ?? row.percentage ?? null;
  return share === null ? null : Number(share);
}

function sourceName(row) {
  if (row.other) {
    return `Other (${count(row.sources)} sources)`;
  }
  return row.source === null || row.source === undefined ? "(none)" : String(row.source);
}

function warningsOf(metrics) {
  const list = [];
  for (const holder of [metrics, metrics.projection, metrics.summary, metrics.pricing]) {
    if (holder && Array.isArray(holder.warnings)) {
      for (const warning of holder.warnings) {
        list.push(typeof warning === "string" ? warning : warning.message || JSON.stringify(warning));
      }
    }
  }
  if (typeof metrics.projection_unavailable === "string" && metrics.projection_unavailable) {
    list.push(metrics.projection_unavailable);
  }
  return [...new Set(list)];
}

function kpi(id, label, primary = false) {
  const value = h("div", { class: "value", id: `kpi-${id}` }, "–");
  const hint = h("div", { class: "hint", id: `kpi-${id}-hint` });
  return { element: h("div", { class: `kpi ${primary ? "primary" : ""}`.trim() }, h("div", { class: "label" }, label), value, hint), value, hint };
}

function moneyCell(value) {
  return h("td", { class: "num", title: value === null || value === undefined ? "" : `exact: ${value} USD` }, usd(value));
}

/** The cost lines, each followed by its items (quantity x unit price) when the API itemises them. */
function costTable(lines, total, id) {
  const itemised = lines.some((line) => Array.isArray(line.items) && line.items.length);
  return h("table", { id, class: itemised ? "itemised" : "" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Service"),
      itemised ? [h("th", { scope: "col", class: "num hide-phone" }, "Quantity"), h("th", { scope: "col", class: "num hide-phone" }, "Unit price")] : null,
      h("th", { scope: "col", class: "num" }, "Cost (USD)"), h("th", { scope: "col", class: "num" }, "Share"))),
    h("tbody", {}, lines.map((line) => [
      h("tr", { "data-service": line.service, class: "line" },
        h("th", { scope: "row" }, line.service), itemised ? [h("td", { class: "hide-phone" }), h("td", { class: "hide-phone" })] : null,
        moneyCell(line.cost_usd), h("td", { class: "num" }, percent(line.percentage))),
      (line.items || []).map((item) => h("tr", { class: "item" },
        h("td", { class: "item-name" }, item.name),
        h("td", { class: "num hide-phone" }, Number(item.quantity).toLocaleString("en-US", { maximumFractionDigits: 6 })),
        h("td", { class: "num hide-phone mono", title: item.unit }, `${item.unit_price_usd} ${String(item.unit).replace(/_/g, " ")}`),
        moneyCell(item.cost_usd), h("td", {}))),
    ])),
    h("tfoot", {}, h("tr", {}, h("td", {}, "Total"), itemised ? [h("td", { class: "hide-phone" }), h("td", { class: "hide-phone" })] : null,
      moneyCell(total), h("td", { class: "num" }, "100%"))));
}

function batchingNote(metrics) {
  const b = metrics.batching;
  if (!b) {
    return null;
  }
  const text = b.model === "batching_window"
    ? `Lambda batches from the event times: ${count(b.invocations)} invocations in ${count(b.windows)} windows of ${b.effective_window_s} s, ${b.average_batch_size ?? "–"} logs per invocation on average (batch size ${b.batch_size}).`
    : `Lambda batches assumed full (${b.batch_size} logs, no batching window set): the best case, ${b.average_batch_size ?? "–"} logs per invocation.`;
  return h("p", { class: "card-note", id: "batching-note" }, text);
}

export function metricsView({ withCharts = true, compact = false } = {}) {
  const cards = {
    requests: kpi("requests", "Logs"),
    cost: kpi("cost", "Cost of these logs", true),
    monthly: kpi("monthly", "Monthly projection", true),
    pii: kpi("pii", "Logs with PII"),
    tokens: kpi("tokens", "Bedrock input tokens"),
    bytes: kpi("bytes", "Volume"),
    invocations: kpi("invocations", "Lambda invocations"),
    duplicates: kpi("duplicates", "Duplicates"),
  };
  const element = h("div", { class: "metrics-view" });
  element.append(h("section", { class: "kpis", "aria-label": "Totals" }, Object.values(cards).map((c) => c.element)));

  const costHolder = h("div", {});
  const costTableHolder = h("div", { class: "table-wrap" });
  const projectionHolder = h("div", {});
  element.append(h("div", { class: "grid grid-2" },
    h("section", { class: "card", "aria-labelledby": "cost-title" }, h("h2", { id: "cost-title" }, "Cost by service"),
      h("p", { class: "card-note" }, "What the logs stored so far would have cost, without the free tier."), costHolder, costTableHolder),
    h("section", { class: "card", "aria-labelledby": "projection-title" }, h("h2", { id: "projection-title" }, "Monthly projection"), projectionHolder)));

  const hourlyHolder = h("div", { class: compact ? "grid grid-2" : "grid grid-3" });
  if (withCharts) {
    element.append(h("section", { class: "card", "aria-labelledby": "hourly-title" }, h("h2", { id: "hourly-title" }, "Hourly, by event time (UTC)"), hourlyHolder));
  }
  const piiHolder = h("div", {});
  const sourcesHolder = h("div", {});
  element.append(h("div", { class: "grid grid-2" },
    h("section", { class: "card", "aria-labelledby": "pii-title" }, h("h2", { id: "pii-title" }, "PII by type"), piiHolder),
    h("section", { class: "card", "aria-labelledby": "sources-title" }, h("h2", { id: "sources-title" }, "Top sources by cost"), sourcesHolder)));
  const pricesHolder = h("div", { class: "table-wrap" });
  element.append(h("section", { class: "card", "aria-labelledby": "prices-title" }, h("h2", { id: "prices-title" }, "Prices used"), pricesHolder));

  const charts = {};
  function upsertChart(holder, spec) {
    if (charts[spec.name]) {
      charts[spec.name].update(spec);
      return;
    }
    charts[spec.name] = chart(spec);
    holder.append(h("div", { class: "chart-card" }, h("h3", {}, spec.title), charts[spec.name].element));
  }

  /** extra.hourly: the hourly table (GET .../hourly) when the deployment has it, else null. */
  function update(metrics, extra = {}) {
    const s = metrics.summary;
    cards.requests.value.textContent = count(s.total_requests);
    cards.requests.hint.textContent = s.first_event_at ? `${dateTime(s.first_event_at)} → ${dateTime(s.last_event_at)}` : "no logs yet";
    cards.cost.value.textContent = usd(s.total_cost_usd);
    cards.cost.value.title = `exact: ${s.total_cost_usd} USD`;
    cards.cost.hint.textContent = `${metrics.pricing.region} · ${metrics.pricing.bedrock_model}`;
    cards.monthly.value.textContent = metrics.projection ? usd(metrics.projection.monthly_cost_usd) : "–";
    cards.monthly.value.title = metrics.projection ? `exact: ${metrics.projection.monthly_cost_usd} USD` : "";
    cards.monthly.hint.textContent = metrics.projection ? `${count(metrics.projection.monthly_requests)} logs / ${metrics.projection.hours_per_month} h` : (metrics.projection_unavailable || "no projection");
    cards.pii.value.textContent = count(s.pii_violations);
    cards.pii.hint.textContent = s.total_requests ? `${percent((100 * s.pii_violations) / s.total_requests)} of the logs` : "";
    cards.tokens.value.textContent = count(s.llm_tokens);
    cards.tokens.hint.textContent = `${count(s.llm_output_tokens)} output tokens`;
    cards.bytes.value.textContent = bytes(s.total_bytes);
    cards.bytes.hint.textContent = s.sqs_requests !== undefined
      ? `${count(s.sqs_requests)} SQS requests (${count(s.sqs_blocks)} sends)`
      : `${count(s.sqs_blocks)} SQS 64 KiB blocks`;
    cards.invocations.value.textContent = count(s.lambda_invocations);
    cards.invocations.hint.textContent = `${s.lambda_gb_seconds} GB-s`;
    cards.duplicates.value.textContent = count(s.duplicate_logs);
    cards.duplicates.hint.textContent = "same hash seen before";

    const lines = serviceLines(metrics.cost_breakdown);
    upsertChart(costHolder, {
      name: "cost-by-service", type: "bar", title: "Cost by service (USD)", short: true, labelHeader: "Service",
      labels: lines.map((l) => l.service),
      datasets: [{ label: "USD", data: lines.map((l) => Number(l.cost_usd)), colors: lines.map((l, i) => PALETTE[l.service] || PALETTE.series[(i + 3) % PALETTE.series.length]) }],
      options: { indexAxis: "y", plugins: { legend: { display: false } } },
      format: usd,
    });
    costTableHolder.replaceChildren(...[costTable(lines, s.total_cost_usd, "cost-table"), batchingNote(metrics)].filter(Boolean));

    renderProjection(projectionHolder, metrics);
    if (withCharts) {
      renderHourly(metrics, extra.hourly || null);
    }
    renderPii(metrics);
    renderSources(metrics);
    renderPrices(metrics);
  }

  function renderProjection(holder, metrics) {
    const p = metrics.projection;
    const warnings = warningsOf(metrics);
    if (!p) {
      holder.replaceChildren(...warnings.map((w) => h("div", { class: "notice warn", role: "note" }, w)), h("p", { class: "muted" }, "No projection for this scenario."));
      return;
    }
    const projected = serviceLines(p.cost_breakdown);
    holder.replaceChildren(
      h("div", { class: "kpi primary", style: null }, h("div", { class: "label" }, "Per month"),
        h("div", { class: "value", id: "projection-monthly", title: `exact: ${p.monthly_cost_usd} USD` }, usd(p.monthly_cost_usd)),
        h("div", { class: "hint" }, p.free_tier_applied ? "free tier applied" : "without the free tier")),
      h("div", { id: "projection-warnings" }, warnings.map((w) => h("div", { class: "notice warn", role: "note" }, w))),
      h("dl", { class: "props" },
        h("dt", {}, "Observed span"), h("dd", {}, `${Number(p.hours_observed).toLocaleString("en-US", { maximumFractionDigits: 3 })} h`),
        h("dt", {}, "Logs per month"), h("dd", {}, count(p.monthly_requests)),
        h("dt", {}, "SQS requests"), h("dd", {}, count(p.sqs_requests ?? p.sqs_blocks)),
        p.apigateway_requests ? [h("dt", {}, "API Gateway requests"), h("dd", {}, count(p.apigateway_requests))] : null,
        h("dt", {}, "Lambda invocations"), h("dd", {}, count(p.lambda_invocations)),
        h("dt", {}, "Lambda GB-seconds"), h("dd", {}, p.lambda_gb_seconds),
        h("dt", {}, "Bedrock tokens in / out"), h("dd", {}, `${count(p.llm_tokens)} / ${count(p.llm_output_tokens)}`)),
      h("div", { class: "table-wrap" }, costTable(projected, p.monthly_cost_usd, "projection-table")),
    );
  }

  function renderHourly(metrics, hourlyTable) {
    const series = hourly(metrics);
    if (!series.hours.length) {
      if (!hourlyHolder.querySelector(".empty")) {
        hourlyHolder.replaceChildren(h("p", { class: "empty" }, "No logs yet: the hourly charts fill as logs arrive."));
      }
      return;
    }
    hourlyHolder.querySelector(".empty")?.remove();
    const zeros = series.hours.map(() => 0);
    upsertChart(hourlyHolder, {
      name: "hourly-logs", type: "bar", title: "Logs per hour", labels: series.labels, labelHeader: "Hour (UTC)",
      datasets: [
        { label: "Logs", data: series.byType.requests || zeros, color: PALETTE.series[0] },
        { label: "Logs with PII", data: series.byType.pii_logs || zeros, color: PALETTE.series[4] },
      ],
      format: count,
    });
    upsertChart(hourlyHolder, {
      name: "hourly-tokens", type: "line", title: "Tokens per hour", labels: series.labels, labelHeader: "Hour (UTC)",
      datasets: [{ label: "Log tokens", data: series.byType.tokens || zeros, color: PALETTE.series[3] }],
      format: count,
    });
    if (hourlyTable) {
      // the API's exact share of the cost per hour (the rows add up to the total), on the same hours
      const cost = new Map(hourlyTable.rows.map((row) => [new Date(row.hour).toISOString(), Number(row.cost_usd)]));
      hourlyHolder.querySelector("[data-unavailable]")?.parentElement?.remove();
      upsertChart(hourlyHolder, {
        name: "hourly-cost", type: "bar", title: "Cost per hour (USD)", labels: series.labels, labelHeader: "Hour (UTC)",
        datasets: [{ label: "USD", data: series.hours.map((hour) => cost.get(new Date(hour).toISOString()) || 0), color: PALETTE.series[1] }],
        format: usd,
      });
    } else if (!hourlyHolder.querySelector("[data-unavailable]")) {
      hourlyHolder.append(h("div", {}, h("h3", {}, "Cost per hour"),
        unavailable("Hourly cost", " This deployment's API has no hourly table (GET /api/v1/scenarios/{id}/hourly); the totals and the projection above are exact.")));
    }
  }

  function renderPii(metrics) {
    const rows = piiByType(metrics);
    if (rows === null) {
      piiHolder.replaceChildren(unavailable("PII by type", " This deployment's metrics have no breakdown by PII type (pii_by_type)."));
      return;
    }
    const found = rows.filter((r) => r[1] > 0);
    if (!found.length) {
      delete charts["pii-by-type"];
      delete charts["pii-by-source"];
      piiHolder.replaceChildren(h("p", { class: "empty", id: "no-pii" }, "No PII detected in these logs."));
      return;
    }
    if (!charts["pii-by-type"]) {
      piiHolder.replaceChildren();
    }
    upsertChart(piiHolder, {
      name: "pii-by-type", type: "bar", title: "Logs per PII type", short: true, labelHeader: "PII type",
      labels: found.map((r) => titleCase(r[0])),
      datasets: [{ label: "Logs", data: found.map((r) => r[1]), color: PALETTE.series[4] }],
      options: { indexAxis: "y", plugins: { legend: { display: false } } },
      format: count,
    });
    const sources = (bySource(metrics) || []).filter((row) => Number(row.pii_logs) > 0)
      .sort((a, b) => Number(b.pii_logs) - Number(a.pii_logs)).slice(0, 10);
    if (sources.length) {
      const types = found.map((r) => r[0]);
      upsertChart(piiHolder, {
        name: "pii-by-source", type: "bar", title: "PII by source (logs per type)", short: sources.length < 5, labelHeader: "Source",
        labels: sources.map(sourceName),
        datasets: types.map((type, i) => ({ label: titleCase(type), data: sources.map((row) => Number((row.pii_by_type || {})[type] || 0)), color: PALETTE.series[(i + 4) % PALETTE.series.length] })),
        options: { indexAxis: "y", scales: { x: { stacked: true }, y: { stacked: true } } },
        format: count,
      });
    }
  }

  function renderSources(metrics) {
    const rows = bySource(metrics);
    if (rows === null) {
      sourcesHolder.replaceChildren(unavailable("Sources", " This deployment's metrics have no breakdown by source (by_source)."));
      return;
    }
    if (!rows.length) {
      sourcesHolder.replaceChildren(h("p", { class: "empty" }, "No logs yet."));
      return;
    }
    sourcesHolder.replaceChildren(h("div", { class: "table-wrap" }, h("table", { id: "sources-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Source"), h("th", { scope: "col", class: "num" }, "Logs"),
        h("th", { scope: "col", class: "num" }, "PII logs"), h("th", { scope: "col", class: "num" }, "Cost"), h("th", { scope: "col", class: "num" }, "Share"))),
      h("tbody", {}, rows.map((row) => h("tr", {},
        h("th", { scope: "row" }, sourceName(row)),
        h("td", { class: "num" }, count(row.logs ?? row.requests)),
        h("td", { class: "num" }, count(row.pii_logs ?? (row.pii_by_type ? Object.values(row.pii_by_type).reduce((a, b) => a + Number(b), 0) : null))),
        moneyCell(sourceCost(row)),
        h("td", { class: "num" }, sourceShare(row) === null ? "–" : percent(sourceShare(row)))))))));
  }

  function renderPrices(metrics) {
    const prices = metrics.pricing.unit_prices || {};
    pricesHolder.replaceChildren(h("table", { id: "prices-table" },
      h("caption", { class: "muted" }, `${metrics.pricing.region}, ${metrics.pricing.bedrock_model}, ${metrics.pricing.currency || "USD"}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Item"), h("th", { scope: "col", class: "num" }, "Price"), h("th", { scope: "col" }, "Unit"), h("th", { scope: "col", class: "hide-phone" }, "Source"))),
      h("tbody", {}, Object.entries(prices).filter(([, price]) => price).map(([item, price]) => h("tr", {},
        h("th", { scope: "row" }, titleCase(item)), h("td", { class: "num mono" }, price.price_usd), h("td", {}, titleCase(price.unit)),
        h("td", { class: "hide-phone muted" }, price.source))))));
  }

  return { element, update };
}
