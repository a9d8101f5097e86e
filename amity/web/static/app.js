// Amity dashboard: small enhancements over pages that work without scripts.
"use strict";

// A ref input searches its model as the user types and keeps the picked record's id in
// the hidden input before it; a changed name clears the id (the server then looks the
// typed name up).
function refInputs() {
  document.querySelectorAll("input[data-ref-model]").forEach((input) => {
    const hidden = input.previousElementSibling;
    const list = document.getElementById(input.getAttribute("list"));
    let found = new Map();
    let timer = null;
    input.addEventListener("input", () => {
      const picked = found.get(input.value);
      hidden.value = picked || "";
      if (picked) return;
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (!q) return;
        const url = `/app/lookup/${encodeURIComponent(input.dataset.refModel)}?q=${encodeURIComponent(q)}`;
        const answer = await fetch(url, { headers: { Accept: "application/json" } });
        if (!answer.ok) return;
        const rows = await answer.json();
        found = new Map(rows.map((row) => [row.name, row.id]));
        list.replaceChildren(...rows.map((row) => {
          const option = document.createElement("option");
          option.value = row.name;
          return option;
        }));
        const exact = found.get(input.value);
        if (exact) hidden.value = exact;
      }, 150);
    });
  });
}

// The webhook filter editor: the field list follows the chosen model, and a row offers
// only the tests that fit its field's kind (the server checks the filter either way).
function filterEditor() {
  const form = document.getElementById("webhook-form");
  const list = document.getElementById("filter-fields");
  if (!form || !list) return;
  const kindOf = (name) => {
    const option = Array.from(list.options).find((o) => o.value === name);
    return option ? option.dataset.kind : "";
  };
  const narrow = (row) => {
    const field = row.querySelector(".cond-field");
    const select = row.querySelector(".cond-op");
    if (!field || !select) return;
    const kind = kindOf(field.value.trim());
    Array.from(select.options).forEach((option) => {
      const fits = !kind || !option.dataset.kinds || option.dataset.kinds.split(" ").includes(kind);
      option.hidden = !fits;
      option.disabled = !fits;
    });
    if (select.selectedOptions.length && select.selectedOptions[0].disabled) select.value = "";
  };
  const rows = () => form.querySelectorAll(".condition");
  rows().forEach((row) => {
    narrow(row);
    row.querySelector(".cond-field").addEventListener("input", () => narrow(row));
  });
  const model = document.getElementById("model");
  model.addEventListener("change", async () => {
    const answer = await fetch(`/app/account/webhook-fields?model=${encodeURIComponent(model.value)}`,
      { headers: { Accept: "application/json" } });
    if (!answer.ok) return;
    const fields = await answer.json();
    list.replaceChildren(...fields.map((f) => {
      const option = document.createElement("option");
      option.value = f.name;
      option.label = f.label;
      option.dataset.kind = f.kind;
      return option;
    }));
    rows().forEach(narrow);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  refInputs();
  filterEditor();
});
