// The raster base layer under the platform's own vector base map: window.GZRaster.
// The map element's data-tiles* attributes (rendered from the settings by {{ map_attrs }}) say what
// to draw: an MBTiles file served by the platform, an intranet tile service or 天地图 (main layer
// and a label layer), their zoom range, bounds, attribution, and the tiles' CRS. Our data is
// WGS-84; for GCJ-02 tiles (高德/腾讯-style) mapOptions(el) gives the map a CRS that shifts every
// WGS-84 position onto the GCJ-02 tiles, and turns clicks back into WGS-84.
(function () {
  "use strict";
  // A transparent pixel instead of a missing or failed tile: never a broken-image icon.
  var EMPTY = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
  var gcjCrs = null;

  function gcj02Crs() {
    if (gcjCrs) { return gcjCrs; }
    var mercator = L.Projection.SphericalMercator;
    var projection = {
      bounds: mercator.bounds,
      project: function (latlng) {
        var g = GZCoords.wgs84ToGcj02(latlng.lng, latlng.lat);
        return mercator.project(L.latLng(g[1], g[0]));
      },
      unproject: function (point) {
        var ll = mercator.unproject(point), w = GZCoords.gcj02ToWgs84(ll.lng, ll.lat);
        return L.latLng(w[1], w[0]);
      }
    };
    gcjCrs = L.Util.extend({}, L.CRS.EPSG3857, { code: "GZ:GCJ02", projection: projection });
    return gcjCrs;
  }

  function crsOf(el) { return (el && el.getAttribute("data-tiles") && el.getAttribute("data-tiles-crs")) || "wgs84"; }

  // Options to merge into L.map(el, …): a GCJ-02 CRS when the tiles are GCJ-02, nothing otherwise.
  function mapOptions(el) {
    if (typeof L === "undefined" || crsOf(el) !== "gcj02" || !window.GZCoords) { return {}; }
    return { crs: gcj02Crs() };
  }

  function intAttr(el, name) {
    var v = el.getAttribute(name);
    return v === null || v === "" || isNaN(parseInt(v, 10)) ? null : parseInt(v, 10);
  }

  function boundsOf(el) {
    var v = (el.getAttribute("data-tiles-bounds") || "").split(",").map(parseFloat);
    if (v.length !== 4 || v.some(isNaN)) { return null; }
    var sw = [v[0], v[1]], ne = [v[2], v[3]];
    if (crsOf(el) === "gcj02" && window.GZCoords) {  // bounds of GCJ-02 tiles are GCJ-02: back to WGS-84
      sw = GZCoords.gcj02ToWgs84(sw[0], sw[1]); ne = GZCoords.gcj02ToWgs84(ne[0], ne[1]);
    }
    return L.latLngBounds([sw[1], sw[0]], [ne[1], ne[0]]);
  }

  function notice(map, el) {
    var text = el.getAttribute("data-tiles-error");
    if (!text || map._gzTilesNotice) { return; }
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "leaflet-control map-tiles-error");
      div.setAttribute("role", "status");
      div.textContent = text;
      return div;
    };
    map._gzTilesNotice = control.addTo(map);
  }

  function attribution(map, el) {
    var text = el.getAttribute("data-tiles-attribution");
    if (!text) { return; }
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "leaflet-control leaflet-control-attribution");
      div.textContent = text;  // plain text, never HTML from a file's metadata
      return div;
    };
    control.addTo(map);
  }

  // Adds the raster layer(s) the element names; returns the main layer (or null).
  function add(map, el) {
    var url = el.getAttribute("data-tiles");
    if (!url || typeof L === "undefined") { return null; }
    var native = intAttr(el, "data-tiles-max-zoom"), low = intAttr(el, "data-tiles-min-zoom");
    var options = { errorTileUrl: EMPTY, maxZoom: Math.max(19, native === null ? 19 : native), keepBuffer: 1 };
    if (native !== null) { options.maxNativeZoom = native; }
    if (low !== null) { options.minNativeZoom = low; options.minZoom = Math.max(0, low - 2); }
    var subdomains = el.getAttribute("data-tiles-subdomains");
    if (subdomains) { options.subdomains = subdomains; }
    var bounds = boundsOf(el);
    if (bounds) { options.bounds = bounds; }
    var loaded = 0, failed = 0;
    var layer = L.tileLayer(url, options);
    layer.on("tileload", function () { loaded += 1; });
    layer.on("tileerror", function () {
      failed += 1;
      if (failed >= 4 && failed > loaded) { notice(map, el); }  // the service is down, not one tile missing
    });
    layer.addTo(map);
    var labels = el.getAttribute("data-tiles-labels");
    if (labels) {  // names above the base tiles, below every vector layer (overlayPane: 400)
      if (!map.getPane("gzTileLabels")) { map.createPane("gzTileLabels").style.zIndex = 250; }
      L.tileLayer(labels, L.Util.extend({}, options, { pane: "gzTileLabels" })).addTo(map);
    }
    attribution(map, el);
    el.setAttribute("data-tiles-layer", "1");
    return layer;
  }

  window.GZRaster = { mapOptions: mapOptions, add: add };
})();
