// Amity dashboard, sales documents: the line editor asks the server for the totals as the
// user types (POST .../lines/preview answers an HTML fragment whose parts replace the
// page's parts of the same id), and a line's product input searches the catalog. The
// page works without this script: "Recalculate" posts the form and the page comes back.
"use strict";

function salesEditor() {
  const form = document.getElementById("line-editor");
  if (!form) return;
  const previewUrl = form.dataset.preview;
  let timer = null;
  let asked = 0;

  async function refresh() {
    const mine = ++asked;
    const body = new FormData(form);
    body.delete("action");
    let answer;
    try {
      answer = await fetch(previewUrl, { method: "POST", body, headers: { Accept: "text/html" } });
    } catch (err) {
      return; // offline: the Recalculate button still works
    }
    if (mine !== asked) return; // a newer edit has asked again
    const type = answer.headers.get("content-type") || "";
    if (!type.startsWith("text/html")) return;
    const fragment = new DOMParser().parseFromString(await answer.text(), "text/html");
    const root = fragment.getElementById("preview");
    if (!root) return;
    const fresh = new Set();
    root.querySelectorAll("[id]").forEach((node) => fresh.add(node.id));
    form.querySelectorAll("output[data-amount]").forEach((out) => {
      if (!fresh.has(out.id)) out.textContent = "";
    });
    Array.from(root.children).forEach((node) => {
      const old = document.getElementById(node.id);
      if (old) old.replaceWith(document.importNode(node, true));
    });
    form.dataset.previewed = String(mine);
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-catalog]")) return; // until a product is picked
    soon();
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches("select, input[type=checkbox]")) soon();
  });

  form.querySelectorAll("input[data-catalog]").forEach((input) => catalogInput(input, soon));
}

// A line's product input: suggestions from /app/sales/catalog; picking one fills the
// line's name, price, tax code and its link to the product.
function catalogInput(input, changed) {
  const row = input.closest("tr");
  const prefix = input.id.replace(/-product$/, "");
  const list = document.getElementById(input.getAttribute("list"));
  const related = row.querySelector(`input[name="${prefix}-related_id"]`);
  let found = new Map();
  let timer = null;

  function pick(product) {
    for (const [name, value] of Object.entries(product)) {
      const target = row.querySelector(`[name="${prefix}-${name}"]`);
      if (target) target.value = value;
    }
    changed();
  }

  input.addEventListener("input", () => {
    const picked = found.get(input.value);
    if (picked) {
      pick(picked);
      return;
    }
    if (related) related.value = "";
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (!q) return;
      const answer = await fetch(`/app/sales/catalog?q=${encodeURIComponent(q)}`, {
        headers: { Accept: "application/json" },
      });
      if (!answer.ok) return;
      const rows = await answer.json();
      found = new Map(rows.map((row) => [row.name, row]));
      list.replaceChildren(...rows.map((product) => {
        const option = document.createElement("option");
        option.value = product.name;
        return option;
      }));
      const exact = found.get(input.value);
      if (exact) pick(exact);
    }, 150);
  });
}

document.addEventListener("DOMContentLoaded", salesEditor);
