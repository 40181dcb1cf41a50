// The Leads section's small behaviours; every page works without them.
(() => {
  // A CSV chosen for upload: offer its header's columns to choose from.
  function csvColumns(input) {
    const select = document.getElementById(input.dataset.csvColumns);
    const file = input.files && input.files[0];
    if (!select || !file) return;
    file.slice(0, 64 * 1024).text().then((text) => {
      const line = text.replace(/^\uFEFF/, "").split(/\r?\n/)[0] || "";
      const delimiter = [",", ";", "\t"].reduce((a, b) => (line.split(b).length > line.split(a).length ? b : a));
      const names = line.split(delimiter).map((name) => name.trim().replace(/^"|"$/g, "")).filter(Boolean);
      const field = (document.getElementById("batch-field") || {}).value || "";
      select.replaceChildren(...names.map((name) => {
        const option = document.createElement("option");
        option.value = name;
        option.textContent = name;
        option.selected = name.toLowerCase() === field.toLowerCase();
        return option;
      }));
    });
  }

  function filterFields(input) {
    const root = document.getElementById(input.dataset.fieldFilter);
    if (!root) return;
    const words = input.value.trim().toLowerCase();
    for (const row of root.querySelectorAll("[data-search]")) {
      row.hidden = words !== "" && !row.dataset.search.includes(words);
    }
  }

  // A part of the page read from Marketo after the page was served (the Leads page's field
  // list): when the answer does not come in time, say so in the words the server gave. The
  // request is not aborted (htmx would log an aborted or timed-out request as an error): an
  // answer that comes later still replaces the message.
  function sayNoAnswer(box) {
    const flash = document.createElement("div");
    flash.className = "flash";
    flash.setAttribute("role", "alert");
    const line = document.createElement("p");
    line.className = "flash-warning";
    line.textContent = box.dataset.timeoutMessage;
    flash.append(line);
    box.replaceChildren(flash);
  }
  const answered = new WeakSet();
  function waitFor(root) {
    for (const box of root.querySelectorAll("[data-wait-ms][data-timeout-message]")) {
      setTimeout(() => { if (!answered.has(box)) sayNoAnswer(box); }, Number(box.dataset.waitMs));
    }
  }
  document.addEventListener("htmx:afterRequest", (event) => {
    const box = event.detail && event.detail.elt;
    if (box && box.dataset && box.dataset.timeoutMessage) answered.add(box);
  });
  for (const name of ["htmx:sendError", "htmx:responseError"]) {
    document.addEventListener(name, (event) => {
      const box = event.detail && event.detail.elt;
      if (box && box.dataset && box.dataset.timeoutMessage) sayNoAnswer(box);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => waitFor(document));
  } else {
    waitFor(document);
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-csv-columns]")) csvColumns(event.target);
  });
  document.addEventListener("input", (event) => {
    if (event.target.matches("[data-field-filter]")) filterFields(event.target);
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(button.dataset.copy).then(done, () => {});
    } else {
      const area = document.createElement("textarea");
      area.value = button.dataset.copy;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
      done();
    }
  });
})();
