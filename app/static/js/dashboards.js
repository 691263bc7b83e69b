// Dashboards: draw each plotly figure from the JSON block its container names. The figures
// arrive as data (script type="application/json"), so nothing inline runs under the CSP.
(function () {
  "use strict";

  // Swedish for plotly's own texts (dates on axes, the toolbar's tooltips), after plotly.js's
  // locale file for Swedish; the page's language decides which one the charts use.
  var SWEDISH = {
    moduleType: "locale",
    name: "sv",
    dictionary: {
      "Autoscale": "Autoskala",
      "Box Select": "Välj rektangel",
      "Click to enter Colorscale title": "Klicka för att ange titel på färgskala",
      "Compare data on hover": "Jämför data när muspekaren hålls över",
      "Double-click to zoom back out": "Dubbelklicka för att zooma ut igen",
      "Download plot": "Ladda ner diagram",
      "Download plot as a png": "Ladda ner diagram som png",
      "Lasso Select": "Välj lasso",
      "Pan": "Panorera",
      "Produced with Plotly.js": "Skapad med Plotly.js",
      "Reset axes": "Återställ axlar",
      "Reset view": "Återställ vy",
      "Show closest data on hover": "Visa närmaste data när muspekaren hålls över",
      "Toggle Spike Lines": "Aktivera/Inaktivera topplinjer",
      "Toggle show closest data on hover": "Aktivera/Inaktivera visning av närmaste data när muspekaren hålls över",
      "Zoom": "Zooma",
      "Zoom in": "Zooma in",
      "Zoom out": "Zooma ut",
      "close:": "stängning:",
      "high:": "hög:",
      "low:": "låg:",
      "open:": "öppning:",
      "trace": "serie"
    },
    format: {
      days: ["söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"],
      shortDays: ["sön", "mån", "tis", "ons", "tor", "fre", "lör"],
      months: ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
        "september", "oktober", "november", "december"],
      shortMonths: ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt",
        "nov", "dec"],
      date: "%Y-%m-%d",
      decimal: ",",
      thousands: " "
    }
  };

  function pageLocale() {
    return (document.documentElement.getAttribute("lang") || "sv").slice(0, 2);
  }

  function drawFigures() {
    if (!window.Plotly) {
      return;
    }
    window.Plotly.register(SWEDISH);
    var locale = pageLocale();
    var containers = document.querySelectorAll(".dashboard-chart[data-figure-source]");
    Array.prototype.forEach.call(containers, function (container) {
      var source = document.getElementById(container.getAttribute("data-figure-source"));
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      // A figure that sets its own height (grids, bar lists) takes exactly that room.
      if (figure.layout && figure.layout.height) {
        container.classList.add("dashboard-chart-sized");
      }
      window.Plotly.newPlot(container, figure.data, figure.layout, {
        displaylogo: false,
        responsive: true,
        locale: locale,
        modeBarButtonsToRemove: ["select2d", "lasso2d"]
      });
    });
  }

  // Print the data tables with their charts: open every table before printing.
  function openTables() {
    Array.prototype.forEach.call(document.querySelectorAll("details.dashboard-data"),
      function (details) { details.open = true; });
  }

  window.addEventListener("beforeprint", openTables);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawFigures);
  } else {
    drawFigures();
  }
})();
