// The sign-in and profile pages' small behaviours. Each page works without this file: the
// zone list is a plain select, the key can be selected by hand, and the zone stays UTC until
// the user chooses one.

// Sign-in: send the browser's time zone with the form. The server takes it only for a user
// who has not chosen a zone yet, and only if it is a zone it knows.
function fillBrowserZone() {
  for (const input of document.querySelectorAll("input[data-browser-zone]")) {
    try {
      input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      input.value = "";
    }
  }
}

// "new_york" and "New York" find America/New_York; "+05:30" finds the zones at that offset.
function normalized(text) {
  return text.toLowerCase().replace(/_/g, " ").replace(/\s+/g, " ").trim();
}

// A search box over a select with option groups: the list keeps only the zones that match
// (each once), and the first match is selected when the chosen one no longer shows.
function zonePicker(search) {
  const select = document.getElementById(search.dataset.zoneSearch);
  if (!select) {
    return;
  }
  const status = search.parentElement.querySelector("[data-zone-search-status]");
  const groups = [...select.querySelectorAll("optgroup")].map((group) => ({
    label: group.label,
    options: [...group.querySelectorAll("option")].map((option) => option.cloneNode(true)),
  }));
  search.closest("label").hidden = false;

  function show(query) {
    const chosen = select.value;
    const seen = new Set();
    const kept = [];
    for (const group of groups) {
      const matches = group.options.filter((option) => {
        const hit = !query || normalized(option.textContent).includes(query);
        if (!hit || (query && seen.has(option.value))) {
          return false;
        }
        seen.add(option.value);
        return true;
      });
      if (matches.length) {
        const element = document.createElement("optgroup");
        element.label = group.label;
        element.append(...matches.map((option) => option.cloneNode(true)));
        kept.push(element);
      }
    }
    if (!kept.length) {
      status.textContent = "No zone matches; the whole list is shown.";
      show("");
      return;
    }
    select.replaceChildren(...kept);
    if (seen.has(chosen) || !query) {
      select.value = chosen;
    } else {
      select.selectedIndex = 0;
    }
    const count = seen.size === 1 ? "1 zone matches" : `${seen.size} zones match`;
    status.textContent = query ? `${count}.` : "";
  }

  search.addEventListener("input", () => show(normalized(search.value)));
  // Enter picks the first match instead of sending the form before the user sees it.
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      select.focus();
    }
  });
}

function selectText(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

// A "Copy" button for a key shown once. Without the clipboard API (an http:// address, an
// old browser) or when the browser refuses, the key is selected for the user to copy.
function copyButton(button) {
  const target = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector("[data-copy-status]");
  if (!target) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = target.textContent.trim();
    try {
      if (!navigator.clipboard || !navigator.clipboard.writeText) {
        throw new Error("no clipboard");
      }
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
      status.textContent = "Copied to the clipboard.";
    } catch (error) {
      selectText(target);
      status.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy it.";
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  fillBrowserZone();
  for (const search of document.querySelectorAll("input[data-zone-search]")) {
    zonePicker(search);
  }
  for (const button of document.querySelectorAll("button[data-copy]")) {
    copyButton(button);
  }
});
