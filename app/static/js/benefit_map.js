// Benefit map: keyboard navigation of the network's data table. Up and down move between rows;
// right goes to the first node the row leads to, left to the first node it rests on. The links
// in each row do the same for anyone who tabs through them.
(function () {
  "use strict";

  function rowOf(element) {
    while (element && element.tagName !== "TR") {
      element = element.parentElement;
    }
    return element;
  }

  function focusRow(row) {
    if (row && row.hasAttribute("data-node")) {
      row.focus();
    }
  }

  function onKey(event) {
    var row = rowOf(event.target);
    if (!row || !row.hasAttribute("data-node")) {
      return;
    }
    var target = null;
    if (event.key === "ArrowDown") {
      target = row.nextElementSibling;
    } else if (event.key === "ArrowUp") {
      target = row.previousElementSibling;
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      var link = row.querySelector(event.key === "ArrowRight" ? "a[data-leads-to]" : "a[data-rests-on]");
      target = link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
    } else {
      return;
    }
    if (target) {
      event.preventDefault();
      focusRow(target);
    }
  }

  function followLink(event) {
    var link = event.target.closest ? event.target.closest("a[data-leads-to], a[data-rests-on]") : null;
    if (link) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) {
        event.preventDefault();
        focusRow(target);
        history.replaceState(null, "", link.getAttribute("href"));
      }
    }
  }

  function setUp() {
    Array.prototype.forEach.call(document.querySelectorAll(".benefit-map-table"), function (table) {
      var first = table.querySelector("tbody tr[data-node]");
      if (first) {
        first.setAttribute("tabindex", "0");
      }
      table.addEventListener("keydown", onKey);
      table.addEventListener("click", followLink);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
