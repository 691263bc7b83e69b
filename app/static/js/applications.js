// Application pages: print buttons, and the feasibility-study choice shown only for an
// implementation application.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  var kind = document.getElementById("kind");
  var group = document.getElementById("feasibility-group");
  if (kind && group) {
    var choice = document.getElementById("feasibility_id");
    var update = function () {
      group.hidden = kind.value !== "implementation";
      if (group.hidden && choice) {
        choice.value = "0";
      }
    };
    kind.addEventListener("change", update);
    update();
  }
})();
