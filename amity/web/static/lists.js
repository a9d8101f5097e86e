// Amity dashboard lists: a ref filter suggests the names of its model's records as the
// user types (the filter matches names that start with the text; the page works without).
"use strict";

function refFilters() {
  document.querySelectorAll("input[data-lookup-model]").forEach((input) => {
    const list = document.getElementById(input.getAttribute("list"));
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (!q) return;
        const url = `/app/lookup/${encodeURIComponent(input.dataset.lookupModel)}?q=${encodeURIComponent(q)}`;
        const answer = await fetch(url, { headers: { Accept: "application/json" } });
        if (!answer.ok) return;
        const rows = await answer.json();
        list.replaceChildren(...rows.map((row) => {
          const option = document.createElement("option");
          option.value = row.name;
          return option;
        }));
      }, 150);
    });
  });
}

document.addEventListener("DOMContentLoaded", refFilters);
