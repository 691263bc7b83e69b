// Benefit pages: draw the plotly figures passed as JSON blocks, and on the calculation forms
// evaluate what is being typed (POST /benefits/evaluate) and update the result panel.
// The payload is built from each input's data-key and data-type exactly as
// CalculationForm.payload_part does on the server, so live and saved figures agree.
(function () {
  "use strict";

  var DELAY_MS = 400;
  var NBSP = "\u00a0";
  var MINUS = "\u2212";

  function drawFigures() {
    if (!window.Plotly) {
      return;
    }
    var containers = document.querySelectorAll("[data-figure-source]");
    Array.prototype.forEach.call(containers, function (container) {
      var source = document.getElementById(container.getAttribute("data-figure-source"));
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(container, figure.data, figure.layout,
        { displaylogo: false, responsive: true });
    });
  }

  // ---- Swedish formats, as the server's sek and share filters --------------------------

  function group(number) {
    var text = String(Math.abs(number)).replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
    return (number < 0 ? "-" : "") + text;
  }

  function format(value, kind) {
    if (value === null || value === undefined) {
      return "–";
    }
    if (kind === "sek") {
      return group(Math.round(value)) + NBSP + "kr";
    }
    if (kind === "share" || kind === "share1") {
      var digits = kind === "share1" ? 1 : 0;
      return (value * 100).toFixed(digits).replace(".", ",") + NBSP + "%";
    }
    if (kind === "ratio") {
      return value.toFixed(2).replace(".", ",").replace("-", MINUS);
    }
    return String(value);
  }

  function getPath(source, path) {
    return path.split(".").reduce(function (node, key) {
      return node && typeof node === "object" && key in node ? node[key] : undefined;
    }, source);
  }

  function setPath(target, path, value) {
    var keys = path.split(".");
    var last = keys.pop();
    keys.forEach(function (key) {
      if (!target[key] || typeof target[key] !== "object") {
        target[key] = {};
      }
      target = target[key];
    });
    target[last] = value;
  }

  // ---- building the payload from the form ------------------------------------------------

  function Unreadable() {}

  function OutOfRange(input) {
    this.input = input;
  }

  function parseNumber(text) {
    var cleaned = String(text || "").replace(/[\s\u00a0\u202f]/g, "").replace(/,/g, ".")
      .replace(/\u2212/g, "-");
    if (!cleaned) {
      return null;
    }
    if (!/^-?\d+(\.\d+)?$/.test(cleaned)) {
      throw new Unreadable();
    }
    return Number(cleaned);
  }

  function valueOf(input) {
    var type = input.getAttribute("data-type") || "text";
    if (type === "bool") {
      return input.checked;
    }
    if (type === "text") {
      var text = input.value.trim();
      return text === "" ? null : text;
    }
    var number = parseNumber(input.value);
    if (number === null) {
      return null;
    }
    if ((type === "int" || type === "year") && Math.floor(number) !== number) {
      throw new Unreadable();
    }
    var low = input.getAttribute("data-min");
    var high = input.getAttribute("data-max");
    if ((low !== null && number < Number(low)) || (high !== null && number > Number(high))) {
      throw new OutOfRange(input);
    }
    return type === "percent" ? number / 100 : number;
  }

  function payloadPart(form, startYear) {
    var result = {};
    var series = {};
    var scalars = {};
    var years = {};
    var keys = [];
    Array.prototype.forEach.call(form.querySelectorAll("[data-key]"), function (input) {
      var key = input.getAttribute("data-key");
      var type = input.getAttribute("data-type") || "text";
      var value = valueOf(input);
      if (keys.indexOf(key) === -1) {
        keys.push(key);
      }
      if (input.hasAttribute("data-series")) {
        series[key] = series[key] || [];
        series[key].push(value === null && input.hasAttribute("data-blank-zero") ? 0 : value);
      } else if (input.hasAttribute("data-scalar")) {
        scalars[key] = value;
      } else if (type === "year") {
        if (value !== null) {
          years[key] = value;
        }
      } else if (value !== null) {
        setPath(result, key, value);
      }
    });
    keys.forEach(function (key) {
      if (scalars[key] !== undefined && scalars[key] !== null) {
        setPath(result, key, scalars[key]);
      } else if ((series[key] || []).some(function (v) { return v !== null; })) {
        setPath(result, key, series[key]);
      }
    });
    var start = result.start_year !== undefined ? result.start_year : startYear;
    Object.keys(years).forEach(function (key) {
      setPath(result, key, typeof start === "number" ? years[key] - start : years[key]);
    });
    return { part: result, managed: keys.map(function (key) { return key.split(".")[0]; }) };
  }

  function fitYears(payload) {
    var years = payload.years;
    if (typeof years !== "number" || years < 1) {
      return;
    }
    function fit(holder, key, padWithLast) {
      var values = holder && holder[key];
      if (!Array.isArray(values) || !values.length || values.length === years) {
        return;
      }
      var filler = padWithLast ? values[values.length - 1] : 0;
      var fitted = values.slice(0, years);
      while (fitted.length < years) {
        fitted.push(filler);
      }
      holder[key] = fitted;
    }
    fit(payload.adoption, "by_year", true);
    (payload.benefits || []).forEach(function (line) {
      fit(line.adoption, "by_year", true);
      fit(line, "volume_per_year", true);
      fit(line, "committed_fte_by_year", true);
      fit(line, "by_year_sek", false);
    });
    (payload.costs || []).forEach(function (line) {
      fit(line, "by_year_sek", false);
    });
  }

  function buildPayload(form, base) {
    var payload = JSON.parse(JSON.stringify(base));
    var built = payloadPart(form, payload.start_year);
    var part = form.getAttribute("data-part");
    if (part === "settings") {
      built.managed.forEach(function (key) { delete payload[key]; });
      if (built.part.adoption && built.part.adoption.by_year) {
        built.part.adoption = { by_year: built.part.adoption.by_year };
      }
      Object.keys(built.part).forEach(function (key) { payload[key] = built.part[key]; });
      fitYears(payload);
      return payload;
    }
    var listKey = part === "benefit" ? "benefits" : "costs";
    var index = parseInt(form.getAttribute("data-index"), 10);
    payload[listKey] = payload[listKey] || [];
    var old = payload[listKey][index] || {};
    var line = {};
    Object.keys(old).forEach(function (key) {
      if (built.managed.indexOf(key) === -1) {
        line[key] = old[key];
      }
    });
    Object.keys(built.part).forEach(function (key) { line[key] = built.part[key]; });
    payload[listKey][index] = line;
    return payload;
  }

  // ---- showing a result ------------------------------------------------------------------

  function labelOf(input) {
    var label = input.id ? document.querySelector('label[for="' + input.id + '"]') : null;
    return label ? label.textContent.replace(/\s+/g, " ").trim() : input.name;
  }

  function rangeMessage(panel, input) {
    var low = input.getAttribute("data-min");
    var high = input.getAttribute("data-max");
    var template = panel.getAttribute(high === null ? "data-msg-minimum" : "data-msg-range");
    return template.replace("{label}", labelOf(input))
      .replace("{low}", String(low).replace(".", ",")).replace("{high}", String(high).replace(".", ","));
  }

  function inputFor(form, path) {
    var part = form.getAttribute("data-part");
    var prefix = part === "settings" ? "" :
      (part === "benefit" ? "benefits[" : "costs[") + form.getAttribute("data-index") + "]";
    if (prefix) {
      if (path.indexOf(prefix + ".") !== 0) {
        return null;
      }
      path = path.slice(prefix.length + 1);
    } else if (/^(benefits|costs)\[/.test(path)) {
      return null;
    }
    var match = /^(.*)\[(\d+)\]$/.exec(path);
    var candidates = Array.prototype.filter.call(form.querySelectorAll("[data-key]"),
      function (input) { return input.type !== "hidden"; });
    if (match) {
      var entries = candidates.filter(function (input) {
        return input.getAttribute("data-key") === match[1] && input.hasAttribute("data-series");
      });
      if (entries[Number(match[2])]) {
        return entries[Number(match[2])];
      }
      path = match[1];
    }
    return candidates.filter(function (input) {
      return input.getAttribute("data-key") === path;
    })[0] || candidates.filter(function (input) {
      return input.getAttribute("data-key").indexOf(path + ".") === 0;
    })[0] || null;
  }

  function showStatus(panel, message, errors) {
    var status = document.getElementById("result-status");
    if (!status) {
      return;
    }
    status.textContent = "";
    var text = document.createElement("p");
    text.className = "mb-1";
    text.textContent = message;
    status.appendChild(text);
    if (errors && errors.length) {
      var list = document.createElement("ul");
      errors.forEach(function (error) {
        var item = document.createElement("li");
        item.textContent = (error.field ? error.field + ": " : "") + error.message;
        if (error.input) {
          item.textContent = labelOf(error.input) + ": " + error.message;
        }
        list.appendChild(item);
      });
      status.appendChild(list);
    }
  }

  function updateTable(panel, result) {
    var table = panel.querySelector("[data-result-table]");
    if (!table) {
      return;
    }
    var headRow = table.tHead.rows[0];
    while (headRow.cells.length > 1) {
      headRow.deleteCell(1);
    }
    result.years.forEach(function (year) {
      var th = document.createElement("th");
      th.scope = "col";
      th.className = "text-end";
      th.textContent = String(year);
      headRow.appendChild(th);
    });
    Array.prototype.forEach.call(table.querySelectorAll("tr[data-series]"), function (row) {
      while (row.cells.length > 1) {
        row.deleteCell(1);
      }
      var kind = row.getAttribute("data-format");
      (result[row.getAttribute("data-series")] || []).forEach(function (value) {
        var cell = row.insertCell(-1);
        cell.className = "text-end";
        cell.textContent = format(value, kind);
      });
    });
  }

  function updateChart(result) {
    var container = document.getElementById("peng-chart");
    if (!window.Plotly || !container || !container.data) {
      return;
    }
    var colours = result.pv_by_colour_sek || {};
    var data = container.data.map(function (trace) {
      var copy = Object.assign({}, trace);
      if (trace.meta === "red") {
        copy.y = [0];
        copy.name = String(trace.name).replace(/\d+$/, String(result.qualitative_count));
      } else if (trace.meta in colours) {
        copy.y = [colours[trace.meta]];
      }
      return copy;
    });
    window.Plotly.react(container, data, container.layout);
  }

  function showResult(panel, result) {
    Array.prototype.forEach.call(panel.querySelectorAll("[data-result]"), function (element) {
      var value = getPath(result, element.getAttribute("data-result"));
      element.textContent = format(value, element.getAttribute("data-format"));
    });
    var empty = panel.querySelector("[data-result-empty]");
    if (empty) {
      empty.hidden = true;
    }
    updateTable(panel, result);
    updateChart(result);
  }

  // ---- live evaluation ---------------------------------------------------------------------

  function live() {
    var form = document.querySelector("form[data-calculation-form]");
    var panel = document.querySelector("[data-result-panel][data-evaluate-url]");
    var baseBlock = document.getElementById("calculation-payload");
    if (!form || !panel || !baseBlock || !window.fetch) {
      return;
    }
    var base = JSON.parse(baseBlock.textContent);
    var token = form.elements.namedItem("csrf_token");
    var timer = null;
    var latest = 0;

    function evaluate() {
      var request = ++latest;
      var payload;
      try {
        payload = buildPayload(form, base);
      } catch (error) {
        if (error instanceof Unreadable) {
          showStatus(panel, panel.getAttribute("data-msg-unreadable"));
          return;
        }
        if (error instanceof OutOfRange) {
          showStatus(panel, rangeMessage(panel, error.input));
          return;
        }
        throw error;
      }
      fetch(panel.getAttribute("data-evaluate-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": token ? token.value : ""
        },
        body: JSON.stringify(payload)
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { status: response.status, body: body };
          });
        })
        .then(function (answer) {
          if (request !== latest) {
            return;
          }
          if (answer.status === 200) {
            showResult(panel, answer.body);
            showStatus(panel, panel.getAttribute("data-msg-preliminary"));
          } else if (answer.status === 422) {
            var errors = (answer.body.errors || []).map(function (error) {
              return { field: error.field, message: error.message,
                       input: inputFor(form, error.field || "") };
            });
            showStatus(panel, panel.getAttribute("data-msg-invalid"), errors);
          } else {
            showStatus(panel, panel.getAttribute("data-msg-failed"));
          }
        })
        .catch(function () {
          if (request === latest) {
            showStatus(panel, panel.getAttribute("data-msg-failed"));
          }
        });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(evaluate, DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  }

  drawFigures();
  live();
})();
