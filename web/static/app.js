// The workbench's own script: the CSRF header on every htmx request, and live countdowns.
(function () {
  "use strict";
  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = cookie("complaints_csrf");
    // One key per form as shown: pressing again after a lost answer resends the same action, applied once.
    // A form drawn anew (after any answer) gets a new key.
    if (e.detail.verb === "post") {
      var el = e.detail.elt;
      if (!el.dataset.idempotencyKey) el.dataset.idempotencyKey = newKey();
      e.detail.headers["Idempotency-Key"] = el.dataset.idempotencyKey;
    }
  });
  // A refusal comes back as 4xx with the page fragment that shows it: swap it in like a success.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var s = e.detail.xhr.status;
    if (s === 403 || s === 409 || s === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  // Drafts: what a person types into an action's form is kept in this tab (sessionStorage: gone with the
  // tab, never on disk) until the action succeeds, so a reload or a colleague's change redrawing the page
  // loses nothing.
  function draftKey(form, field) { return "draft:" + form.dataset.draft + ":" + field.name; }
  document.addEventListener("input", function (e) {
    var form = e.target.form;
    if (form && form.dataset.draft && e.target.name) {
      try { sessionStorage.setItem(draftKey(form, e.target), e.target.value); } catch (err) { /* full: no draft */ }
    }
  });
  function restoreDrafts(root) {
    (root || document).querySelectorAll("form[data-draft]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field.tagName === "SELECT" || field.value) return;
        var kept = sessionStorage.getItem(draftKey(form, field));
        if (kept) { field.value = kept; form.closest("details") && (form.closest("details").open = true); }
      });
    });
  }
  // Cleared when the answer arrives, before the swap detaches the form (a detached form's own events no
  // longer reach the document).
  document.addEventListener("htmx:beforeSwap", function (e) {
    var form = e.detail.requestConfig && e.detail.requestConfig.elt;
    if (form && form.dataset && form.dataset.draft && e.detail.xhr.status === 200) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name) sessionStorage.removeItem(draftKey(form, field));
      });
    }
  });
  // A redraw keeps the person where they were: a poll (a colleague's change) reopens the forms they had open
  // and gives focus back to the field they were in; after their own action, focus goes to what it says
  // (done, or why not), never back to the top of the page.
  // A poll sent before the person's own action may answer after it: its page is older than what the action
  // drew, so it is dropped (the next poll brings anything newer).
  var drawn = 0;
  document.addEventListener("htmx:beforeRequest", function (e) { e.detail.xhr.drawnAtSend = drawn; });
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var t = e.detail.target;
    if (!t || !t.querySelectorAll) return;
    // Only a page's own poll (its `…-body`) is dropped when older: a section loading itself beside it (the
    // records, a referral) is not a redraw of the page, and two of them load at once.
    var got = e.detail.requestConfig && e.detail.requestConfig.verb === "get";
    var polled = got && /-body$/.test(t.id || "");
    if (polled && e.detail.xhr.drawnAtSend !== drawn) { e.detail.shouldSwap = false; return; }
    if (!e.detail.shouldSwap || (got && !polled)) return;  // a section loading itself: no focus to move
    drawn += 1;
    var active = document.activeElement;
    kept = { open: Array.prototype.map.call(t.querySelectorAll("details[data-action][open]"), function (d) { return d.dataset.action; }),
             focus: active && active.id && t.contains(active) ? active.id : null,
             polled: polled };
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!kept) return;
    var was = kept; kept = null;
    if (was.polled) {
      was.open.forEach(function (a) { var d = document.querySelector('details[data-action="' + a + '"]'); if (d) d.open = true; });
      var f = was.focus && document.getElementById(was.focus);
      if (f) f.focus();
      return;
    }
    var said = document.querySelector("#refusal, .flash");
    if (said) { said.setAttribute("tabindex", "-1"); said.focus(); }
  });
  document.addEventListener("DOMContentLoaded", function () { restoreDrafts(); });
  document.addEventListener("htmx:afterSettle", function (e) { restoreDrafts(e.detail.elt); });
  var zh = document.body.dataset.lang !== "en";
  function parse(iso) { return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z"); }
  function human(ms) {
    var late = ms < 0, m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor(m % 1440 / 60);
    var mm = m % 60, s = Math.floor(Math.abs(ms) / 1000) % 60, parts;
    if (zh) parts = (d ? d + "天" : "") + (d || h ? h + "小时" : "") + mm + "分" + (d ? "" : s + "秒");
    else parts = (d ? d + "d " : "") + (d || h ? h + "h " : "") + mm + "m" + (d ? "" : " " + s + "s");
    return late ? (zh ? "已超时 " : "overdue ") + parts : parts;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[data-deadline]").forEach(function (el) {
      var left = parse(el.dataset.deadline) - now;
      el.textContent = human(left);
      var row = el.closest("tr");
      var warned = el.dataset.warn && parse(el.dataset.warn) <= now;
      el.classList.toggle("late", left < 0);
      el.classList.toggle("warn", left >= 0 && !!warned);
      if (row && row.classList.contains("clock")) {
        row.classList.toggle("breached", left < 0);
        row.classList.toggle("warned", left >= 0 && !!warned);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 1000);
})();
