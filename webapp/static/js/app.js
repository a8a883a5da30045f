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

// Saved messages of htmx requests (blueprints/status.py sends them as the event tf:status):
// shown in the live region, which screen readers announce.
const ALERT_CLASS = { error: "danger", message: "info" };
document.addEventListener("tf:status", (event) => {
  const region = document.getElementById("live-status");
  if (!region) return;
  region.replaceChildren(...event.detail.messages.map(({ category, text }) => {
    const alert = document.createElement("div");
    alert.className = `alert alert-${ALERT_CLASS[category] || category} alert-dismissible py-2 mb-2`;
    alert.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close py-2";
    close.dataset.bsDismiss = "alert";
    close.setAttribute("aria-label", region.dataset.closeLabel || "×");
    alert.append(close);
    return alert;
  }));
});

// A field in error says so to screen readers and points at its messages. The form macro
// writes both; this covers fields a template draws by hand (a .is-invalid control and the
// .invalid-feedback next to it).
function describeInvalidFields(root) {
  for (const control of root.querySelectorAll(".is-invalid")) {
    control.setAttribute("aria-invalid", "true");
    const messages = [...control.parentElement.querySelectorAll(".invalid-feedback")];
    const ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    messages.forEach((message, i) => {
      if (!message.id) message.id = `${control.id || control.name}-feedback-${i + 1}`;
      if (!ids.includes(message.id)) ids.push(message.id);
    });
    if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
  }
}

function focusFirstInvalid(root) {
  const invalid = root.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
  return Boolean(invalid);
}

document.addEventListener("DOMContentLoaded", () => {
  describeInvalidFields(document);
  // a refused form sent back as a whole page: straight to what needs fixing
  if (!document.querySelector("[autofocus]")) focusFirstInvalid(document.querySelector("main") || document);
});

// After htmx swaps in a form the server refused (422), focus leaves <body> for the first
// field in error; after a save, the server names the new entry (event tf:focus).
document.addEventListener("htmx:afterSettle", (event) => {
  const root = event.target;
  describeInvalidFields(root);
  const source = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (source && source.tagName === "FORM") focusFirstInvalid(root);
});
document.addEventListener("tf:focus", (event) => {
  const entry = document.querySelector(event.detail.value || event.detail.selector);
  if (!entry) return;
  if (!entry.matches("a, button, input, select, textarea, [tabindex]")) entry.tabIndex = -1;
  entry.focus();
});
