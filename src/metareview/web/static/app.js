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

// Extraction forms, RoB 2 forms and the analysis page. The server checks and
// computes everything; this only shows the relevant fields and asks it early.
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  // extraction: show the fields of what the paper reports
  function showForm(select) {
    var box = select.closest("fieldset");
    var key = select.value;
    box.querySelectorAll(".field[data-forms]").forEach(function (f) {
      var forms = f.getAttribute("data-forms").split(" ");
      var input = f.querySelector("input, select");
      var filled = input && input.value !== "";
      var wanted = forms.indexOf("*") >= 0 || forms.indexOf(key) >= 0;
      f.classList.toggle("hidden", !(wanted || filled || f.classList.contains("invalid")));
    });
  }
  document.querySelectorAll("select.reported").forEach(function (s) {
    showForm(s);
    s.addEventListener("change", function () { showForm(s); });
  });

  function preview(box) {
    var row = box.getAttribute("data-row");
    var out = box.querySelector(".preview output");
    var fields = {};
    box.querySelectorAll("input[name^='r" + row + "_'], select[name^='r" + row + "_']").forEach(function (el) {
      var name = el.name.slice(("r" + row + "_").length);
      if (["outcome", "timepoint", "arm"].indexOf(name) < 0 && el.value !== "") {
        fields[name] = el.value;
      }
    });
    var arm = box.querySelector("input[name='r" + row + "_arm']").value;
    fetch("/api/extract/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ outcome: box.getAttribute("data-outcome"), arm: arm, fields: fields })
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.problems && data.problems.length) {
        out.textContent = "Problem: " + data.problems.join("; ");
        out.className = "bad";
      } else if (data.text) {
        out.textContent = "Analysed as " + data.text + (data.notes.length ? " (" + data.notes.join("; ") + ")" : "") +
          (data.warnings.length ? " Warning: " + data.warnings.join("; ") : "");
        out.className = "good";
      } else {
        out.textContent = "Not enough values yet for a mean and SD (n is needed with them).";
        out.className = "";
      }
    }).catch(function () { out.textContent = "The preview is not available."; });
  }
  document.querySelectorAll("fieldset.arm").forEach(function (box) {
    var button = box.querySelector(".preview-button");
    if (!button) { return; }
    button.addEventListener("click", function () { preview(box); });
    box.addEventListener("change", function (ev) {
      if (ev.target.classList.contains("reported")) { return; }
      if (box.querySelector(".preview output").textContent) { preview(box); }
    });
  });

  // RoB 2: which questions apply, and the computed judgement, from the server
  function judge(section, depth) {
    depth = depth || 0;
    // answers change faster than the server answers: only the latest counts
    var ticket = (Number(section.getAttribute("data-ticket")) || 0) + 1;
    section.setAttribute("data-ticket", String(ticket));
    var params = new URLSearchParams();
    params.set("domain", section.getAttribute("data-domain"));
    section.querySelectorAll("select.answer").forEach(function (s) {
      if (s.value && !s.disabled) { params.set(s.id.slice(2), s.value); }
    });
    fetch("/api/rob/judge?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (section.getAttribute("data-ticket") !== String(ticket)) { return; }
        var again = false;
        section.querySelectorAll(".question").forEach(function (q) {
          var id = q.getAttribute("data-question");
          var applies = data.applies[id] !== false;
          var select = q.querySelector("select");
          if (select.disabled === applies) { again = true; }
          q.classList.toggle("hidden", !applies);
          select.disabled = !applies;
        });
        var value = section.querySelector(".judgement-value");
        var why = section.querySelector(".explanation");
        value.textContent = data.judgement || "answer every question that applies";
        value.className = "judgement-value " + (data.judgement ? data.judgement.replace(/ /g, "-") : "");
        why.textContent = data.judgement ? data.explanation : "";
        if (again && depth < 5) { judge(section, depth + 1); }
      });
  }
  document.querySelectorAll("section.domain").forEach(function (section) {
    judge(section);
    section.addEventListener("change", function (ev) {
      if (ev.target.classList.contains("answer")) { judge(section); }
    });
  });

  // analysis: follow a running analysis
  var run = document.getElementById("run");
  if (run && run.getAttribute("data-state") === "running") {
    var status = document.getElementById("run-status");
    var timer = setInterval(function () {
      fetch("/api/analysis", { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.state !== "running") { clearInterval(timer); window.location.reload(); return; }
          var list = status.querySelector("ol.stages");
          list.textContent = "";
          data.stages.forEach(function (s) {
            var li = document.createElement("li");
            li.textContent = s.stage + ": " + s.note + " (" + s.seconds + " s)";
            list.appendChild(li);
          });
          status.querySelector(".status-line").textContent = "Running… " + data.seconds + " s";
        });
    }, 1000);
  }
})();
