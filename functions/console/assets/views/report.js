// A print-friendly report of one scenario (the browser's "Save as PDF" gives a clean document).
import { available, call } from "../api.js";
import { errorNotice, h } from "../dom.js";
import { dateTime, titleCase } from "../format.js";
import { metricsView } from "./metrics-view.js";

export async function renderReport({ main, scenarioId, isCurrent }) {
  let scenario;
  let metrics;
  let hourly;
  try {
    [scenario, metrics, hourly] = await Promise.all([
      call("getScenario", { params: { scenario_id: scenarioId } }),
      call("getMetrics", { params: { scenario_id: scenarioId } }),
      (await available("hourlyTable")) ? call("hourlyTable", { params: { scenario_id: scenarioId } }) : null,
    ]);
  } catch (error) {
    main.append(errorNotice(error));
    return;
  }
  if (!isCurrent()) {
    return;
  }
  const print = h("button", { type: "button", class: "btn btn-primary", id: "print-report" }, "Print / Save as PDF");
  print.addEventListener("click", () => window.print());
  const view = metricsView({ compact: true });
  main.append(
    h("div", { class: "report-head" }, h("strong", {}, "mockupAWS"), ` · cost and PII report · generated ${dateTime(new Date().toISOString())}`),
    h("div", { class: "page-head" },
      h("div", {},
        h("div", { class: "crumbs no-print" }, h("a", { href: "#/" }, "Scenarios"), " / ", h("a", { href: `#/scenarios/${scenario.id}` }, scenario.name), " / report"),
        h("h1", { tabindex: "-1" }, `${scenario.name}: cost and PII report`),
        h("p", { class: "sub" }, `${scenario.status} · ${scenario.region} · ${scenario.id}`)),
      h("div", { class: "actions" }, print)),
    h("section", { class: "card", "aria-labelledby": "settings-title" }, h("h2", { id: "settings-title" }, "Scenario and pipeline settings"),
      h("dl", { class: "props", id: "report-settings" },
        h("dt", {}, "Description"), h("dd", {}, scenario.description || "–"),
        h("dt", {}, "Tags"), h("dd", {}, scenario.tags.join(", ") || "–"),
        h("dt", {}, "Started / stopped"), h("dd", {}, `${dateTime(scenario.started_at)} / ${dateTime(scenario.completed_at)}`),
        Object.entries(scenario.pipeline).map(([k, v]) => [h("dt", {}, titleCase(k)), h("dd", {}, v === null ? "–" : String(v))]))),
    view.element,
  );
  view.update(metrics, { hourly });
}
