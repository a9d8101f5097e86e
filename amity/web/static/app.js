// Amity dashboard: small enhancements over pages that work without scripts.
"use strict";

// A ref input (role=combobox) searches its model as the user types and lists suggestions
// below it (role=listbox); arrow keys move through them, Enter or a click picks one, and
// Escape closes the list. The picked record's id goes into the hidden input the input
// names (data-ref-id); typing again clears it (the server then looks the typed name up).
function refInput(input) {
  const hidden = document.getElementById(input.dataset.refId);
  const list = document.getElementById(input.getAttribute("aria-controls"));
  if (!hidden || !list) return;
  let rows = [];
  let active = -1;
  let asked = 0; // answers to older requests than the last are ignored
  let timer = null;
  let pickedName = hidden.value ? input.value : null;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function mark(index) {
    active = index;
    Array.from(list.children).forEach((item, i) => {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
      item.classList.toggle("active", i === index);
    });
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(index) {
    const row = rows[index];
    if (!row) return;
    input.value = row.name;
    hidden.value = row.id;
    pickedName = row.name;
    close();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  const status = document.getElementById(`${input.id}-status`);
  function announce(count) {
    if (!status) return;
    status.textContent = count
      ? (status.dataset.found || "").replace("{count}", String(count))
      : (input.value.trim() ? status.dataset.none || "" : "");
  }

  function show(found) {
    rows = found;
    announce(rows.length);
    list.replaceChildren(...rows.map((row, i) => {
      const item = document.createElement("li");
      item.id = `${list.id}-${i}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.id = row.id;
      item.textContent = row.name;
      item.addEventListener("mousedown", (event) => {
        event.preventDefault(); // keep the focus in the input
        pick(i);
      });
      return item;
    }));
    if (rows.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark(-1);
    } else {
      close();
    }
  }

  async function search() {
    const q = input.value.trim();
    const mine = ++asked;
    if (!q) {
      show([]);
      return;
    }
    let model = input.dataset.refModel;
    const from = input.dataset.refModelFrom && input.form ? input.form.elements.namedItem(input.dataset.refModelFrom) : null;
    if (from) model = from.value; // a parent: of the type picked beside it
    if (!model) {
      show([]);
      return;
    }
    const url = `/app/lookup/${encodeURIComponent(model)}?q=${encodeURIComponent(q)}`;
    try {
      const answer = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!answer.ok || mine !== asked) return;
      const found = await answer.json();
      if (mine !== asked || !Array.isArray(found)) return;
      show(found);
    } catch (error) {
      if (mine === asked) close(); // offline or signed out: the server resolves the name
    }
  }

  input.addEventListener("input", () => {
    if (input.value !== pickedName) {
      hidden.value = "";
      pickedName = null;
    }
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && rows.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) {
        search();
        return;
      }
      mark(Math.min(active + 1, rows.length - 1));
    } else if (event.key === "ArrowUp") {
      if (!open) return;
      event.preventDefault();
      mark(Math.max(active - 1, 0));
    } else if (event.key === "Enter") {
      if (open && active >= 0) {
        event.preventDefault(); // pick, do not send the form yet
        pick(active);
      }
    } else if (event.key === "Escape") {
      if (open) {
        event.preventDefault();
        close();
      }
    } else if (event.key === "Tab") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
  if (input.dataset.refModelFrom && input.form) {
    input.form.addEventListener("change", (event) => {
      if (event.target.name === input.dataset.refModelFrom) { // another type: pick again
        hidden.value = "";
        pickedName = null;
      }
    });
  }
}

// A dependent picklist (data-depends-on names its source, data-allowed maps each source
// value to the values allowed with it) offers only what the source's value allows; a
// source value the map does not name leaves every option.
function dependentPicklist(target) {
  const form = target.closest("form");
  if (!form) return;
  let allowed = {};
  try {
    allowed = JSON.parse(target.dataset.allowed || "{}");
  } catch (error) {
    return;
  }
  const source = target.dataset.dependsOn;
  function sourceValue() {
    const element = form.elements.namedItem(source);
    if (!element) return "";
    if (element instanceof RadioNodeList) return element.value;
    return element.value;
  }
  // at first, what is chosen stays (a rejected choice beside its message); on a change of
  // the source, choices it no longer allows are dropped
  function apply(changed) {
    const permitted = allowed[sourceValue()];
    const options = target.tagName === "SELECT"
      ? Array.from(target.options).filter((o) => o.value !== "")
      : Array.from(target.querySelectorAll("input")).filter((o) => o.value !== "");
    options.forEach((option) => {
      const chosen = option.selected || option.checked;
      const ok = !permitted || permitted.includes(option.value) || (!changed && chosen);
      const holder = target.tagName === "SELECT" ? option : option.closest(".choice") || option;
      holder.hidden = !ok;
      option.disabled = !ok;
      if (!ok) {
        if (option.selected) option.selected = false;
        if (option.checked) option.checked = false;
      }
    });
  }
  form.addEventListener("change", (event) => {
    if (event.target.name === source) apply(true);
  });
  apply(false);
}

// A colour input stays a text input (it may be empty); a colour picker beside it sets it.
function colorInput(input) {
  const picker = document.createElement("input");
  picker.type = "color";
  picker.className = "swatch";
  picker.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent : "colour");
  picker.tabIndex = -1; // the text input is the keyboard's way in
  if (/^#[0-9a-fA-F]{6}$/.test(input.value)) picker.value = input.value;
  picker.addEventListener("input", () => { input.value = picker.value; });
  input.addEventListener("input", () => {
    if (/^#[0-9a-fA-F]{6}$/.test(input.value)) picker.value = input.value;
  });
  input.after(picker);
}

// A related list not loaded with the page loads its records when it is first opened
// (without scripts, its link reloads the page with that list).
function lazyPanel(panel) {
  let loading = false;
  panel.addEventListener("toggle", async () => {
    if (!panel.open || loading || !panel.dataset.src) return;
    loading = true;
    const body = panel.querySelector(".panel-body");
    try {
      const answer = await fetch(panel.dataset.src, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(String(answer.status));
      body.innerHTML = await answer.text(); // our own server's escaped HTML
      delete panel.dataset.src;
      body.querySelectorAll("input[data-ref-model]").forEach(refInput);
    } catch (error) {
      loading = false; // the link in the panel still works
    }
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
  document.querySelectorAll("details[data-src]").forEach(lazyPanel);
  document.querySelectorAll("input[data-ref-model]").forEach(refInput);
  document.querySelectorAll("[data-depends-on]").forEach(dependentPicklist);
  document.querySelectorAll("input[data-color]").forEach(colorInput);
  filterEditor();
});
