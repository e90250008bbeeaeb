/* The inbox's keyboard shortcuts and in-place updates. Without this file every
   action still works as a plain form post; with it, a row's action goes to the
   JSON API and the row is redrawn from the server's own fragment (/inbox/<id>/row),
   so there is one template for a row and no HTML is built from data here. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var list = document.getElementById("comments") || document.querySelector(".comments");
  if (!list) { return; }
  var current = null;

  function rows() { return Array.prototype.slice.call(list.querySelectorAll("article.c")); }

  function setCurrent(row, scroll) {
    if (current) { current.classList.remove("current"); }
    current = row || null;
    if (current) {
      current.classList.add("current");
      if (scroll !== false) { current.focus({preventScroll: true}); current.scrollIntoView({block: "nearest"}); }
    }
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var i = current ? all.indexOf(current) : -1;
    var next = all[Math.min(all.length - 1, Math.max(0, i + step))];
    setCurrent(next || all[0]);
  }

  function notice(row, text, bad) {
    var box = row.querySelector(".c-notice");
    if (!box) {
      box = document.createElement("p");
      box.className = "c-notice";
      box.setAttribute("role", "status");
      row.insertBefore(box, row.firstChild);
    }
    box.textContent = text;
    box.classList.toggle("bad", !!bad);
  }

  function redraw(row, message, bad) {
    return fetch(row.dataset.rowUrl, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("article.c");
        if (!fresh) { return row; }
        var box = row.querySelector('input[name="ids"]');
        var tick = fresh.querySelector('input[name="ids"]');
        if (box && tick) { tick.checked = box.checked; }
        // current as of now, not as of the request: after a decision the cursor has moved on
        var wasCurrent = row === current;
        row.replaceWith(fresh);
        if (wasCurrent) { setCurrent(fresh, false); }
        if (message) { notice(fresh, message, bad); }
        watch(fresh);
        return fresh;
      })
      .catch(function () { return row; });
  }

  function act(row, action) {
    if (!row || !action) { return; }
    var id = row.dataset.id;
    row.classList.add("busy");
    fetch("/api/v1/comments/" + encodeURIComponent(id) + "/actions", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json"},
      body: JSON.stringify({action: action, version: parseInt(row.dataset.version, 10)})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return {status: r.status, body: body}; });
    }).then(function (res) {
      row.classList.remove("busy");
      if (res.status === 200) {
        redraw(row, "Decided: " + action + " (pending write-back to " + (res.body.site_id || "the site") + ")");
        if (row === current) { move(1); }
      } else {
        redraw(row, res.body.detail || ("The action failed (HTTP " + res.status + ")."), true);
      }
    }).catch(function () {
      row.classList.remove("busy");
      notice(row, "The bridge did not answer; nothing changed here. Try again.", true);
    });
  }

  // write-back: redraw rows whose decision is still being written back, until done or failed
  var watched = {};
  function watch(row) {
    if (row.dataset.writeback !== "pending" || watched[row.dataset.id]) { return; }
    watched[row.dataset.id] = true;
    setTimeout(function () {
      delete watched[row.dataset.id];
      var live = document.getElementById("c-" + row.dataset.id);
      if (live) { redraw(live); }
    }, 3000);
  }
  rows().forEach(watch);

  function countSelected() {
    var n = list.querySelectorAll('input[name="ids"]:checked').length;
    var out = document.getElementById("selected-count");
    if (out) { out.textContent = n ? n + " selected" : ""; }
  }

  list.addEventListener("click", function (ev) {
    var button = ev.target.closest("button[data-action]");
    var row = ev.target.closest("article.c");
    if (row) { setCurrent(row, false); }
    if (button && row) {
      ev.preventDefault();
      act(row, button.dataset.action);
    }
  });
  list.addEventListener("change", countSelected);

  var keyActions = {a: "approve", h: "hold", s: "spam", t: "trash"};
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var tag = (ev.target.tagName || "").toLowerCase();
    if ((tag === "input" && ev.target.type !== "checkbox") || tag === "textarea" || tag === "select" || ev.target.isContentEditable) { return; }
    var key = ev.key;
    if (key === "j") { move(1); }
    else if (key === "k") { move(-1); }
    else if (key === "?") {
      var keys = document.getElementById("keys");
      if (keys) { keys.open = !keys.open; if (keys.open) { keys.scrollIntoView({block: "nearest"}); } }
    } else if (keyActions[key] || key === "x" || key === "r") {
      if (!current) { move(1); }
      if (!current) { return; }
      handle(key);
    } else { return; }
    ev.preventDefault();
  });

  function handle(key) {
    if (keyActions[key]) { act(current, keyActions[key]); return true; }
    if (key === "x") {
      var box = current.querySelector('input[name="ids"]');
      if (box) { box.checked = !box.checked; countSelected(); }
      return true;
    }
    if (key === "r") { window.location.href = current.dataset.detailUrl + "#reply"; return true; }
    return false;
  }

  var matching = document.getElementById("apply-matching");
  if (matching) { matching.dataset.ready = "1"; }
  if (location.hash && location.hash.indexOf("#c-") === 0) { setCurrent(document.getElementById(location.hash.slice(1))); }
  document.body.dataset.inboxReady = "1";
})();
