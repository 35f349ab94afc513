// WGS-84 ⇄ GCJ-02 (the offset of 高德/腾讯-style maps inside China): window.GZCoords.
// The same formulas as gongzhi/core/maps/coords.py (tests compare both with published point pairs).
// Functions take and return [lng, lat] arrays, like GeoJSON.
(function () {
  "use strict";
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;

  function outOfChina(lng, lat) {
    return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }
  function transformLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function transformLng(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return r;
  }
  function wgs84ToGcj02(lng, lat) {
    if (outOfChina(lng, lat)) { return [lng, lat]; }
    var dLat = transformLat(lng - 105.0, lat - 35.0), dLng = transformLng(lng - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * PI, magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * PI);
    dLng = (dLng * 180.0) / (A / sqrtMagic * Math.cos(radLat) * PI);
    return [lng + dLng, lat + dLat];
  }
  // Iterative inverse: far below 0.5 m (the offset varies slowly, each round gains orders of magnitude).
  function gcj02ToWgs84(lng, lat) {
    if (outOfChina(lng, lat)) { return [lng, lat]; }
    var wLng = lng, wLat = lat;
    for (var i = 0; i < 30; i++) {
      var g = wgs84ToGcj02(wLng, wLat), dLng = g[0] - lng, dLat = g[1] - lat;
      wLng -= dLng; wLat -= dLat;
      if (Math.abs(dLng) < 1e-10 && Math.abs(dLat) < 1e-10) { break; }
    }
    return [wLng, wLat];
  }
  window.GZCoords = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84, outOfChina: outOfChina };
})();
