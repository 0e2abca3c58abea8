// One scenario: header with the lifecycle actions, then tabs (overview, logs, send logs, what-if,
// models). While the scenario runs, the overview refreshes itself.
import { available, call } from "../api.js";
import { confirmAction, errorNotice, h, statusBadge } from "../dom.js";
import { dateTime } from "../format.js";
import { renderDownloads } from "./exports.js";
import { renderLogs } from "./logs.js";
import { metricsView } from "./metrics-view.js";
import { renderSnippets } from "./snippets.js";
import { renderModels, renderWhatIf } from "./whatif.js";

const REFRESH_MS = 4000;

const TABS = [
  { id: "overview", label: "Overview" },
  { id: "logs", label: "Logs" },
  { id: "send", label: "Send logs" },
  { id: "whatif", label: "What-if" },
  { id: "models", label: "Model ranking" },
];

const ACTIONS = {
  start: { label: "Start", route: "startScenario", from: ["draft"], confirm: "Start the scenario? It accepts logs until you stop it.", primary: true },
  stop: { label: "Stop", route: "stopScenario", from: ["running"], confirm: "Stop the scenario? Logs sent after this are refused (409)." },
  archive: { label: "Archive", route: "archiveScenario", from: ["completed"], confirm: "Archive the scenario? It becomes read-only." },
};

export async function renderScenario({ main, scenarioId, tab, query, navigate, isCurrent, onCleanup }) {
  let scenario;
  try {
    scenario = await call("getScenario", { params: { scenario_id: scenarioId } });
  } catch (error) {
    main.append(h("div", { class: "crumbs" }, h("a", { href: "#/" }, "Scenarios")), errorNotice(error));
    return;
  }
  if (!isCurrent()) {
    return;
  }
  const current = TABS.some((t) => t.id === tab) ? tab : "overview";
  const status = h("span", { id: "scenario-status" }, statusBadge(scenario.status));
  const liveFlag = h("span", { class: "live", id: "live-flag", hidden: true, "aria-live": "polite" });
  const actionBar = h("div", { class: "actions" });
  const actionError = h("div", { "aria-live": "assertive" });

  function renderActions() {
    actionBar.replaceChildren();
    for (const [name, action] of Object.entries(ACTIONS)) {
      if (!action.from.includes(scenario.status)) {
        continue;
      }
      const button = h("button", { type: "button", class: action.primary ? "btn btn-primary" : "btn", "data-action": name }, action.label);
      button.addEventListener("click", async () => {
        if (!(await confirmAction(`${action.label} ${scenario.name}?`, action.confirm, action.label))) {
          return;
        }
        try {
          scenario = await call(action.route, { params: { scenario_id: scenario.id } });
          actionError.replaceChildren();
          status.replaceChildren(statusBadge(scenario.status));
          renderActions();
          refreshNow();
        } catch (error) {
          actionError.replaceChildren(errorNotice(error));
        }
      });
      actionBar.append(button);
    }
    if (scenario.status !== "archived") {
      actionBar.append(h("a", { class: "btn", href: `#/scenarios/${scenario.id}/edit`, "data-action": "edit" }, "Edit"));
    }
    actionBar.append(h("a", { class: "btn", href: `#/compare?ids=${scenario.id}`, "data-action": "compare" }, "Compare…"));
    actionBar.append(h("a", { class: "btn", href: `#/scenarios/${scenario.id}/report`, "data-action": "report" }, "Report"));
    if (scenario.status !== "running") {
      const remove = h("button", { type: "button", class: "btn btn-danger", "data-action": "delete" }, "Delete");
      remove.addEventListener("click", async () => {
        const ok = await confirmAction(`Delete ${scenario.name}?`, "The scenario, its logs and its metrics are deleted for good.", "Delete", true);
        if (!ok) {
          return;
        }
        try {
          await call("deleteScenario", { params: { scenario_id: scenario.id } });
          navigate("/");
        } catch (error) {
          actionError.replaceChildren(errorNotice(error));
        }
      });
      actionBar.append(remove);
    }
  }
  renderActions();

  main.append(
    h("div", { class: "page-head" },
      h("div", {},
        h("div", { class: "crumbs" }, h("a", { href: "#/" }, "Scenarios"), " / ", scenario.name),
        h("h1", { tabindex: "-1", id: "scenario-name" }, scenario.name, " ", status),
        h("p", { class: "sub" }, `${scenario.region} · ${scenario.pipeline.bedrock_model} · created ${dateTime(scenario.created_at)} · `,
          h("span", { class: "mono", id: "scenario-id" }, scenario.id), " ", liveFlag)),
      actionBar),
    actionError,
    h("nav", { class: "tabs", "aria-label": "Scenario sections" },
      TABS.map((t) => h("a", { href: `#/scenarios/${scenario.id}${t.id === "overview" ? "" : `/${t.id}`}`, "aria-current": t.id === current ? "page" : null, "data-tab": t.id }, t.label))),
  );
  const body = h("div", { id: `tab-${current}` });
  main.append(body);

  let refreshNow = () => {};
  if (current === "overview") {
    refreshNow = renderOverview(body, scenario, { isCurrent, onCleanup, liveFlag, setScenario: (s) => {
      if (s.status !== scenario.status) {
        scenario = s;
        status.replaceChildren(statusBadge(s.status));
        renderActions();
      }
      scenario = s;
    }, getScenario: () => scenario });
  } else if (current === "send") {
    await renderSnippets(body, scenario);
  } else if (current === "logs") {
    await renderLogs(body, scenario, { isCurrent, query });
  } else if (current === "whatif") {
    await renderWhatIf(body, scenario, { isCurrent, query });
  } else if (current === "models") {
    await renderModels(body, scenario, { isCurrent });
  }
}

