// Case pages: the place picker of the report form, the case's own map, the map of open cases.
// Leaflet is served locally; no tile layer unless one is configured (government intranets).
(function () {
  "use strict";
  function baseMap(el) {
    var map = L.map(el, L.Util.extend({ attributionControl: false, zoomControl: false, zoomSnap: 0.25 },
                                     window.GZRaster ? GZRaster.mapOptions(el) : {}));
    if (window.GZBase) { GZBase.add(map, el); }
    // The zoom buttons are named by the page (data-zoom-in/-out, translated), not by Leaflet's English.
    L.control.zoom({ zoomInTitle: el.getAttribute("data-zoom-in") || "+",
                     zoomOutTitle: el.getAttribute("data-zoom-out") || "-" }).addTo(map);
    if (window.GZRaster) { GZRaster.add(map, el); }
    return map;
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); });
  }
  function grids(map, url, fit) {
    if (!url) { return Promise.resolve(null); }
    return getJSON(url).then(function (data) {
      if (!data.features || !data.features.length) { return null; }
      var home = null;
      var layer = L.geoJSON(data, {
        style: function (f) { return f.properties.home ? { color: "#0f3d6e", weight: 2, fillOpacity: window.GZBase ? 0.04 : 0.12 }
          : { color: "#1f6feb", weight: 1, fillOpacity: window.GZBase ? 0.02 : 0.06 }; },
        onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); if (f.properties.home) { home = l; } }
      }).addTo(map);
      if (fit) { map.fitBounds((home || layer).getBounds(), { padding: [10, 10] }); }
      return layer;
    });
  }
  function picker(el) {
    var form = el.closest("form");
    var lon = form.querySelector("[data-lon]"), lat = form.querySelector("[data-lat]");
    var text = form.querySelector("[data-location-text]");
    var map = baseMap(el), marker = null;
    map.setView([30.66, 117.49], 13);
    var address = form.querySelector("input[name=address]");
    // The nearest building and road name the place (the coordinates are still what is submitted);
    // the address field takes it unless the reporter typed their own.
    function nearest(lng, la) {
      var want = lon.value;
      getJSON((el.getAttribute("data-nearest") || "/api/v1/basemap/nearest") + "?lon=" + lng.toFixed(6) + "&lat=" + la.toFixed(6))
        .then(function (d) {
          if (!d || !d.label || lon.value !== want) { return; }
          text.textContent = (text.getAttribute("data-nearest-prefix") || "最近：") + d.label;
          text.setAttribute("data-nearest", d.label);
          if (address && (!address.value || address.value === address.getAttribute("data-auto"))) {
            address.value = d.label; address.setAttribute("data-auto", d.label);
          }
        }).catch(function () { /* offline: the coordinates stay shown */ });
    }
    function place(lng, la) {
      lon.value = lng.toFixed(6); lat.value = la.toFixed(6);
      text.textContent = lon.value + ", " + lat.value;
      if (marker) { marker.setLatLng([la, lng]); } else { marker = L.circleMarker([la, lng], { radius: 8, color: "#c0392b" }).addTo(map); }
      nearest(lng, la);
    }
    grids(map, el.getAttribute("data-grids"), !lon.value).then(function () {
      if (lon.value && lat.value) { place(parseFloat(lon.value), parseFloat(lat.value)); map.setView([parseFloat(lat.value), parseFloat(lon.value)], 16); }
    });
    map.on("click", function (e) { place(e.latlng.lng, e.latlng.lat); });
    var button = form.querySelector("[data-locate]");
    if (button && navigator.geolocation) {
      button.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (p) {
          place(p.coords.longitude, p.coords.latitude); map.setView([p.coords.latitude, p.coords.longitude], 17);
        }, function () { text.textContent = button.getAttribute("data-error") || "无法获取位置，请在地图上点选"; },
        { enableHighAccuracy: true, timeout: 10000 });
      });
    } else if (button) { button.hidden = true; }
  }
  function caseMap(el) {
    var la = parseFloat(el.getAttribute("data-lat")), lng = parseFloat(el.getAttribute("data-lon"));
    var map = baseMap(el);
    map.setView([la, lng], 16);
    grids(map, el.getAttribute("data-grids"), false).then(function () {
      L.circleMarker([la, lng], { radius: 9, color: "#c0392b", fillOpacity: 0.6 }).addTo(map);
    });
  }
  function openCases(el) {
    var map = baseMap(el);
    map.setView([30.66, 117.49], 12);
    grids(map, el.getAttribute("data-grids"), true).then(function () {
      return getJSON(el.getAttribute("data-points"));
    }).then(function (data) {
      var features = (data && data.features) || [];
      el.setAttribute("data-loaded", String(features.length));
      if (!features.length) { return; }
      var layer = L.geoJSON(data, {
        pointToLayer: function (f, ll) {
          return L.circleMarker(ll, { radius: 6, color: f.properties.overdue ? "#c0392b" : "#1f6feb", fillOpacity: 0.8 });
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(f.properties.number + " · " + f.properties.status + (f.properties.category ? " · " + f.properties.category : ""));
          l.on("click", function () { window.location.href = f.properties.url; });
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 16 });
    });
  }
  function init() {
    if (typeof L === "undefined") { return; }
    var el = document.getElementById("pick-map"); if (el) { picker(el); }
    el = document.getElementById("case-map"); if (el) { caseMap(el); }
    el = document.getElementById("cases-map"); if (el) { openCases(el); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
