// CSV downloads of a scenario (the API's own exports: the hourly series and the per-source table,
// `format=csv`), and the print report.
import { available, call } from "../api.js";
import { download, errorNotice, h, unavailable } from "../dom.js";

const EXPORTS = [
  { route: "hourlyTable", id: "csv-hourly", label: "Hourly series (CSV)", file: "hourly" },
  { route: "sourcesTable", id: "csv-sources", label: "Sources (CSV)", file: "sources" },
];

export async function renderDownloads(holder, scenario) {
  const buttons = h("div", { class: "actions", id: "downloads" });
  const message = h("div", { "aria-live": "polite" });
  holder.append(
    h("p", { class: "card-note" }, "Spreadsheet-ready files with exact decimals, and a print-friendly report (use the browser's “Save as PDF”)."),
    buttons, message);
  const missing = [];
  for (const item of EXPORTS) {
    if (!(await available(item.route))) {
      missing.push(item.label);
      continue;
    }
    const button = h("button", { type: "button", class: "btn", id: item.id }, item.label);
    button.addEventListener("click", async () => {
      message.replaceChildren();
      button.disabled = true;
      try {
        const text = await call(item.route, { params: { scenario_id: scenario.id }, query: { format: "csv" }, accept: "text/csv" });
        download(`${scenario.name.replace(/[^A-Za-z0-9._-]+/g, "_")}-${item.file}.csv`, text);
      } catch (error) {
        message.replaceChildren(errorNotice(error));
      } finally {
        button.disabled = false;
      }
    });
    buttons.append(button);
  }
  buttons.append(h("a", { class: "btn", href: `#/scenarios/${scenario.id}/report`, id: "open-report" }, "Open the report"));
  if (missing.length) {
    holder.append(unavailable("CSV exports", ` This deployment's API has no ${missing.join(" or ")} export yet.`));
  }
}
