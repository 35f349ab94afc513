"""WGS-84 ⇄ GCJ-02 in Python (core/maps/coords.py) and in the browser (static/gongzhi/coords.js):
published point pairs, round trips, and the two implementations agreeing."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.core.maps.coords import distance_m, gcj02_to_wgs84, out_of_china, wgs84_to_gcj02


# (wgs lon, wgs lat, gcj lon, gcj lat): the test vectors of googollee/eviltransform (used by its ports).
PUBLISHED = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # Beijing
]
# GCJ-02 → WGS-84 of hujiulong/gcoord's tests (to 5 decimals).
PUBLISHED_INVERSE = [((123.0, 45.0), (122.99395597, 44.99804071))]

china_lon = st.floats(min_value=73.5, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=18.0, max_value=53.5, allow_nan=False)


@pytest.mark.parametrize("wlon, wlat, glon, glat", PUBLISHED)
def test_wgs84_to_gcj02_matches_published_pairs(wlon, wlat, glon, glat):
    lon, lat = wgs84_to_gcj02(wlon, wlat)

    assert lon == pytest.approx(glon, abs=1e-9) and lat == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize("wlon, wlat, glon, glat", PUBLISHED)
def test_gcj02_to_wgs84_returns_the_published_wgs84_point(wlon, wlat, glon, glat):
    lon, lat = gcj02_to_wgs84(glon, glat)

    assert distance_m(lon, lat, wlon, wlat) < 0.01  # a centimetre; the brief asks < 0.5 m


@pytest.mark.parametrize("gcj, wgs", PUBLISHED_INVERSE)
def test_gcj02_to_wgs84_matches_a_published_inverse(gcj, wgs):
    lon, lat = gcj02_to_wgs84(*gcj)

    assert lon == pytest.approx(wgs[0], abs=1e-5) and lat == pytest.approx(wgs[1], abs=1e-5)


def test_the_offset_in_the_demo_district_is_hundreds_of_metres():
    lon, lat = 117.49, 30.66
    assert 100 < distance_m(lon, lat, *wgs84_to_gcj02(lon, lat)) < 1000


@pytest.mark.parametrize("lon, lat", [(2.3522, 48.8566), (-74.006, 40.7128), (139.6917, 35.6895), (151.2, -33.87)])
def test_outside_china_both_directions_are_the_identity(lon, lat):
    assert out_of_china(lon, lat)
    assert wgs84_to_gcj02(lon, lat) == (lon, lat) == gcj02_to_wgs84(lon, lat)


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_round_trip_wgs84_gcj02_wgs84_is_within_half_a_metre(lon, lat):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))

    assert distance_m(lon, lat, *back) < 0.5


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_round_trip_gcj02_wgs84_gcj02_is_within_half_a_metre(lon, lat):
    again = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))

    assert distance_m(lon, lat, *again) < 0.5


@settings(max_examples=200, deadline=None)
@given(china_lon, china_lat)
def test_the_offset_is_bounded(lon, lat):
    # GCJ-02 moves points inside China by well under a kilometre and a half.
    assert distance_m(lon, lat, *wgs84_to_gcj02(lon, lat)) < 1500
