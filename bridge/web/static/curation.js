// Progressive enhancement for the curation queue: a "select all" box for bulk
// decisions. Without JavaScript each item is ticked on its own.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.hidden = false;
  var label = document.querySelector(".select-all-label");
  if (label) { label.hidden = false; }
  all.addEventListener("change", function () {
    document.querySelectorAll('input[name="ids"][form="bulk-form"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
}());
