// metareview web app: keyboard shortcuts for screening, and no double submits.
// Every button also works without this file (plain forms with CSRF tokens).
(function () {
  "use strict";

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT" || el.isContentEditable;
  }

  var sent = false;
  document.addEventListener("submit", function (ev) {
    if (sent) { ev.preventDefault(); return; }
    sent = true;
    document.body.classList.add("busy");
  });
  window.addEventListener("pageshow", function () { sent = false; });

  // a reason chosen with the mouse or arrows: hand the keys back to the page
  var select = document.getElementById("reason");
  if (select) {
    select.addEventListener("change", function () { select.classList.remove("needed"); });
    select.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); select.blur(); }
    });
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var active = document.activeElement;
    if (typing(active)) {
      if (ev.key === "Escape") { active.blur(); }
      return;
    }
    var key = ev.key;
    if (key === "?") {
      var help = document.getElementById("help");
      if (help) { help.open = !help.open; ev.preventDefault(); }
      return;
    }
    var reason = document.getElementById("reason");
    if (reason && /^[1-9]$/.test(key) && Number(key) < reason.options.length) {
      reason.selectedIndex = Number(key);
      reason.classList.remove("needed");
      ev.preventDefault();
      return;
    }
    key = key.toLowerCase();
    if (key === "n") {
      var note = document.getElementById("note");
      if (note) { note.focus(); ev.preventDefault(); }
      return;
    }
    if (["i", "e", "m", "u"].indexOf(key) < 0) { return; }
    var button = document.querySelector('button[data-key="' + key + '"]');
    if (!button) { return; }
    if (key === "e" && reason && !reason.value) {
      reason.classList.add("needed");
      var hint = document.getElementById("reason-hint");
      if (hint) { hint.textContent = "Choose a reason first: press its number, then E."; }
      ev.preventDefault();
      return;
    }
    ev.preventDefault();
    button.click();
  });
})();
