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

// A table wider than the screen scrolls inside .table-responsive: keyboard users reach that
// scroll only if the box takes focus (WCAG 2.1.1), so a box that scrolls gets a Tab stop and
// one that fits does not. Checked on load, on resize and after every htmx swap.
function focusableScrollBoxes() {
  for (const box of document.querySelectorAll(".table-responsive")) {
    if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
    else box.removeAttribute("tabindex");
  }
}
document.addEventListener("DOMContentLoaded", focusableScrollBoxes);
window.addEventListener("resize", focusableScrollBoxes);
document.addEventListener("htmx:afterSettle", focusableScrollBoxes);
