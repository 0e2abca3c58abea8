// The console's entry: hash routes (so it works under any API Gateway stage prefix), the API key
// dialog, and the banner for errors that concern every page.
import { getApiKey, setApiKey } from "./api.js";
import { destroyCharts } from "./charts.js";
import { clear, h } from "./dom.js";
import { renderCompare } from "./views/compare.js";
import { renderForm } from "./views/form.js";
import { renderList } from "./views/list.js";
import { renderReport } from "./views/report.js";
import { renderScenario } from "./views/scenario.js";

const main = document.getElementById("main");
const banner = document.getElementById("banner");
let cleanup = null;
let renderCount = 0;

const ROUTE_TABLE = [
  { pattern: /^\/?$/, view: renderList, nav: "scenarios" },
  { pattern: /^\/new$/, view: (ctx) => renderForm({ ...ctx, scenarioId: null }), nav: "scenarios" },
  { pattern: /^\/compare$/, view: renderCompare, nav: "compare" },
  { pattern: /^\/scenarios\/([0-9a-f-]{36})\/edit$/, view: (ctx, m) => renderForm({ ...ctx, scenarioId: m[1] }), nav: "scenarios" },
  { pattern: /^\/scenarios\/([0-9a-f-]{36})\/report$/, view: (ctx, m) => renderReport({ ...ctx, scenarioId: m[1] }), nav: "scenarios" },
  { pattern: /^\/scenarios\/([0-9a-f-]{36})(?:\/([a-z-]+))?$/, view: (ctx, m) => renderScenario({ ...ctx, scenarioId: m[1], tab: m[2] || "overview" }), nav: "scenarios" },
];

function parseHash() {
  const raw = window.location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path, query: new URLSearchParams(search) };
}

export function navigate(path) {
  window.location.hash = `#${path}`;
}

async function route() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  destroyCharts();
  hideBanner();
  const { path, query } = parseHash();
  const found = ROUTE_TABLE.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  for (const link of document.querySelectorAll(".topnav a")) {
    link.removeAttribute("aria-current");
    if (found && link.dataset.nav === found.r.nav) {
      link.setAttribute("aria-current", "page");
    }
  }
  clear(main);
  renderCount += 1;
  const thisRender = renderCount;
  if (!found) {
    main.append(h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "#/" }, "Back to the scenarios")));
    return;
  }
  const ctx = {
    main,
    query,
    navigate,
    isCurrent: () => thisRender === renderCount,
    onCleanup(fn) {
      const previous = cleanup;
      cleanup = () => {
        if (previous) {
          previous();
        }
        fn();
      };
    },
  };
  try {
    await found.r.view(ctx, found.m);
  } catch (error) {
    if (thisRender === renderCount) {
      main.append(h("div", { class: "notice error", role: "alert" }, `Could not show this page: ${error.message}`));
    }
  }
  document.body.dataset.ready = String(thisRender);
}

function showBanner(content, kind = "") {
  banner.replaceChildren(...(Array.isArray(content) ? content : [content]));
  banner.className = `banner ${kind}`.trim();
  banner.hidden = false;
}

function hideBanner() {
  banner.hidden = true;
  banner.replaceChildren();
}

function refreshKeyButton() {
  const button = document.getElementById("api-key-button");
  const hasKey = Boolean(getApiKey());
  button.classList.toggle("has-key", hasKey);
  button.textContent = hasKey ? "API key set" : "API key";
}

function setupKeyDialog() {
  const dialog = document.getElementById("api-key-dialog");
  const input = document.getElementById("api-key-input");
  document.getElementById("api-key-button").addEventListener("click", () => {
    input.value = getApiKey();
    dialog.showModal();
  });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "save") {
      setApiKey(input.value.trim());
    } else if (dialog.returnValue === "clear") {
      setApiKey("");
    } else {
      return;
    }
    refreshKeyButton();
    route();
  });
  refreshKeyButton();
}

window.addEventListener("api-error", (event) => {
  const error = event.detail;
  if (error.status === 403) {
    const open = h("button", { type: "button", class: "btn btn-small btn-primary" }, "Enter the API key");
    open.addEventListener("click", () => document.getElementById("api-key-button").click());
    showBanner([`The API refused the call (403): this deployment needs an API key. `, open], "error");
  } else if (error.status === 503 || error.status === 502 || error.status === 504) {
    showBanner(`The API is unavailable right now (${error.status}); retry shortly.`, "error");
  }
});

window.addEventListener("hashchange", route);
setupKeyDialog();
route();
