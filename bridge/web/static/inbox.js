/* The inbox's keyboard shortcuts and in-place updates. Without this file every
   action still works as a plain form post; with it, a row's action goes to the
   JSON API and the row is redrawn from the server's own fragment (/inbox/<id>/row),
   so there is one template for a row and no HTML is built from data here.

   Fast hands: a row that is still saving ignores further decisions (the server
   would refuse them anyway: a decision applies only to the version it was made
   on), and the cursor moves on at once, so three quick "a" presses decide three
   comments once each. Screen readers: every result is announced in one
   persistent live region (#live), never in a node created next to the focus. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var live = document.getElementById("live");
  var list = document.getElementById("comments") || document.querySelector(".comments");
  focusReplyBox();
  if (!list) { return; }
  var current = null;
  //: everything this script says, in the page's language: the page renders it as JSON
  //: (bridge/web/inbox.py JS_WORDS); say("key", {name: value}) fills its %(name)s placeholders
  var WORDS = readWords();
  function readWords() {
    var blob = document.getElementById("inbox-words");
    try { return blob ? JSON.parse(blob.textContent) : {}; } catch (e) { return {}; }
  }
  function say(key, values) {
    var text = WORDS[key] || key;
    return text.replace(/%\((\w+)\)[sdr]/g, function (all, name) {
      return values && values[name] !== undefined ? String(values[name]) : all;
    });
  }
  function statusWord(code) { return WORDS["status." + code] || code; }
  //: the status each action leads to (mirrors bridge.moderation.TARGET_STATUS)
  var TARGET = {approve: "approved", hold: "pending", spam: "spam", unspam: "pending", trash: "trash",
                restore: "pending", delete: "deleted"};

  function rows() { return Array.prototype.slice.call(list.querySelectorAll("article.c")); }

  function announce(text) {
    if (!live) { return; }
    // emptied first, so the same words twice in a row are announced twice
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

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

  function neighbour(row) {
    // the next comment still to decide: below first, else above; rows still saving are passed over
    var all = rows();
    var i = all.indexOf(row);
    var free = function (r) { return r !== row && !r.dataset.saving; };
    return all.slice(i + 1).filter(free)[0] || all.slice(0, i).reverse().filter(free)[0] || null;
  }

  function describe(row) {
    var who = row.querySelector("#c-" + row.dataset.id + "-who");
    return say("comment_by", {id: row.dataset.id, who: who ? who.textContent.trim() : say("anonymous")});
  }

  function notice(row, text, bad) {
    var box = row.querySelector(".c-notice");
    if (!box) {
      box = document.createElement("p");
      box.className = "c-notice";
      row.insertBefore(box, row.firstChild);
    }
    box.textContent = text;
    box.classList.toggle("bad", !!bad);
  }

  /* Swap in the server's fresh fragment of a row; focus stays where it was
     (on the row, or the same control inside it) so a refresh never drops it to <body>. */
  function redraw(row, message, bad) {
    return fetch(row.dataset.rowUrl, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("article.c");
        if (!fresh || !row.isConnected) { return row; }
        var box = row.querySelector('input[name="ids"]');
        var tick = fresh.querySelector('input[name="ids"]');
        if (box && tick) { tick.checked = box.checked; }
        var active = document.activeElement;
        var focusSel = null;
        if (active === row) { focusSel = ""; }
        else if (active && row.contains(active)) {
          focusSel = active.dataset && active.dataset.action ? 'button[data-action="' + active.dataset.action + '"]'
            : (active.className ? "." + active.className.split(" ")[0] : "");
        }
        // current as of now, not as of the request: after a decision the cursor has moved on
        var wasCurrent = row === current;
        row.replaceWith(fresh);
        if (wasCurrent) { setCurrent(fresh, false); }
        if (focusSel !== null) { ((focusSel && fresh.querySelector(focusSel)) || fresh).focus({preventScroll: true}); }
        if (message) { notice(fresh, message, bad); }
        watch(fresh);
        return fresh;
      })
      .catch(function () { return row; });
  }

  function refreshCounts() {
    // the sidebar as the server renders it now (one template for the counts too)
    return fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["status-counts", "site-counts", "queue-tabs", "recent"].forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) { old.replaceWith(fresh); }
        });
      }).catch(function () {});
  }

  function act(row, action) {
    if (!row || !action) { return; }
    if (row.dataset.saving) { return; }  // still saving: this key would decide the same version again
    var id = row.dataset.id;
    if (TARGET[action] === row.dataset.status) {
      announce(say("already", {id: id, status: statusWord(row.dataset.status)}));
      return;
    }
    row.dataset.saving = "1";
    row.classList.add("busy");
    row.setAttribute("aria-busy", "true");
    var movedTo = null;
    if (row === current) { movedTo = neighbour(row) || row; setCurrent(movedTo); }
    fetch("/api/v1/comments/" + encodeURIComponent(id) + "/actions", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json"},
      body: JSON.stringify({action: action, version: parseInt(row.dataset.version, 10)})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return {status: r.status, body: body}; });
    }).then(function (res) {
      delete row.dataset.saving;
      row.classList.remove("busy");
      row.removeAttribute("aria-busy");
      if (res.status === 200) {
        decided(row, action, res.body);
      } else {
        var text = refusal(id, res);
        // refused: the cursor comes back to it, unless the editor has moved on by hand since
        if (movedTo && current === movedTo) { setCurrent(row); }
        announce(say("not_done", {reason: text}));
        redraw(row, text, true);
      }
    }).catch(function () {
      delete row.dataset.saving;
      row.classList.remove("busy");
      row.removeAttribute("aria-busy");
      var text = say("no_answer", {what: describe(row)});
      notice(row, text, true);
      announce(text);
    });
  }

  // a refusal of the JSON API (English by design) in the page's words: the usual ones by their
  // status, anything else as the API said it
  function refusal(id, res) {
    if (res.status === 404) { return say("refused.404", {id: id}); }
    if (res.status === 409 && res.body.current_status) {
      return say(res.body.site_change ? "refused.409_changed" : "refused.409",
                 {id: id, status: statusWord(res.body.current_status), change: res.body.site_change});
    }
    return res.body.detail || say("failed_http", {status: res.status});
  }

  // the last decision, for "z" during UNDO_MS: which comment, the version it produced, where its row was
  var UNDO_MS = 10000;
  var last = null;

  function decided(row, action, body) {
    var wanted = list.dataset.status;
    var leaves = wanted && wanted !== "all" && body.status && body.status !== wanted;
    last = {id: row.dataset.id, version: body.version, at: Date.now(), rowUrl: row.dataset.rowUrl,
            before: leaves ? row.nextElementSibling : null, after: leaves ? row.previousElementSibling : null};
    if (leaves) {
      if (row === current) { setCurrent(neighbour(row)); }
      row.remove();
      refreshCounts();
    } else {
      redraw(row, say("writing_back", {done: say("done." + action), site: body.site_id || say("the_site")}));
      refreshCounts();
    }
    var words = {done: say("done." + action), what: describe(row)};
    if (current && current !== row) { words.next = current.dataset.id; announce(say("announce_next", words)); }
    else { announce(say(rows().length ? "announce" : "announce_last", words)); }
    document.dispatchEvent(new CustomEvent("inbox:decided", {detail: {id: row.dataset.id, action: action, body: body}}));
  }

  function undoLast() {
    if (!last || Date.now() - last.at > UNDO_MS) {
      announce(say("nothing_to_undo"));
      return;
    }
    var undo = last;
    last = null;
    fetch(list.dataset.undoUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json"},
      body: JSON.stringify({comment_id: parseInt(undo.id, 10), version: undo.version})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return {status: r.status, body: body}; });
    }).then(function (res) {
      if (res.status !== 200) {
        announce(say("not_undone", {reason: res.body.detail || say("failed_http", {status: res.status})}));
        return;
      }
      var row = document.getElementById("c-" + undo.id);
      if (!row) {
        // put the row back where it was, then let the server draw it
        row = document.createElement("article");
        row.className = "c";
        row.id = "c-" + undo.id;
        row.dataset.id = undo.id;
        row.dataset.rowUrl = undo.rowUrl;
        if (undo.before && undo.before.isConnected) { list.insertBefore(row, undo.before); }
        else if (undo.after && undo.after.isConnected) { undo.after.after(row); }
        else { list.insertBefore(row, list.firstChild); }
      }
      redraw(row).then(function (fresh) { setCurrent(fresh); });
      refreshCounts();
      announce(res.body.detail);
    }).catch(function () { announce(say("undo_no_answer")); });
  }

  // write-back: redraw rows whose decision is still being written back, until done or failed
  var watched = {};
  function watch(row) {
    if (row.dataset.writeback !== "pending" || watched[row.dataset.id]) { return; }
    watched[row.dataset.id] = true;
    setTimeout(function () {
      delete watched[row.dataset.id];
      var here = document.getElementById("c-" + row.dataset.id);
      if (here && !here.dataset.saving) { redraw(here); }
    }, 3000);
  }
  rows().forEach(watch);

  function countSelected() {
    var n = list.querySelectorAll('input[name="ids"]:checked').length;
    var out = document.getElementById("selected-count");
    if (out) { out.textContent = n ? say("selected", {n: n}) : ""; }
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
  // Tab into a row makes it the current one, so keys act where the focus is
  list.addEventListener("focusin", function (ev) {
    var row = ev.target.closest && ev.target.closest("article.c");
    if (row && row !== current) { setCurrent(row, false); }
  });

  var keyActions = {a: "approve", h: "hold", s: "spam", u: "unspam", t: "trash", e: "restore"};
  var deleteArmed = null;  // "d" once arms, "d" again on the same comment within 3 s deletes
  function follow(selector) {
    var link = document.querySelector(selector);
    if (link) { window.location.href = link.href; }
  }
  function toggleHelp() {
    var keys = document.getElementById("keys");
    if (!keys) { return; }
    // not modal: keys keep working on the list below while the help is shown
    if (keys.open) { keys.close(); } else { keys.show(); }
  }
  // the commenter drawer: their comments on the sites you may see, with decisions on all of them
  // (without JavaScript the record link opens the same list as a page)
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest ? ev.target.closest("a.c-record[data-drawer-url]") : null;
    var drawer = document.getElementById("drawer");
    if (!link || !drawer) { return; }
    ev.preventDefault();
    fetch(link.dataset.drawerUrl, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (!html) { window.location.href = link.href; return; }
        drawer.querySelector(".drawer-content").innerHTML = html;
        drawer.setAttribute("aria-labelledby", "commenter-h");
        drawer.showModal();
        var heading = document.getElementById("commenter-h");
        if (heading) { heading.focus(); }
      }).catch(function () { window.location.href = link.href; });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var open = document.getElementById("drawer");
    if (open && open.open) { return; }  // the drawer is modal: the list's keys wait until it is closed
    var tag = (ev.target.tagName || "").toLowerCase();
    if ((tag === "input" && ev.target.type !== "checkbox") || tag === "textarea" || tag === "select" || ev.target.isContentEditable) { return; }
    var key = ev.key;
    if (key === "j") { move(1); }
    else if (key === "k") { move(-1); }
    else if (key === "?") { toggleHelp(); }
    else if (key === "/") { var q = document.querySelector('.inbox-filter input[name="q"]'); if (q) { q.focus(); q.select(); } }
    else if (key >= "1" && key <= "5") { follow('#status-counts a[data-key="' + key + '"]'); }
    else if (key === "n") { follow("#next-page"); }
    else if (key === "p") { follow("#first-page"); }
    else if (key === "Z") {
      document.body.classList.toggle("zen");
      announce(say(document.body.classList.contains("zen") ? "zen_on" : "zen_off"));
      if (!current) { move(1); }
    } else if (key === "Escape" && document.getElementById("keys") && document.getElementById("keys").open) {
      document.getElementById("keys").close();
    } else if (key === "Escape" && document.body.classList.contains("zen")) {
      document.body.classList.remove("zen");
      announce(say("zen_off"));
    }
    else if (key === "z") { undoLast(); }
    else if (keyActions[key] || key === "d" || key === "x" || key === "r") {
      if (!current) { move(1); }
      if (!current) { return; }
      handle(key);
    } else { return; }
    ev.preventDefault();
  });

  function handle(key) {
    if (key === "d") {
      if (deleteArmed && deleteArmed.row === current && Date.now() - deleteArmed.at < 3000) {
        deleteArmed = null;
        act(current, "delete");
      } else {
        deleteArmed = {row: current, at: Date.now()};
        announce(say("delete_armed", {what: describe(current)}));
      }
      return true;
    }
    if (keyActions[key]) {
      act(current, keyActions[key]);
      return true;
    }
    if (key === "x") {
      var box = current.querySelector('input[name="ids"]');
      if (box) { box.checked = !box.checked; countSelected(); }
      return true;
    }
    if (key === "r") { window.location.href = current.dataset.detailUrl + "#reply"; return true; }
    return false;
  }

  function focusReplyBox() {
    // after "r": the reply box has the focus (once loading is over: the browser's own
    // scroll to #reply would otherwise reset it)
    if (location.hash !== "#reply") { return; }
    var box = document.getElementById("reply-text");
    if (!box) { return; }
    var go = function () { box.focus(); };
    if (document.readyState === "complete") { go(); } else { window.addEventListener("load", go); }
  }

  var matching = document.getElementById("apply-matching");
  if (matching) { matching.dataset.ready = "1"; }
  if (location.hash && location.hash.indexOf("#c-") === 0) { setCurrent(document.getElementById(location.hash.slice(1))); }
  document.body.dataset.inboxReady = "1";
})();
