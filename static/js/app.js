// Small behaviours of the layout. Every page works without this file; it only tidies up.
// (The "js" class on <html> is set by js-class.js, before the first paint.)

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector("[data-menu-toggle]");
  if (toggle) {
    const menu = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.addEventListener("click", () => {
      const open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  // The instance switcher applies the choice at once (without JavaScript, a button does).
  for (const form of document.querySelectorAll("[data-switcher]")) {
    form.querySelector("select").addEventListener("change", () => form.submit());
  }
});