/** Builds the overview and starts its first refresh; returns, at once, what an action calls to
 * refresh it (the first refresh may still be in flight then). */
function renderOverview(body, initial, { isCurrent, onCleanup, liveFlag, setScenario, getScenario }) {
  const view = metricsView();
  const errorHolder = h("div", { "aria-live": "polite" });
  const downloads = h("section", { class: "card", "aria-labelledby": "downloads-title" }, h("h2", { id: "downloads-title" }, "Downloads"));
  body.append(errorHolder, view.element, downloads);
  let timer = null;
  let busy = false;
  let again = false;
  let generation = 0;

  // One refresh at a time. A refresh asked for while one is in flight (e.g. right after Start) runs
  // when it ends, and the answers of the older one are dropped: they may predate the action.
  async function refresh() {
    if (!isCurrent()) {
      return;
    }
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    const mine = generation;
    try {
      const withHourly = await available("hourlyTable");
      const [scenario, metrics, hourly] = await Promise.all([
        call("getScenario", { params: { scenario_id: initial.id } }),
        call("getMetrics", { params: { scenario_id: initial.id } }),
        withHourly ? call("hourlyTable", { params: { scenario_id: initial.id } }) : null,
      ]);
      if (!isCurrent() || mine !== generation) {
        return;
      }
      setScenario(scenario);
      view.update(metrics, { hourly });
      errorHolder.replaceChildren();
      const running = scenario.status === "running";
      liveFlag.hidden = !running;
      liveFlag.textContent = running ? `Live · updated ${new Date().toLocaleTimeString()}` : "";
      document.body.dataset.metricsRequests = String(metrics.summary.total_requests);
      schedule(running);
    } catch (error) {
      if (isCurrent() && mine === generation) {
        errorHolder.replaceChildren(errorNotice(error));
        schedule(getScenario().status === "running");
      }
    } finally {
      busy = false;
      if (again || mine !== generation) {
        again = false;
        refresh();
      }
    }
  }
  function refreshAfterAction() {
    generation += 1;
    window.clearTimeout(timer);
    refresh();
  }
  function schedule(running) {
    window.clearTimeout(timer);
    timer = running ? window.setTimeout(() => {
      if (document.visibilityState === "hidden") {
        schedule(true);
      } else {
        refresh();
      }
    }, REFRESH_MS) : null;
  }
  onCleanup(() => window.clearTimeout(timer));
  refresh();
  renderDownloads(downloads, initial);
  return refreshAfterAction;
}
