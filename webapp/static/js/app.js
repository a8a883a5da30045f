// The only hand-written JavaScript: confirmations and the signup slug hint.
// Everything works without it; it only saves clicks.
"use strict";

// <form data-confirm="..."> asks before submitting (archive, remove).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// Signup: suggest the web address from the company name until the user edits it.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.querySelector("[data-slug-source]");
  const target = document.querySelector("[data-slug-target]");
  if (!source || !target) return;
  let edited = target.value !== "";
  target.addEventListener("input", () => { edited = target.value !== ""; });
  let timer = null;
  source.addEventListener("input", () => {
    if (edited) return;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const url = `${source.dataset.slugSource}?name=${encodeURIComponent(source.value)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok && !edited) target.value = (await response.json()).slug;
    }, 250);
  });
});

// Follow-up form: the visit details show only for the two visit methods (the server keeps
// them only for visits either way).
document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-role=method]");
  if (!select) return;
  const form = select.closest("form[data-visit-methods]");
  const details = form && form.querySelector(".visit-details");
  if (details) details.hidden = !form.dataset.visitMethods.split(" ").includes(select.value);
});

// <select data-autosubmit> submits its form when changed (no inline handlers: strict CSP).
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});

// <button data-copy="#input"> copies that field's text (the invitation link) to the clipboard.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    document.execCommand("copy");
  }
});

// Role-specific pickers (blueprints/pickers.py) list that role's people; the others sit in an
// <optgroup> shown only while its "show everyone else" box is ticked.
function showOthers(box) {
  const select = document.getElementById(box.dataset.showOthers);
  const group = select && select.querySelector("optgroup");
  if (!group) return;
  if (!box.checked && group.contains(select.selectedOptions[0])) select.selectedIndex = 0;
  group.hidden = !box.checked;
  group.disabled = !box.checked;
}
document.addEventListener("change", (event) => {
  const box = event.target.closest("[data-show-others]");
  if (box) showOthers(box);
});
// htmx:load fires for every swapped-in fragment (an order section's form), and for the page
document.addEventListener("htmx:load", (event) => {
  event.target.querySelectorAll("[data-show-others]").forEach(showOthers);
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-show-others]").forEach(showOthers);
});
