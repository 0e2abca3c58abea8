// Charts (Chart.js, vendored: vendor/chart.umd.min.js). Each chart comes with its data as a table
// (keyboard and screen-reader users, and the print report), and its canvas carries data-chart=<name>.
import { h } from "./dom.js";

export const PALETTE = {
  SQS: "#d45b07",
  Lambda: "#0b5fcc",
  Bedrock: "#1d7a3a",
  series: ["#0b5fcc", "#d45b07", "#1d7a3a", "#7b3fb0", "#b3261e", "#00778b", "#8a6d00", "#5f6b7a", "#c2185b", "#2e7d32"],
};

const live = new Set();

function ChartLib() {
  if (!window.Chart) {
    throw new Error("Chart.js did not load");
  }
  return window.Chart;
}

function baseOptions(extra = {}) {
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: reduced ? false : { duration: 250 },
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12, color: "#414d5c" } } },
    ...extra,
  };
}

/**
 * A chart in a box plus its data table. spec: {name, type, labels, datasets: [{label, data, color}],
 * title, options, format(value)}. Returns {element, update(spec)}.
 */
export function chart(spec) {
  const canvas = h("canvas", { role: "img", "aria-label": spec.title, "data-chart": spec.name });
  const tableHolder = h("div", { class: "table-wrap" });
  const element = h(
    "div",
    { class: "chart" },
    h("div", { class: `chart-box ${spec.short ? "short" : ""}`.trim() }, canvas),
    h("details", { class: "data-table" }, h("summary", {}, `Data: ${spec.title}`), tableHolder),
  );
  const Chart = ChartLib();
  const instance = new Chart(canvas, {
    type: spec.type,
    data: toChartData(spec),
    options: baseOptions(spec.options || {}),
  });
  live.add(instance);
  renderTable(tableHolder, spec);
  return {
    element,
    instance,
    update(next) {
      const data = toChartData(next);
      instance.data.labels = data.labels;
      instance.data.datasets = data.datasets;
      instance.update("none");
      renderTable(tableHolder, next);
    },
  };
}

function toChartData(spec) {
  return {
    labels: spec.labels,
    datasets: spec.datasets.map((dataset, index) => {
      const color = dataset.color || PALETTE.series[index % PALETTE.series.length];
      const colors = dataset.colors || color;
      return {
        label: dataset.label,
        data: dataset.data,
        borderColor: spec.type === "line" ? color : colors,
        backgroundColor: spec.type === "line" ? `${color}22` : colors,
        fill: spec.type === "line" && dataset.fill !== false,
        tension: 0.25,
        pointRadius: spec.labels.length > 48 ? 0 : 2,
        borderWidth: spec.type === "line" ? 2 : 0,
        borderRadius: spec.type === "bar" ? 4 : 0,
        maxBarThickness: 40,
        yAxisID: dataset.axis || undefined,
      };
    }),
  };
}

function renderTable(holder, spec) {
  const format = spec.format || ((value) => String(value));
  holder.replaceChildren(
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, spec.labelHeader || ""), spec.datasets.map((d) => h("th", { scope: "col", class: "num" }, d.label)))),
      h(
        "tbody",
        {},
        spec.labels.map((label, row) =>
          h("tr", {}, h("th", { scope: "row" }, label), spec.datasets.map((d) => h("td", { class: "num" }, format(d.data[row])))),
        ),
      ),
    ),
  );
}

export function destroyCharts() {
  for (const instance of live) {
    instance.destroy();
  }
  live.clear();
}
