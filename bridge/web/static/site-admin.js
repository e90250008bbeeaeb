// The "Approve in WordPress" page: follow the link at once (it works without this script too).
(function () {
  var link = document.getElementById("wp-authorize");
  if (link) { window.location.assign(link.href); }
})();
