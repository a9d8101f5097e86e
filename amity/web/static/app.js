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

document.addEventListener("DOMContentLoaded", () => {
  refInputs();
});
