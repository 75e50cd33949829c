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

  // -- A live stream that dropped: say so until it is back. ------------------------------
  // The server closes a stream every DRILLBIT_SSE_MAX_SECONDS and the browser reconnects
  // after 1 s: a drop that lasts longer than GRACE_MS is a real one.
  var GRACE_MS = 2500;
  var lostTimer = null;
  function connection(up) {
    var el = document.getElementById("connection");
    if (!el) { return; }
    if (up) {
      clearTimeout(lostTimer);
      lostTimer = null;
      el.hidden = true;
    } else if (lostTimer === null && el.hidden) {
      lostTimer = setTimeout(function () { lostTimer = null; el.hidden = false; }, GRACE_MS);
    }
  }
  document.addEventListener("htmx:sseError", function () { connection(false); });
  document.addEventListener("htmx:sseOpen", function () { connection(true); });

  // -- Panels re-rendered by a stream keep the keyboard focus where it was. ---------------
  // The focused control is found again by id, else by its name and place among the
  // target's controls of that name; a text field keeps its caret.
  function locate(target, el) {
    if (el.id) { return { id: el.id }; }
    if (!el.name) { return null; }
    var same = target.querySelectorAll("[name='" + CSS.escape(el.name) + "']");
    return { name: el.name, index: Array.prototype.indexOf.call(same, el) };
  }
  function find(target, where) {
    if (where.id) { return document.getElementById(where.id); }
    return target.querySelectorAll("[name='" + CSS.escape(where.name) + "']")[where.index] || null;
  }
  var focusWas = null;
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var target = event.target;
    var active = document.activeElement;
    focusWas = null;
    if (active && active !== document.body && target.contains(active)) {
      var where = locate(target, active);
      if (where) {
        focusWas = { target: target, where: where, start: active.selectionStart, end: active.selectionEnd };
      }
    }
    remember(target);
  });
  document.addEventListener("htmx:sseMessage", function (event) {
    var target = event.target;
    if (focusWas && focusWas.target === target && !target.contains(document.activeElement)) {
      var el = find(target, focusWas.where);
      if (el && typeof el.focus === "function") {
        el.focus({ preventScroll: true });
        if (typeof focusWas.start === "number" && typeof el.setSelectionRange === "function") {
          try { el.setSelectionRange(focusWas.start, focusWas.end); } catch (e) { /* not a text field */ }
        }
      }
    }
    focusWas = null;
    announce(target);
    unread();
  });

  // -- New pages and timeline entries are announced; the tab title counts unread pages. ---
  // A panel marked data-announce="Label" announces each list item it did not show before.
  var shown = new WeakMap();
  function items(panel) {
    var out = {};
    panel.querySelectorAll("li").forEach(function (li) {
      var head = li.querySelector("strong");
      var text = (head || li).textContent.replace(/\s+/g, " ").trim();
      out[li.getAttribute("data-alert") || li.textContent.replace(/\s+/g, " ").trim()] = text;
    });
    return out;
  }
  function remember(panel) {
    if (panel.hasAttribute("data-announce")) { shown.set(panel, items(panel)); }
  }
  function announce(panel) {
    var before = shown.get(panel);
    if (!before) { return; }
    var now = items(panel);
    var fresh = Object.keys(now).filter(function (key) { return !(key in before); });
    var region = document.getElementById("announcer");
    if (!region || fresh.length === 0) { return; }
    var label = panel.getAttribute("data-announce");
    var line = document.createElement("p");
    line.textContent = label + ": " + fresh.slice(0, 3).map(function (key) { return now[key]; }).join("; ") +
      (fresh.length > 3 ? " (and " + (fresh.length - 3) + " more)" : "");
    region.appendChild(line);
    while (region.childNodes.length > 5) { region.removeChild(region.firstChild); }
  }
  // Panels marked data-unread="selector" count their unread items into the tab title.
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  function unread() {
    var count = 0;
    document.querySelectorAll("[data-unread]").forEach(function (panel) {
      count += panel.querySelectorAll(panel.getAttribute("data-unread")).length;
    });
    document.title = (count > 0 ? "(" + count + ") " : "") + baseTitle;
    var badge = document.getElementById("pager-count");
    if (badge) { badge.textContent = count > 0 ? String(count) : ""; }
  }
  document.addEventListener("DOMContentLoaded", unread);

  // -- The participant workspace's tabs (WAI-ARIA tabs, manual activation). ---------------
  // Arrow keys, Home and End move the focus along the tab bar (roving tabindex); Enter,
  // Space or a click opens a tab, and its hx-post (a look in the drill) loads the panel.
  // A link marked data-open-tab="key" (an alert's runbook) shows that tab without the tab's
  // own request: the link loads the panel itself.
  function tabsOf(tab) {
    return Array.prototype.slice.call(tab.closest("[role=tablist]").querySelectorAll("[role=tab]"));
  }
  function select(tab) {
    tabsOf(tab).forEach(function (other) {
      var on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.tabIndex = on ? 0 : -1;
      var panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !on; }
    });
    if (history.replaceState) { history.replaceState(null, "", "#" + tab.getAttribute("aria-controls")); }
  }
  document.addEventListener("click", function (event) {
    var tab = event.target.closest && event.target.closest("[role=tab]");
    if (tab) { select(tab); return; }
    var link = event.target.closest && event.target.closest("[data-open-tab]");
    if (link) {
      var target = document.getElementById("tab-" + link.getAttribute("data-open-tab"));
      if (target) { event.preventDefault(); select(target); }
    }
  });
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("[role=tab]");
    if (!tab) { return; }
    var tabs = tabsOf(tab);
    var at = tabs.indexOf(tab);
    var next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) { return; }
    event.preventDefault();
    tabs[(next + tabs.length) % tabs.length].focus();
  });
  // A deep link (#ws-logs) opens that tab, as a click would.
  document.addEventListener("DOMContentLoaded", function () {
    var hash = window.location.hash.slice(1);
    var tab = hash && document.querySelector("[role=tab][aria-controls='" + CSS.escape(hash) + "']");
    if (tab && tab.getAttribute("aria-selected") !== "true") { tab.click(); }
  });
  // Live panel bodies re-fetch once a drill minute (hx-trigger="sse:status"); a hidden tab's
  // body does not, so the server renders only what someone can see.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-live") && elt.closest("[hidden]")) {
      event.preventDefault();
    }
  });

  // -- Selects keep the participant's choice across a re-render (h12chan). ------------------
  // A panel re-sent by the stream (someone else acted) would reset every select to its
  // first option; each select found again (by id, else name and place) gets back the
  // option that was chosen, if the new panel still offers it (enabled).
  var choices = [];
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var target = event.target;
    choices = [];
    target.querySelectorAll("select:not([hx-preserve])").forEach(function (sel) {
      var where = locate(target, sel);
      if (where) {
        choices.push({ target: target, where: where, values: Array.prototype.map.call(sel.selectedOptions, function (o) { return o.value; }) });
      }
    });
  });
  document.addEventListener("htmx:sseMessage", function (event) {
    choices.forEach(function (kept) {
      if (kept.target !== event.target) { return; }
      var sel = find(kept.target, kept.where);
      if (!sel || sel.tagName !== "SELECT") { return; }
      Array.prototype.forEach.call(sel.options, function (o) {
        if (kept.values.indexOf(o.value) !== -1 && !o.disabled) { o.selected = true; }
        else if (sel.multiple) { o.selected = false; }
      });
    });
    choices = [];
  });
})();
