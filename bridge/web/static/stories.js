// The story editor without reloads: drag an item to move it, or use its Move up /
// Move down buttons (the keyboard path: focus stays on the moved item's button),
// and save captions in place. Each change is one PATCH to the JSON API with the
// page's CSRF token; without JavaScript the same buttons are plain forms.
(function () {
  "use strict";
  var list = document.getElementById("story-items");
  if (!list || !list.dataset.api) { return; }
  var status = document.getElementById("order-status");
  var token = document.querySelector('meta[name="csrf-token"]').content;

  function entries() { return Array.prototype.slice.call(list.querySelectorAll("li.story-entry")); }
  //: what this script says, in the page's language (bridge/web/stories.py JS_WORDS, rendered
  //: as JSON); words("key", {name: value}) fills its %(name)s placeholders
  var WORDS = readWords();
  function readWords() {
    var blob = document.getElementById("story-words");
    try { return blob ? JSON.parse(blob.textContent) : {}; } catch (e) { return {}; }
  }
  function words(key, values) {
    return (WORDS[key] || key).replace(/%\((\w+)\)[sd]/g, function (all, name) {
      return values && values[name] !== undefined ? String(values[name]) : all;
    });
  }
  function say(text) { if (status) { status.textContent = text; } }
  function titleOf(li) { var t = li.querySelector(".entry-title"); return t ? t.textContent.trim() : words("item"); }

  function patch(body) {
    return fetch(list.dataset.api, {
      method: "PATCH", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": token, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.detail || data.title || ("HTTP " + response.status)); }
        return data;
      });
    });
  }

  function refreshButtons() {
    var all = entries();
    all.forEach(function (li, i) {
      var up = li.querySelector("button.move-up"), down = li.querySelector("button.move-down");
      if (up) { up.disabled = i === 0; }
      if (down) { down.disabled = i === all.length - 1; }
    });
  }

  function saveOrder(moved) {
    var order = entries().map(function (li) { return parseInt(li.dataset.item, 10); });
    refreshButtons();
    return patch({item_order: order}).then(function () {
      var position = entries().indexOf(moved) + 1;
      say(words("moved", {title: titleOf(moved), position: position, count: order.length}));
    }).catch(function (error) { say(words("not_saved", {reason: error.message})); });
  }

  // keyboard (and mouse) path: the move buttons
  list.addEventListener("click", function (event) {
    var button = event.target.closest("button.move-up, button.move-down");
    if (!button) { return; }
    event.preventDefault();
    var li = button.closest("li.story-entry");
    var up = button.classList.contains("move-up");
    var sibling = up ? li.previousElementSibling : li.nextElementSibling;
    if (!sibling) { return; }
    if (up) { list.insertBefore(li, sibling); } else { list.insertBefore(sibling, li); }
    refreshButtons();
    var again = li.querySelector(up ? "button.move-up" : "button.move-down");
    (again && !again.disabled ? again : li.querySelector(up ? "button.move-down" : "button.move-up")).focus();
    saveOrder(li);
  });

  // drag and drop
  var dragged = null;
  list.addEventListener("dragstart", function (event) {
    dragged = event.target.closest("li.story-entry");
    if (!dragged) { return; }
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.item);
  });
  list.addEventListener("dragover", function (event) {
    var over = event.target.closest("li.story-entry");
    if (!dragged || !over) { return; }
    event.preventDefault();
    entries().forEach(function (li) { li.classList.toggle("drop-before", li === over && li !== dragged); });
  });
  list.addEventListener("drop", function (event) {
    var over = event.target.closest("li.story-entry");
    if (!dragged || !over) { return; }
    event.preventDefault();
    if (over !== dragged) {
      var rect = over.getBoundingClientRect();
      var after = event.clientY > rect.top + rect.height / 2;
      list.insertBefore(dragged, after ? over.nextElementSibling : over);
      saveOrder(dragged);
    }
  });
  list.addEventListener("dragend", function () {
    entries().forEach(function (li) { li.classList.remove("dragging", "drop-before"); });
    dragged = null;
  });

  // captions, saved in place
  list.addEventListener("submit", function (event) {
    var form = event.target.closest("form.caption");
    if (!form) { return; }
    event.preventDefault();
    var box = form.querySelector("textarea[name=caption]");
    patch({items: [{id: parseInt(box.dataset.item, 10), caption: box.value}]}).then(function () {
      say(words("caption_saved"));
    }).catch(function (error) { say(words("caption_not_saved", {reason: error.message})); });
  });
}());
