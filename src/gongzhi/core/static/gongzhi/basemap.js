// The platform's own vector base map: drawn from its data (/api/v1/basemap/features), no tiles,
// no internet. Roads (casing + fill, names along them at street zooms), the river and water,
// green space and fields, estates outlined, building footprints with their names at high zoom,
// facilities with inline SVG icons, grid outlines. Canvas renderer; labels are DOM (readable,
// Chinese text, no images). Usage, right after a map is created: GZBase.add(map, el).
// The container reports what it drew: el.dataset.baseFeatures (shapes) and el.dataset.baseLabels.
(function () {
  "use strict";
  var URL_FEATURES = "/api/v1/basemap/features";
  var LAND = "#f3efe6";
  var ROAD = {  // rank: [casing colour, fill colour, width in metres, least width in pixels]
    1: ["#c99a4e", "#fcd999", 26, 2.5], 2: ["#c4b98f", "#fbf6d2", 16, 1.8], 3: ["#b9b2a5", "#ffffff", 9, 1.2]
  };
  var FILL = {
    river: { color: "#7fb3cf", weight: 1, fillColor: "#a9d3e6", fillOpacity: 1 },
    water: { color: "#7fb3cf", weight: 1, fillColor: "#a9d3e6", fillOpacity: 1 },
    green: { color: "#9cc58a", weight: 1, fillColor: "#cfe8bd", fillOpacity: 1 },
    field: { color: "#c9cf92", weight: 1, fillColor: "#eef0c4", fillOpacity: 1 },
    estate: { color: "#b29c86", weight: 1.2, dashArray: "4 3", fillColor: "#ece4d8", fillOpacity: 0.7 },
    building: { color: "#9a8b7d", weight: 1, fillColor: "#d8cec4", fillOpacity: 1 },
    grid: { color: "#7b61a8", weight: 1.5, dashArray: "6 4", fill: false, opacity: 0.7 }
  };
  // Inline SVG icons of the facility categories (24×24, presentation attributes only: no styles).
  var ICON_PATHS = {
    elderly_care: ["#b4572e", "M12 4a2 2 0 1 1 0 4a2 2 0 0 1 0-4zM10 9h4l1 5h-2l1 6h-2l-1-4l-1 4H8l1.5-6H8z"],
    childcare: ["#c0508a", "M12 4a3 3 0 1 1 0 6a3 3 0 0 1 0-6zM7 20c0-4 2-7 5-7s5 3 5 7z"],
    health: ["#c62828", "M10 5h4v5h5v4h-5v5h-4v-5H5v-4h5z"],
    market: ["#2e7d32", "M5 9h14l-1.5 9h-11zM8 9l3-4h2l3 4"],
    culture: ["#1565c0", "M5 6h6v13H5zM13 6h6v13h-6z"],
    sports: ["#6a1b9a", "M12 5a7 7 0 1 1 0 14a7 7 0 0 1 0-14zM5 12h14M12 5v14"],
    convenience: ["#00796b", "M6 8h12v11H6zM9 8V6h6v2M10 12h4"]
  };
  var CATEGORY_NAMES = { elderly_care: "养老", childcare: "托育", health: "卫生服务", market: "菜场",
    culture: "文化", sports: "体育", convenience: "便民" };

  function iconHtml(category) {
    var p = ICON_PATHS[category] || ICON_PATHS.convenience;
    return '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">' +
      '<circle cx="12" cy="12" r="11" fill="#ffffff" stroke="' + p[0] + '" stroke-width="2"/>' +
      '<path d="' + p[1] + '" fill="' + p[0] + '" stroke="' + p[0] + '" stroke-width="0.6" stroke-linejoin="round"/></svg>';
  }

  function text(s) { var span = document.createElement("span"); span.textContent = s; return span; }

  function ringCentre(coords) {  // mean of a polygon's outer ring (rectangles and blocks)
    var ring = coords[0], x = 0, y = 0, n = ring.length - 1;
    for (var i = 0; i < n; i++) { x += ring[i][0]; y += ring[i][1]; }
    return [y / n, x / n];
  }

  function lineOf(geometry) {
    if (geometry.type === "LineString") { return geometry.coordinates; }
    if (geometry.type === "MultiLineString") {
      var longest = geometry.coordinates[0];
      geometry.coordinates.forEach(function (l) { if (l.length > longest.length) { longest = l; } });
      return longest;
    }
    return null;
  }

  function Base(map, el) {
    this.map = map; this.el = el;
    this.loaded = null; this.detail = false; this.pending = null; this.data = [];
    el.style.background = LAND;
    map.createPane("gzBase").style.zIndex = 250;
    map.createPane("gzBaseLabels").style.zIndex = 450;
    map.getPane("gzBaseLabels").style.pointerEvents = "none";
    this.renderer = L.canvas({ pane: "gzBase", padding: 0.3 });
    this.shapes = L.layerGroup().addTo(map);
    this.labels = L.layerGroup().addTo(map);
    var self = this;
    map.on("moveend", function () { self.refresh(); });
    map.on("zoomend", function () { self.label(); });
    if (map._loaded) { this.refresh(); } else { map.whenReady(function () { self.refresh(); }); }
  }

  Base.prototype.url = function () { return this.el.getAttribute("data-basemap") || URL_FEATURES; };

  Base.prototype.refresh = function () {
    var map = this.map, view = map.getBounds(), zoom = map.getZoom();
    var wantDetail = zoom >= 15;
    if (this.loaded && this.loaded.contains(view) && (this.detail || !wantDetail)) { this.label(); return; }
    var box = view.pad(0.5), self = this;
    if (this.pending && this.pending.abort) { this.pending.abort(); }
    this.pending = window.AbortController ? new AbortController() : null;
    var bbox = [box.getWest(), box.getSouth(), box.getEast(), box.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
    fetch(this.url() + "?bbox=" + bbox, { credentials: "same-origin", headers: { "Accept": "application/json" },
      signal: this.pending ? this.pending.signal : undefined })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        self.loaded = box;
        self.detail = (data.truncated || []).indexOf("buildings") < 0;
        self.draw(data.features || []);
        self.el.dataset.baseDetail = self.detail ? "buildings" : "roads";
      })
      .catch(function () { /* offline or aborted: keep what is drawn */ });
  };

  Base.prototype.draw = function (features) {
    var renderer = this.renderer, shapes = this.shapes;
    shapes.clearLayers();
    this.data = features;
    var order = { field: 0, green: 1, water: 2, river: 3, estate: 4, road: 5, building: 6, grid: 7 };
    var drawn = 0;
    var byLayer = {};
    features.forEach(function (f) {
      var layer = f.properties.layer;
      (byLayer[layer] = byLayer[layer] || []).push(f);
    });
    Object.keys(order).sort(function (a, b) { return order[a] - order[b]; }).forEach(function (layer) {
      var list = byLayer[layer] || [];
      if (layer === "road") {
        // Casings first (all ranks, minor under major), then fills, so junctions read as joined.
        list.sort(function (a, b) { return b.properties.rank - a.properties.rank; });
        ["casing", "fill"].forEach(function (pass) {
          list.forEach(function (f) {
            var spec = ROAD[f.properties.rank] || ROAD[2];
            L.geoJSON(f, { renderer: renderer, pane: "gzBase", interactive: false, style: function () {
              return { color: pass === "casing" ? spec[0] : spec[1], weight: 1, lineCap: "round", lineJoin: "round",
                       gzSpec: spec, gzCasing: pass === "casing" };
            } }).addTo(shapes);
          });
        });
        drawn += list.length;
        return;
      }
      list.forEach(function (f) {
        L.geoJSON(f, { renderer: renderer, pane: "gzBase", interactive: false,
          style: function () { return FILL[layer] || FILL.building; } }).addTo(shapes);
        drawn += 1;
      });
    });
    this.el.dataset.baseFeatures = String(drawn);
    this.label();
  };

  // Roads are as wide as they are (metres at the map's scale), never thinner than a few pixels.
  Base.prototype.scaleRoads = function () {
    var map = this.map, lat = map.getCenter().lat;
    var mpp = 156543.03 * Math.cos(lat * Math.PI / 180) / Math.pow(2, map.getZoom());
    this.shapes.eachLayer(function (group) {
      group.eachLayer(function (l) {
        var spec = l.options.gzSpec;
        if (!spec) { return; }
        var w = Math.max(spec[3], spec[2] / mpp);
        l.setStyle({ weight: l.options.gzCasing ? w + (w > 4 ? 2.5 : 1.5) : w });
      });
    });
  };

  Base.prototype.label = function () {
    var map = this.map, zoom = map.getZoom(), view = map.getBounds(), labels = this.labels;
    this.scaleRoads();
    labels.clearLayers();
    var count = 0, taken = [];
    function free(pt, w, h) {  // crude collision check in screen space
      for (var i = 0; i < taken.length; i++) {
        var t = taken[i];
        if (Math.abs(t[0] - pt.x) < (t[2] + w) / 2 && Math.abs(t[1] - pt.y) < (t[3] + h) / 2) { return false; }
      }
      taken.push([pt.x, pt.y, w, h]); return true;
    }
    function put(latlng, name, cls, angle, w, h) {
      if (!view.contains(latlng)) { return; }
      if (!free(map.latLngToContainerPoint(latlng), w, h)) { return; }
      var icon = L.divIcon({ className: "gz-label " + cls, html: "", iconSize: null });
      var marker = L.marker(latlng, { icon: icon, pane: "gzBaseLabels", interactive: false, keyboard: false });
      marker.on("add", function () {
        var node = marker.getElement();
        if (!node) { return; }
        var inner = text(name);
        if (angle) { inner.style.transform = "rotate(" + angle + "deg)"; }
        node.appendChild(inner);
      });
      marker.addTo(labels); count += 1;
    }
    var facilities = [], buildings = [], estates = [], roads = [], waters = [];
    this.data.forEach(function (f) {
      var p = f.properties;
      if (p.layer === "road" && p.name) { roads.push(f); } else if (p.layer === "building") { buildings.push(f); }
      else if (p.layer === "estate") { estates.push(f); } else if (p.layer === "facility") { facilities.push(f); }
      else if ((p.layer === "river" || p.layer === "green") && p.name) { waters.push(f); }
    });
    // Facilities first (icons with their names), then estates and buildings, then roads.
    if (zoom >= 14) {
      facilities.forEach(function (f) {
        var c = f.geometry.coordinates, ll = L.latLng(c[1], c[0]);
        if (!view.contains(ll)) { return; }
        var pt = map.latLngToContainerPoint(ll);
        if (!free(pt, 24, 24)) { return; }
        var icon = L.divIcon({ className: "gz-facility", html: iconHtml(f.properties.category), iconSize: [22, 22] });
        var m = L.marker(ll, { icon: icon, pane: "gzBaseLabels", interactive: false, keyboard: false,
          title: f.properties.name });
        m.on("add", function () {
          var node = m.getElement();
          if (node) { node.setAttribute("role", "img"); node.setAttribute("aria-label", (CATEGORY_NAMES[f.properties.category] || "") + " " + f.properties.name); }
          if (node && zoom >= 16) { var s = text(f.properties.name); s.className = "gz-facility-name"; node.appendChild(s); }
        });
        m.addTo(labels); count += 1;
      });
    }
    if (zoom >= 16.5) {
      buildings.forEach(function (f) {
        var name = zoom >= 18 ? f.properties.estate + " " + f.properties.name : f.properties.name;
        put(L.latLng(ringCentre(f.geometry.coordinates)), name, "gz-label-building", 0, name.length * 12 + 4, 16);
      });
    }
    if (zoom >= 15) {
      // At building zooms the estate's name moves to its north side, clear of its buildings' names.
      estates.forEach(function (f) {
        var c = ringCentre(f.geometry.coordinates), ll = L.latLng(c);
        if (zoom >= 16.5) {
          var top = -90;
          f.geometry.coordinates[0].forEach(function (p) { if (p[1] > top) { top = p[1]; } });
          ll = map.containerPointToLatLng(map.latLngToContainerPoint([top, c[1]]).add([0, 10]));
        }
        put(ll, f.properties.name, "gz-label-estate", 0, f.properties.name.length * 13 + 8, 18);
      });
    }
    if (zoom >= 13) {
      waters.forEach(function (f) {
        if (f.geometry.type !== "Polygon") { return; }
        put(L.latLng(ringCentre(f.geometry.coordinates)), f.properties.name,
            f.properties.layer === "river" ? "gz-label-water" : "gz-label-green", 0, f.properties.name.length * 13, 18);
      });
    }
    var minRank = zoom >= 15 ? 3 : (zoom >= 13.5 ? 2 : 1);
    roads.sort(function (a, b) { return a.properties.rank - b.properties.rank; });
    roads.forEach(function (f) {
      if (f.properties.rank > minRank) { return; }
      var line = lineOf(f.geometry);
      if (!line) { return; }
      // The label sits at the visible point of the road nearest the view's centre, along the road.
      var centre = map.getCenter(), best = -1, bestD = Infinity;
      for (var i = 0; i < line.length - 1; i++) {
        var ll = L.latLng((line[i][1] + line[i + 1][1]) / 2, (line[i][0] + line[i + 1][0]) / 2);
        if (!view.contains(ll)) { continue; }
        var d = ll.distanceTo(centre);
        if (d < bestD) { bestD = d; best = i; }
      }
      if (best < 0) { return; }
      var a = map.latLngToContainerPoint([line[best][1], line[best][0]]);
      var b = map.latLngToContainerPoint([line[best + 1][1], line[best + 1][0]]);
      var angle = Math.atan2(b.y - a.y, b.x - a.x) * 180 / Math.PI;
      if (angle > 90) { angle -= 180; } else if (angle < -90) { angle += 180; }
      var mid = L.latLng((line[best][1] + line[best + 1][1]) / 2, (line[best][0] + line[best + 1][0]) / 2);
      var vertical = Math.abs(angle) > 45;
      var len = f.properties.name.length * 13 + 6;
      put(mid, f.properties.name, "gz-label-road gz-rank-" + f.properties.rank, angle, vertical ? 18 : len, vertical ? len : 18);
    });
    this.el.dataset.baseLabels = String(count);
  };

  window.GZBase = {
    add: function (map, el) {
      if (!map || !el || el._gzBase) { return el && el._gzBase; }
      el._gzBase = new Base(map, el);
      return el._gzBase;
    }
  };
})();
