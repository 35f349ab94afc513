"""WGS-84 ⇄ GCJ-02 ("Mars coordinates", the offset of 高德/腾讯-style maps inside China).

GCJ-02 adds a deterministic, smooth offset (a few hundred metres) to WGS-84 positions inside
China; outside the country's rough rectangle it is the identity. ``wgs84_to_gcj02`` is the
published forward formula; ``gcj02_to_wgs84`` inverts it by fixed-point iteration, to well below
a centimetre (the forward function is a contraction of its offset). The same code is in
``static/gongzhi/coords.js`` (tests check both against the same published point pairs).

All functions take and return ``(lon, lat)`` in degrees, in that order, like GeoJSON.
"""

from __future__ import annotations

import math

A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 formula uses it
EE = 0.00669342162296594323  # its first eccentricity squared
EARTH_RADIUS = 6378137.0  # WGS-84, for distances


def out_of_china(lon: float, lat: float) -> bool:
    """Outside the rectangle where GCJ-02 applies (there it equals WGS-84)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _offset(lon: float, lat: float) -> tuple[float, float]:
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((A * (1 - EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if out_of_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float, *, tolerance: float = 1e-10, rounds: int = 30) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 image is ``(lon, lat)`` (iterative; error far below 0.5 m)."""
    if out_of_china(lon, lat):
        return lon, lat
    w_lon, w_lat = lon, lat
    for _ in range(rounds):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        d_lon, d_lat = g_lon - lon, g_lat - lat
        w_lon, w_lat = w_lon - d_lon, w_lat - d_lat
        if abs(d_lon) < tolerance and abs(d_lat) < tolerance:
            break
    return w_lon, w_lat


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine on the WGS-84 equatorial radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(h)))
