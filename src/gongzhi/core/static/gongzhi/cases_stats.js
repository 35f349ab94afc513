// Case statistics and the weekly bulletin: sortable tables, the heat map of grids, printing.
// No inline script anywhere (CSP: script-src 'self'); Leaflet is served locally, no tile layer
// unless one is configured (government intranets).
(function () {
  "use strict";
  var COLOURS = ["#fee8c8", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"];
  var EMPTY = "#eef3f7";

  // Tables with data-sortable: a button in each header sorts by that column's data-value.
  function sortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      var kind = th.getAttribute("data-sort-kind");
      if (!kind) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") !== "descending";
        Array.prototype.forEach.call(heads, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[index].getAttribute("data-value"), y = b.cells[index].getAttribute("data-value");
          if (x === null) { x = a.cells[index].textContent; }
          if (y === null) { y = b.cells[index].textContent; }
          if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); } // "—" always last
          var order = kind === "number" ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "zh-CN");
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function colourFor(count, max) {
    if (!count || !max) { return EMPTY; }
    return COLOURS[Math.min(COLOURS.length - 1, Math.ceil(count / max * COLOURS.length) - 1)];
  }

  function legend(el, max, unit) {
    var box = document.querySelector("[data-heat-legend]");
    if (!box) { return; }
    box.textContent = "";
    var steps = [{ colour: EMPTY, text: "0" }];
    var previous = 0;
    COLOURS.forEach(function (colour, i) {
      var top = Math.floor(max * (i + 1) / COLOURS.length);
      if (top > previous) {
        steps.push({ colour: colour, text: (previous + 1 === top ? String(top) : (previous + 1) + "–" + top) });
        previous = top;
      }
    });
    steps.forEach(function (step) {
      var swatch = document.createElement("span");
      swatch.className = "tag";
      swatch.style.background = step.colour;
      swatch.textContent = "\u00a0\u00a0\u00a0";
      box.appendChild(swatch);
      box.appendChild(document.createTextNode(" " + step.text + " " + unit + "\u3000"));
    });
  }

  function heatMap(el) {
    if (typeof L === "undefined") { return; }
    var map = L.map(el, L.Util.extend({ attributionControl: false, zoomControl: false, zoomSnap: 0.25 },
                                     window.GZRaster ? GZRaster.mapOptions(el) : {}));
    if (window.GZBase) { GZBase.add(map, el); }
    // The zoom buttons are named by the page (data-zoom-in/-out, translated), not by Leaflet's English.
    L.control.zoom({ zoomInTitle: el.getAttribute("data-zoom-in") || "+",
                     zoomOutTitle: el.getAttribute("data-zoom-out") || "-" }).addTo(map);
    if (window.GZRaster) { GZRaster.add(map, el); }
    var unit = el.getAttribute("data-unit") || "";
    var queue = el.getAttribute("data-queue");
    fetch(el.getAttribute("data-geojson"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var features = data.features || [];
        if (!features.length) {
          el.classList.add("map-empty");
          el.textContent = el.getAttribute("data-empty") || "";
          return;
        }
        var max = features.reduce(function (m, f) { return Math.max(m, f.properties.count || 0); }, 0);
        var layer = L.geoJSON(data, {
          style: function (f) {
            return { color: "#6b7785", weight: 1, fillColor: colourFor(f.properties.count, max), fillOpacity: 0.75 };
          },
          onEachFeature: function (f, l) {
            l.bindTooltip(f.properties.name + "：" + f.properties.count + " " + unit);
            if (queue) { l.on("click", function () { window.location.href = queue + encodeURIComponent(f.properties.code); }); }
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [10, 10] });
        legend(el, max, unit);
        el.setAttribute("data-loaded", String(features.length));
      });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), sortable);
    var el = document.getElementById("heat-map");
    if (el) { heatMap(el); }
    Array.prototype.forEach.call(document.querySelectorAll("button[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
