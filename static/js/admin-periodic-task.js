// The admin's periodic task form (django-celery-beat): shows the chosen crontab in words
// under the crontab field, as the package's own inline script does.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("readable-crontabs");
  const field = document.querySelector(".field-crontab");
  const select = document.getElementById("id_crontab");
  if (!data || !field || !select) {
    return;
  }
  const readable = JSON.parse(data.textContent);
  const help = field.querySelector(".help");
  const original = help ? help.textContent : "";
  for (const row of document.querySelectorAll(".field-crontab_translation")) {
    row.hidden = true;
  }
  select.addEventListener("change", () => {
    if (!help) {
      return;
    }
    help.replaceChildren(
      document.createTextNode(original),
      document.createElement("br"),
      document.createTextNode(`Translation: ${readable[select.value] ?? ""}`),
    );
  });
});
