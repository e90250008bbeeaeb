// The contributor form: upload with progress; a failed upload keeps everything typed
// and offers "try again" (the same FormData is sent again, files included).
(function () {
  "use strict";
  var form = document.getElementById("contribute");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var bar = document.getElementById("progress");
  var status = document.getElementById("status");
  var button = document.getElementById("send");
  var problems = document.getElementById("problems");
  var label = button.textContent;

  function showProblems(errors) {
    var list = problems.querySelector("ul");
    list.textContent = "";
    Object.keys(errors).forEach(function (field) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#" + field;
      a.textContent = errors[field];
      li.setAttribute("data-field", field);
      li.appendChild(a);
      list.appendChild(li);
      var input = document.getElementById(field);
      if (input) { input.setAttribute("aria-invalid", "true"); }
    });
    problems.hidden = false;
    problems.focus();
  }

  function failed() {
    bar.hidden = true;
    status.textContent = form.getAttribute("data-failed");
    button.disabled = false;
    button.textContent = form.getAttribute("data-retry");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    problems.hidden = true;
    button.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", form.querySelector("input[name=csrf_token]").value);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round(100 * e.loaded / e.total);
        bar.value = percent;
        status.textContent = form.getAttribute("data-sending").replace("{percent}", String(percent));
      }
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (ignore) { body = null; }
      if (xhr.status === 201 && body && body.receipt_url) {
        window.location.assign(body.receipt_url + "&sent=1");
        return;
      }
      if (body && body.errors) {
        bar.hidden = true;
        status.textContent = "";
        button.disabled = false;
        button.textContent = label;
        showProblems(body.errors);
        return;
      }
      if (body && body.message) {
        bar.hidden = true;
        button.disabled = false;
        showProblems({ files: body.message });
        return;
      }
      failed();
    });
    xhr.addEventListener("error", failed);
    xhr.addEventListener("timeout", failed);
    xhr.send(new FormData(form));
  });
}());
