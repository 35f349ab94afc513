// Grid map: Leaflet served locally, no tile layer unless one is configured (intranets).
(function () {
  "use strict";
  function init() {
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined") { return; }
    var map = L.map(el, L.Util.extend({ attributionControl: false, zoomControl: false, zoomSnap: 0.25 },
                                     window.GZRaster ? GZRaster.mapOptions(el) : {}));
    if (window.GZBase) { GZBase.add(map, el); }
    // The zoom buttons are named by the page (data-zoom-in/-out, translated), not by Leaflet's English.
    L.control.zoom({ zoomInTitle: el.getAttribute("data-zoom-in") || "+",
                     zoomOutTitle: el.getAttribute("data-zoom-out") || "-" }).addTo(map);
    if (window.GZRaster) { GZRaster.add(map, el); }
    var highlight = el.getAttribute("data-highlight");
    var detailBase = el.getAttribute("data-detail-base") || "/areas/";
    fetch(el.getAttribute("data-geojson"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.features || !data.features.length) {
          el.classList.add("map-empty");
          el.textContent = el.getAttribute("data-empty") || "暂无网格边界数据";
          return;
        }
        var layer = L.geoJSON(data, {
          style: function (f) {
            var hit = highlight && f.properties.code === highlight;
            return { color: hit ? "#c0392b" : "#1f6feb", weight: hit ? 3 : 1, fillOpacity: hit ? (window.GZBase ? 0.12 : 0.35) : (window.GZBase ? 0.03 : 0.12) };
          },
          onEachFeature: function (f, l) {
            l.bindTooltip(f.properties.name + " · " + f.properties.code);
            l.on("click", function () { window.location.href = detailBase + f.properties.code + "/"; });
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [10, 10] });
        el.setAttribute("data-loaded", String(data.features.length));
      });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
