// DOM helpers: elements are built with text nodes only (no innerHTML with data), so nothing the API
// returns is ever parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key === "class") {
      element.className = value;
    } else if (key === "text") {
      element.textContent = value;
    } else if (key === "dataset") {
      Object.assign(element.dataset, value);
    } else if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (value === true) {
      element.setAttribute(key, "");
    } else {
      element.setAttribute(key, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function clear(element) {
  while (element.firstChild) {
    element.firstChild.remove();
  }
  return element;
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}`, "data-status": status }, status);
}

export function unavailable(what, why) {
  return h(
    "div",
    { class: "unavailable", role: "note", "data-unavailable": what },
    h("strong", {}, `${what}: not available`),
    why,
  );
}

export function notice(text, kind = "") {
  return h("div", { class: `notice ${kind}`.trim(), role: kind === "error" ? "alert" : "note" }, text);
}

export function errorNotice(error) {
  const parts = [error.message || String(error)];
  if (error.status) {
    parts.unshift(`${error.status} ${error.code || ""}: `);
  }
  return notice(parts.join(""), "error");
}

/** A modal confirmation (the page's <dialog>); resolves true when confirmed. */
export function confirmAction(title, text, okLabel = "Confirm", danger = false) {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  const ok = document.getElementById("confirm-ok");
  ok.textContent = okLabel;
  ok.className = danger ? "btn btn-danger" : "btn btn-primary";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "cancel";
    dialog.showModal();
  });
}

export function copyButton(getText, label = "Copy") {
  const button = h("button", { type: "button", class: "btn btn-small copy" }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(getText());
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy";
    }
    window.setTimeout(() => { button.textContent = label; }, 1500);
  });
  return button;
}

/** Save text as a file (CSV downloads). */
export function download(filename, text, type = "text/csv") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename, class: "no-print" });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * A table whose columns sort on click (keyboard: the header buttons). columns: [{key, label, num,
 * render(row), value(row)}]. Returns the <table>.
 */
export function sortableTable(columns, rows, { initial, rowClass, caption } = {}) {
  let sortKey = initial ? initial.key : null;
  let ascending = initial ? initial.ascending !== false : true;
  const tbody = h("tbody");
  const headCells = columns.map((column) => {
    const button = h("button", { type: "button", class: "sort" }, column.label);
    const th = h("th", { scope: "col", class: column.num ? "num" : "", "data-key": column.key }, button);
    button.addEventListener("click", () => {
      ascending = sortKey === column.key ? !ascending : true;
      sortKey = column.key;
      render();
    });
    return th;
  });
  function value(column, row) {
    return column.value ? column.value(row) : row[column.key];
  }
  function render() {
    const column = columns.find((c) => c.key === sortKey);
    const sorted = [...rows];
    if (column) {
      sorted.sort((a, b) => {
        const x = value(column, a);
        const y = value(column, b);
        const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
    }
    for (const th of headCells) {
      th.setAttribute("aria-sort", th.dataset.key === sortKey ? (ascending ? "ascending" : "descending") : "none");
    }
    clear(tbody);
    for (const row of sorted) {
      tbody.append(
        h(
          "tr",
          { class: rowClass ? rowClass(row) : "" },
          columns.map((c) => h("td", { class: c.num ? "num" : "" }, c.render ? c.render(row) : String(value(c, row)))),
        ),
      );
    }
  }
  render();
  return h("table", {}, caption ? h("caption", { class: "muted" }, caption) : null, h("thead", {}, h("tr", {}, headCells)), tbody);
}
