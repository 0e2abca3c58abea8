// The stored logs of a scenario: only what the service keeps (the redacted preview, hash, sizes,
// tokens, PII types), newest first, with filters and cursor paging ("Load more").
import { available, call } from "../api.js";
import { errorNotice, h, unavailable } from "../dom.js";
import { bytes, count, dateTime, titleCase } from "../format.js";

const PAGE = 50;

/** "2026-11-30T09:00" (a datetime-local value, read as UTC) -> ISO 8601, or undefined. */
function utc(value) {
  if (!value) {
    return undefined;
  }
  return value.length === 16 ? `${value}:00Z` : `${value}Z`;
}

export async function renderLogs(holder, scenario, { isCurrent }) {
  if (!(await available("listLogs")) || !isCurrent()) {
    holder.append(unavailable("Logs", ` This deployment's API cannot list the stored logs of scenario ${scenario.name} (GET /api/v1/scenarios/{id}/logs).`));
    return;
  }
  // the PII types and the sources come from the scenario's metrics (breakdowns), when it has them
  let types = [];
  let sources = [];
  try {
    const metrics = await call("getMetrics", { params: { scenario_id: scenario.id } });
    types = (metrics.pii_by_type || []).map((row) => row.pii_type).filter(Boolean);
    sources = (metrics.by_source || []).filter((row) => !row.other && row.source !== null).map((row) => row.source);
  } catch {
    // the filters then take free text
  }
  if (!isCurrent()) {
    return;
  }
  const hasPii = h("select", { id: "logs-has-pii", name: "has_pii" },
    h("option", { value: "" }, "All logs"), h("option", { value: "true" }, "With PII"), h("option", { value: "false" }, "Without PII"));
  const piiType = types.length
    ? h("select", { id: "logs-pii-type", name: "pii_type" }, h("option", { value: "" }, "Any type"), types.map((t) => h("option", { value: t }, titleCase(t))))
    : h("input", { id: "logs-pii-type", name: "pii_type", size: 12 });
  const source = h("input", { id: "logs-source", name: "source", list: "logs-sources", size: 16, autocomplete: "off" });
  const since = h("input", { id: "logs-since", name: "since", type: "datetime-local", step: 60 });
  const until = h("input", { id: "logs-until", name: "until", type: "datetime-local", step: 60 });
  const error = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "filters", id: "logs-filters", role: "search", "aria-label": "Filter logs" },
    h("div", { class: "field" }, h("label", { for: "logs-has-pii" }, "PII"), hasPii),
    h("div", { class: "field" }, h("label", { for: "logs-pii-type" }, "PII type"), piiType),
    h("div", { class: "field" }, h("label", { for: "logs-source" }, "Source"), source, h("datalist", { id: "logs-sources" }, sources.map((s) => h("option", { value: s })))),
    h("div", { class: "field" }, h("label", { for: "logs-since" }, "Event time from (UTC)"), since),
    h("div", { class: "field" }, h("label", { for: "logs-until" }, "until (UTC)"), until),
    h("button", { type: "submit", class: "btn" }, "Filter"));
  const tbody = h("tbody");
  const more = h("button", { type: "button", class: "btn", id: "logs-more", hidden: true }, "Load more");
  const status = h("p", { class: "muted", id: "logs-count", "aria-live": "polite" });
  holder.append(h("section", { class: "card" },
    h("h2", {}, "Stored logs"),
    h("p", { class: "card-note" }, "Only what is stored: the redacted preview (never the original message), its sha256, size, tokens and PII types. Newest first by event time."),
    form, error,
    h("div", { class: "table-wrap" }, h("table", { id: "logs-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Event time"), h("th", { scope: "col" }, "Source"), h("th", { scope: "col" }, "Message (redacted)"),
        h("th", { scope: "col", class: "num hide-phone" }, "Size"), h("th", { scope: "col", class: "num hide-phone" }, "Tokens"))),
      tbody)),
    h("div", { class: "pager" }, status, more)));

  let cursor = null;
  let shown = 0;
  function filters() {
    return {
      has_pii: hasPii.value || undefined,
      pii_type: piiType.value.trim() || undefined,
      source: source.value.trim() || undefined,
      since: utc(since.value),
      until: utc(until.value),
    };
  }
  async function load(reset) {
    if (reset) {
      cursor = null;
      shown = 0;
      tbody.replaceChildren();
    }
    error.replaceChildren();
    more.disabled = true;
    let page;
    try {
      page = await call("listLogs", { params: { scenario_id: scenario.id }, query: { ...filters(), limit: PAGE, cursor: cursor || undefined } });
    } catch (failure) {
      error.replaceChildren(errorNotice(failure));
      more.disabled = false;
      return;
    }
    for (const log of page.items) {
      tbody.append(h("tr", { "data-log-id": String(log.id) },
        h("td", { class: "mono" }, dateTime(log.event_time)),
        h("td", {}, log.source),
        h("td", {}, h("div", { class: "log-preview" }, log.message_preview),
          log.pii_types.map((t) => h("span", { class: "pii-tag" }, titleCase(t))),
          log.is_duplicate ? h("span", { class: "pii-tag" }, "duplicate") : null),
        h("td", { class: "num hide-phone" }, bytes(log.size_bytes)),
        h("td", { class: "num hide-phone" }, count(log.token_count))));
    }
    shown += page.items.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    more.disabled = false;
    status.textContent = shown ? `${count(shown)} log${shown === 1 ? "" : "s"} shown${cursor ? "" : " (all)"}` : "No log matches.";
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(true);
  });
  more.addEventListener("click", () => load(false));
  await load(true);
}
