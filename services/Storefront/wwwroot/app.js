// Progressive enhancement only: every form works without this script.
// A form marked data-disable-on-submit disables its submit button once sent, so a double click sends one request
// (the checkout's hidden Idempotency-Key makes even a second request harmless).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-disable-on-submit")) return;
  if (form.dataset.submitted === "true") { event.preventDefault(); return; }
  form.dataset.submitted = "true";
  for (const button of form.querySelectorAll("button[type=submit]")) {
    if (button.dataset.busyText) button.textContent = button.dataset.busyText;
    button.setAttribute("aria-disabled", "true");
    // Disabled after this event so the button's own name/value is still part of the submission.
    setTimeout(() => { button.disabled = true; }, 0);
  }
  form.setAttribute("aria-busy", "true");
});
// Back/forward cache restores a submitted form: let it be submitted again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-submitted]")) {
    delete form.dataset.submitted;
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("button[type=submit]")) { button.disabled = false; button.removeAttribute("aria-disabled"); }
  }
});
