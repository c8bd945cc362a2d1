// omacp web UI: small progressive enhancements. Every page works without this file.
"use strict";

// Live validation: forms with data-live="<id>" are re-checked as the user types. The
// form is posted with action=check (never saves) and the server's diagnostics replace
// the ones on the page, field by field.
function liveForm(form) {
  let timer = null;
  let seq = 0;
  const run = async () => {
    const mine = ++seq;
    const body = new URLSearchParams(new FormData(form));
    body.set("action", "check");
    let html;
    try {
      // getAttribute: the submit buttons are named "action" and shadow form.action.
      const r = await fetch(form.getAttribute("action"), { method: "POST", body, credentials: "same-origin" });
      html = await r.text();
    } catch (_) { return; }
    if (mine !== seq) return;
    const doc = new DOMParser().parseFromString(html, "text/html");
    const swap = (sel) => {
      const fresh = doc.querySelector(sel);
      const old = document.querySelector(sel);
      if (fresh && old) old.replaceWith(fresh);
    };
    swap("#" + form.dataset.live);
    swap("#preview");
    // Field errors: copy each field's error text and state without touching the inputs.
    form.querySelectorAll(".field").forEach((field) => {
      const input = field.querySelector("input, select, textarea");
      if (!input || !input.id) return;
      const freshInput = doc.getElementById(input.id);
      const freshField = freshInput && freshInput.closest(".field");
      field.querySelectorAll(".field-error").forEach((e) => e.remove());
      field.classList.remove("invalid");
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      if (!freshField) return;
      const err = freshField.querySelector(".field-error");
      if (err) {
        field.appendChild(err.cloneNode(true));
        field.classList.add("invalid");
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", err.id);
      }
    });
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 500);
  });
}

// CSV import: read a chosen file into the textarea named by data-fill.
function fileFill(input) {
  input.addEventListener("change", () => {
    const f = input.files && input.files[0];
    const target = document.getElementById(input.dataset.fill);
    if (!f || !target) return;
    f.text().then((t) => { target.value = t; });
  });
}

// Live progress: a region with data-refresh="<ms>" is re-fetched and swapped in until the
// server renders it without the attribute (finished); then the page reloads once so the
// action buttons match.
function liveRegion(el) {
  const every = Number(el.dataset.refresh) || 2000;
  // A failed fetch (server restarting, a busy database, a dropped link) is retried with a
  // growing pause: the region must not freeze on one bad answer.
  let failures = 0;
  const retry = () => {
    failures += 1;
    setTimeout(tick, every * Math.min(2 ** failures, 15));
  };
  const tick = async () => {
    let html;
    try {
      const r = await fetch(window.location.href, { credentials: "same-origin" });
      // Signed out: reloading shows the sign-in page instead of polling it.
      if (r.status === 401 || r.redirected) { window.location.reload(); return; }
      if (!r.ok) { retry(); return; }
      html = await r.text();
    } catch (_) {
      retry();
      return;
    }
    const fresh = new DOMParser().parseFromString(html, "text/html").getElementById(el.id);
    if (!fresh) { retry(); return; }
    failures = 0;
    const current = document.getElementById(el.id);
    current.replaceWith(fresh);
    if (fresh.dataset.refresh) setTimeout(tick, every);
    else window.location.reload();
  };
  setTimeout(tick, every);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-refresh]").forEach(liveRegion);
  document.querySelectorAll("form[data-live]").forEach(liveForm);
  document.querySelectorAll("input[type=file][data-fill]").forEach(fileFill);
});
