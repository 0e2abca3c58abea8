// Scenarios: filters (status, region), paging, selection for comparing.
import { call } from "../api.js";
import { errorNotice, h, statusBadge } from "../dom.js";
import { count, dateTime } from "../format.js";

const STATUSES = ["draft", "running", "completed", "archived"];
const PAGE_SIZES = [10, 20, 50, 100];
const REGION_PATTERN = "[a-z]{2}(-[a-z]+)+-[0-9]";

export async function renderList({ main, query, navigate, isCurrent }) {
  const status = STATUSES.includes(query.get("status")) ? query.get("status") : "";
  const region = query.get("region") || "";
  const page = Math.max(1, Number.parseInt(query.get("page") || "1", 10) || 1);
  const pageSize = PAGE_SIZES.includes(Number(query.get("page_size"))) ? Number(query.get("page_size")) : 20;

  function go(changes) {
    const next = new URLSearchParams({ status, region, page: String(page), page_size: String(pageSize), ...changes });
    for (const [key, value] of [...next.entries()]) {
      if (!value || (key === "page" && value === "1") || (key === "page_size" && value === "20")) {
        next.delete(key);
      }
    }
    const search = next.toString();
    navigate(search ? `/?${search}` : "/");
  }

  const statusSelect = h("select", { id: "filter-status", name: "status" },
    h("option", { value: "" }, "All statuses"),
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, s)));
  const regionInput = h("input", {
    id: "filter-region", name: "region", value: region, placeholder: "e.g. eu-west-1",
    pattern: REGION_PATTERN, title: "An AWS region such as us-east-1", size: 14,
  });
  const sizeSelect = h("select", { id: "filter-size", name: "page_size" },
    PAGE_SIZES.map((n) => h("option", { value: String(n), selected: n === pageSize }, String(n))));
  const filters = h("form", { class: "filters", role: "search", "aria-label": "Filter scenarios" },
    h("div", { class: "field" }, h("label", { for: "filter-status" }, "Status"), statusSelect),
    h("div", { class: "field" }, h("label", { for: "filter-region" }, "Region"), regionInput),
    h("div", { class: "field" }, h("label", { for: "filter-size" }, "Per page"), sizeSelect),
    h("button", { type: "submit", class: "btn" }, "Apply"),
    (status || region) ? h("a", { href: "#/", class: "btn btn-ghost" }, "Clear filters") : null);
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!regionInput.checkValidity()) {
      regionInput.reportValidity();
      return;
    }
    go({ status: statusSelect.value, region: regionInput.value.trim(), page_size: sizeSelect.value, page: "1" });
  });
  statusSelect.addEventListener("change", () => filters.requestSubmit());
  sizeSelect.addEventListener("change", () => filters.requestSubmit());

  const compareButton = h("button", { type: "button", class: "btn", id: "compare-selected", disabled: true }, "Compare selected");
  main.append(
    h("div", { class: "page-head" },
      h("div", {}, h("h1", { tabindex: "-1" }, "Scenarios"),
        h("p", { class: "sub" }, "Each scenario replays real logs into a priced SQS → Lambda → Bedrock pipeline.")),
      h("div", { class: "actions" }, compareButton, h("a", { href: "#/new", class: "btn btn-primary", id: "new-scenario" }, "Create scenario"))),
    filters,
  );
  const holder = h("div", { class: "card", "aria-live": "polite" }, h("p", { class: "loading" }, "Loading scenarios…"));
  main.append(holder);

  let result;
  try {
    result = await call("listScenarios", { query: { status, region, page, page_size: pageSize } });
  } catch (error) {
    holder.replaceChildren(errorNotice(error));
    return;
  }
  if (!isCurrent()) {
    return;
  }
  const selected = new Set();
  compareButton.addEventListener("click", () => navigate(`/compare?ids=${[...selected].join(",")}`));

  if (result.items.length === 0) {
    holder.replaceChildren(h("div", { class: "empty" },
      result.total === 0 && !status && !region
        ? [h("p", {}, "No scenarios yet."), h("a", { href: "#/new", class: "btn btn-primary" }, "Create the first scenario")]
        : h("p", {}, "No scenario matches these filters.")));
    return;
  }
  const rows = result.items.map((scenario) => {
    const box = h("input", { type: "checkbox", "aria-label": `Select ${scenario.name} to compare`, value: scenario.id });
    box.addEventListener("change", () => {
      if (box.checked) {
        selected.add(scenario.id);
      } else {
        selected.delete(scenario.id);
      }
      compareButton.disabled = selected.size < 2 || selected.size > 10;
      compareButton.textContent = selected.size ? `Compare selected (${selected.size})` : "Compare selected";
    });
    return h("tr", { "data-scenario-id": scenario.id },
      h("td", {}, box),
      h("td", {}, h("a", { href: `#/scenarios/${scenario.id}` }, scenario.name),
        scenario.tags.length ? h("div", { class: "muted" }, scenario.tags.join(" · ")) : null),
      h("td", {}, statusBadge(scenario.status)),
      h("td", {}, scenario.region),
      h("td", { class: "hide-phone" }, scenario.pipeline.bedrock_model),
      h("td", { class: "num" }, count(scenario.total_requests)),
      h("td", { class: "hide-phone" }, dateTime(scenario.created_at)));
  });
  const pages = Math.max(1, Math.ceil(result.total / result.page_size));
  const prev = h("button", { type: "button", class: "btn btn-small", disabled: result.page <= 1 }, "← Previous");
  const next = h("button", { type: "button", class: "btn btn-small", disabled: result.page >= pages }, "Next →");
  prev.addEventListener("click", () => go({ page: String(result.page - 1) }));
  next.addEventListener("click", () => go({ page: String(result.page + 1) }));
  holder.replaceChildren(
    h("div", { class: "table-wrap" }, h("table", { id: "scenarios-table" },
      h("caption", { class: "muted" }, `${count(result.total)} scenario${result.total === 1 ? "" : "s"}${status ? `, ${status}` : ""}${region ? ` in ${region}` : ""}`),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, h("span", { class: "muted" }, "Select")),
        h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Region"),
        h("th", { scope: "col", class: "hide-phone" }, "Model"), h("th", { scope: "col", class: "num" }, "Logs"),
        h("th", { scope: "col", class: "hide-phone" }, "Created"))),
      h("tbody", {}, rows))),
    h("nav", { class: "pager", "aria-label": "Pages" }, prev,
      h("span", { id: "page-info" }, `Page ${result.page} of ${pages}`), next),
  );
}
