// CSV downloads of a scenario (the API's own CSV exports, when this deployment has them).
import { h, unavailable } from "../dom.js";

export async function renderDownloads(holder, scenario) {
  holder.append(
    h("p", { class: "card-note" }, "Spreadsheet-ready files and a print-friendly report (use the browser's “Save as PDF”)."),
    h("div", { class: "actions", id: "downloads" },
      h("a", { class: "btn", href: `#/scenarios/${scenario.id}/report`, id: "open-report" }, "Open the report")),
    unavailable("CSV exports", " This deployment's API has no CSV export yet."),
  );
}
