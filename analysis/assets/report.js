// The report's page logic: charts from the embedded data (drawn by plotly.js), x zoom and
// pan kept the same on every chart, and the events table with its filters. No chart is
// drawn here: plotly.js draws them.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ttlog-data").textContent);

  // -- charts -------------------------------------------------------------------------------
  var charts = [];
  var syncing = false;
  data.charts.forEach(function (fig, i) {
    var div = document.getElementById("chart-" + i);
    Plotly.newPlot(div, fig.data, fig.layout, { responsive: true, displaylogo: false });
    charts.push(div);
  });
  charts.forEach(function (div) {
    div.on("plotly_relayout", function (ev) {
      if (syncing) { return; }
      var update = {};
      if (ev["xaxis.range[0]"] !== undefined) {
        update["xaxis.range"] = [ev["xaxis.range[0]"], ev["xaxis.range[1]"]];
      } else if (ev["xaxis.autorange"]) {
        update["xaxis.autorange"] = true;
      } else if (ev["xaxis.range"]) {
        update["xaxis.range"] = ev["xaxis.range"];
      } else { return; }
      syncing = true;
      var pending = charts.filter(function (d) { return d !== div; })
        .map(function (d) { return Plotly.relayout(d, update); });
      Promise.all(pending).then(function () { syncing = false; }, function () { syncing = false; });
    });
  });

  // -- events table -------------------------------------------------------------------------
  var table = document.getElementById("events-body");
  var level = document.getElementById("filter-level");
  var target = document.getElementById("filter-target");
  var text = document.getElementById("filter-text");
  var shown = document.getElementById("events-shown");
  var rank = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, CRITICAL: 5 };
  var LIMIT = 1000;
  function cell(tr, value, cls) {
    var td = document.createElement("td");
    td.textContent = value;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
  }
  function render() {
    var min = rank[level.value] === undefined ? -1 : rank[level.value];
    var t = target.value.toLowerCase();
    var q = text.value.toLowerCase();
    var rows = [];
    var matches = 0;
    for (var i = 0; i < data.events.length; i++) {
      var e = data.events[i];
      var r = rank[e[2]] === undefined ? 6 : rank[e[2]];
      if (r < min) { continue; }
      if (t && e[3].toLowerCase().indexOf(t) < 0) { continue; }
      if (q && e[4].toLowerCase().indexOf(q) < 0) { continue; }
      matches++;
      if (rows.length < LIMIT) { rows.push(e); }
    }
    table.textContent = "";
    rows.forEach(function (e) {
      var tr = document.createElement("tr");
      cell(tr, e[1]);
      cell(tr, e[0].toFixed(6), "num");
      cell(tr, e[2], "level-" + e[2]);
      cell(tr, e[3]);
      cell(tr, e[4]);
      table.appendChild(tr);
    });
    shown.textContent = matches > LIMIT
      ? "showing the first " + LIMIT + " of " + matches + " matching events"
      : matches + " matching events";
  }
  [level, target, text].forEach(function (el) { el.addEventListener("input", render); });
  render();
  document.body.setAttribute("data-ready", "yes");
})();
