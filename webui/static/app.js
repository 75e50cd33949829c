// drillbit: the little the pages need beyond htmx. No inline scripts (the CSP forbids them).
(function () {
  "use strict";
  var timer = null;

  function flash(text, kind) {
    var el = document.getElementById("flash");
    if (!el) { return; }
    el.textContent = text;
    el.className = "flash " + (kind || "error");
    el.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(function () { el.hidden = true; }, 8000);
  }

  function reason(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.detail) {
        return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
      }
    } catch (e) { /* not JSON */ }
    return xhr.status + " " + xhr.statusText;
  }

  // A refused action (409), a bad form (422), a lost CSRF cookie (403): say why.
  document.addEventListener("htmx:responseError", function (event) {
    flash(reason(event.detail.xhr), "error");
  });
  document.addEventListener("htmx:sendError", function () {
    flash("The server cannot be reached; retrying the live view.", "error");
  });
  // Forms marked data-reset are emptied after they worked (notes, decisions, injects).
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (event.detail.successful && elt && elt.tagName === "FORM" && elt.hasAttribute("data-reset")) {
      elt.reset();
    }
  });
})();
