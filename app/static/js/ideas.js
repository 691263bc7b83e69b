// Live reuse check on the idea form: while the applicant types, fetch the ideas and projects
// of other organisations that look similar and show them next to the form.
(function () {
  "use strict";

  var DELAY_MS = 400;
  var MAX_TITLE = 300;
  var MAX_DESCRIPTION = 1000;

  var form = document.getElementById("idea-form");
  var results = document.getElementById("similar-results");
  if (!form || !results || !window.fetch) {
    return;
  }
  var title = form.elements.namedItem("title");
  var description = form.elements.namedItem("description");
  var seen = form.elements.namedItem("seen_similar");
  var timer = null;
  var latest = 0;

  function remember(keys) {
    if (!seen || !keys) {
      return;
    }
    var all = seen.value ? seen.value.split(",") : [];
    keys.split(",").forEach(function (key) {
      if (key && all.indexOf(key) === -1) {
        all.push(key);
      }
    });
    seen.value = all.join(",");
  }

  function refresh() {
    var request = ++latest;
    var url = new URL(results.getAttribute("data-similar-url"), window.location.href);
    url.searchParams.set("title", title.value.slice(0, MAX_TITLE));
    url.searchParams.set("description", description.value.slice(0, MAX_DESCRIPTION));
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || request !== latest) {
          return;
        }
        results.innerHTML = html;
        var fragment = results.querySelector("[data-keys]");
        remember(fragment ? fragment.getAttribute("data-keys") : "");
      })
      .catch(function () {
        // The check is a help, not a gate: the server shows the list again on submit.
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY_MS);
  }

  [title, description].forEach(function (field) {
    if (field) {
      field.addEventListener("input", schedule);
    }
  });
})();
