"""The raster base layer: tiles served from a real MBTiles file, the settings → the map element's
attributes → the CSP, the startup check and the map_tiles_check command."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from PIL import Image

from gongzhi.core.maps import raster
from gongzhi.core.maps.checks import check_raster_source
from gongzhi.core.middleware import content_security_policy
from gongzhi.core.tests.mbtiles_factory import make_mbtiles, tile_image, tiles_covering, write_mbtiles

pytestmark = pytest.mark.django_db

BOUNDS = (117.40, 30.60, 117.58, 30.72)


@pytest.fixture
def user_client(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_user("tiles", password="x-Pass-12345"))
    return client


@pytest.fixture
def mbtiles(tmp_path, settings):
    """A two-tile PNG file at z1 whose tiles differ (TMS row 0 red, row 1 blue), configured."""
    red, blue = (_png((200, 0, 0)), _png((0, 0, 200)))
    # XYZ y=0 is the northern tile: TMS row 1. Stored red at TMS row 1, blue at TMS row 0.
    path = write_mbtiles(tmp_path / "district.mbtiles", {(1, 0, 0): red, (1, 0, 1): blue}, {
        "name": "示范区影像", "format": "png", "bounds": "-180,-85,0,85", "minzoom": "1", "maxzoom": "1",
        "attribution": '<a href="https://gis.example.gov.cn">区自然资源局</a>'})
    settings.GONGZHI_MAP_MBTILES = str(path)
    return path


def _png(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


def _colour(data: bytes):
    return Image.open(io.BytesIO(data)).convert("RGB").getpixel((128, 128))


# --- the tile view ------------------------------------------------------------------------------

def test_a_tile_is_served_from_the_file_with_the_tms_row_flipped(user_client, mbtiles):
    north = user_client.get("/map/tiles/1/0/0.png")
    south = user_client.get("/map/tiles/1/0/1.png")

    assert north.status_code == south.status_code == 200
    assert north["Content-Type"] == "image/png"
    assert _colour(north.content) == (200, 0, 0) and _colour(south.content) == (0, 0, 200)
    assert north["Cache-Control"] == "private, max-age=86400"
    assert re.fullmatch(r'"[0-9a-f]{24}"', north["ETag"]) and north["ETag"] != south["ETag"]


def test_the_browser_cache_is_answered_with_304(user_client, mbtiles):
    etag = user_client.get("/map/tiles/1/0/0.png")["ETag"]

    again = user_client.get("/map/tiles/1/0/0.png", HTTP_IF_NONE_MATCH=etag)
    other = user_client.get("/map/tiles/1/0/0.png", HTTP_IF_NONE_MATCH='"stale"')

    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert other.status_code == 200


@pytest.mark.parametrize("fmt, content_type", [("jpg", "image/jpeg"), ("webp", "image/webp")])
def test_jpeg_and_webp_tiles_carry_their_type(user_client, tmp_path, settings, fmt, content_type):
    settings.GONGZHI_MAP_MBTILES = str(make_mbtiles(tmp_path / f"t.{fmt}.mbtiles", BOUNDS, [12], fmt=fmt))
    attrs = raster.attributes()
    url = attrs["data-tiles"].split("?")[0]
    assert url.endswith(f"{{z}}/{{x}}/{{y}}.{fmt}")

    x, y = next(tiles_covering(BOUNDS, 12))
    response = user_client.get(url.format(z=12, x=x, y=y))

    assert response.status_code == 200 and response["Content-Type"] == content_type


def test_a_tiles_view_in_the_file_works_like_a_table(user_client, tmp_path, settings):
    path = write_mbtiles(tmp_path / "view.mbtiles", {(3, 6, 3): _png((0, 120, 0))}, {"format": "png"}, as_view=True)
    settings.GONGZHI_MAP_MBTILES = str(path)

    response = user_client.get("/map/tiles/3/6/3.png")

    assert response.status_code == 200 and _colour(response.content) == (0, 120, 0)


def test_a_missing_tile_is_a_404_with_a_code(user_client, mbtiles):
    response = user_client.get("/map/tiles/1/1/0.png")

    assert response.status_code == 404
    assert response.json()["code"] == "tile_missing"
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", [
    "1/2/0.png",  # x outside 2**z
    "1/0/2.png",  # y outside
    "31/0/0.png",  # zoom beyond anything
    "1/0/0.gif",  # not a raster tile format
    "1/0/0",  # no extension
    "a/b/c.png",
    "1/-1/0.png",
    "1/0/99999999999999999999.png",
    "1/0/0.png/../../etc/passwd",
    "",
])
def test_bad_coordinates_are_a_404_with_a_code(user_client, mbtiles, path):
    response = user_client.get(f"/map/tiles/{path}")

    assert response.status_code == 404
    assert response.json()["code"] == "bad_tile"


def test_tiles_need_a_signed_in_user(client, mbtiles):
    response = client.get("/map/tiles/1/0/0.png")

    assert response.status_code == 401 and response.json()["code"] == "login_required"


def test_no_file_configured_is_a_404(user_client, settings):
    settings.GONGZHI_MAP_MBTILES = ""

    response = user_client.get("/map/tiles/1/0/0.png")

    assert response.status_code == 404 and response.json()["code"] == "no_tiles"


@pytest.mark.parametrize("content, code", [
    (None, "tiles_missing"),
    (b"this is not an SQLite file at all" * 200, "tiles_corrupt"),
    (b"", "tiles_corrupt"),  # an empty file is an empty database: no tables
])
def test_a_missing_or_corrupt_file_is_a_503_logged_once(user_client, tmp_path, settings, caplog, content, code):
    path = tmp_path / "broken.mbtiles"
    if content is not None:
        path.write_bytes(content)
    settings.GONGZHI_MAP_MBTILES = str(path)

    with caplog.at_level(logging.ERROR, logger="gongzhi.maps"):
        answers = [user_client.get(f"/map/tiles/1/0/{y}.png") for y in (0, 1, 0)]

    assert [a.status_code for a in answers] == [503, 503, 503]
    assert {a.json()["code"] for a in answers} == {code}
    assert "Traceback" not in answers[0].content.decode()
    assert len([r for r in caplog.records if r.name == "gongzhi.maps"]) == 1


def test_a_corrupted_file_recovers_when_it_is_replaced(user_client, tmp_path, settings):
    path = tmp_path / "swap.mbtiles"
    path.write_bytes(b"garbage" * 1000)
    settings.GONGZHI_MAP_MBTILES = str(path)
    assert user_client.get("/map/tiles/1/0/0.png").status_code == 503

    write_mbtiles(path, {(1, 0, 0): _png((1, 2, 3))}, {"format": "png"})

    assert user_client.get("/map/tiles/1/0/0.png").status_code == 200


def test_a_vector_file_is_refused(user_client, tmp_path, settings):
    path = write_mbtiles(tmp_path / "vector.mbtiles", {(1, 0, 0): b"\x1f\x8b\x08\x00pbf"}, {"format": "pbf"})
    settings.GONGZHI_MAP_MBTILES = str(path)

    response = user_client.get("/map/tiles/1/0/0.png")
    errors = check_raster_source()

    assert response.status_code == 503 and response.json()["code"] == "tiles_vector"
    assert [e.id for e in errors] == ["gongzhi.E303"]
    assert "vector tiles" in errors[0].msg and "raster" in errors[0].msg
    assert raster.attributes() == {"data-tiles": ""}  # nothing the client could draw


def test_the_file_is_opened_read_only(user_client, mbtiles):
    before = mbtiles.read_bytes()
    user_client.get("/map/tiles/1/0/0.png")
    from gongzhi.core.maps.mbtiles import open_mbtiles

    conn, _stamp = open_mbtiles(str(mbtiles))._connection()
    with pytest.raises(Exception, match="readonly|read-only|query_only"):
        conn.execute("DELETE FROM tiles")
    assert mbtiles.read_bytes() == before


# --- settings → attributes → CSP ----------------------------------------------------------------

def test_no_raster_source_by_default(settings):
    settings.GONGZHI_MAP_MBTILES = settings.GONGZHI_MAP_TILE_URL = settings.GONGZHI_TIANDITU_KEY = ""

    assert raster.attributes() == {"data-tiles": ""}
    assert "img-src 'self' data: blob:;" in content_security_policy()


def test_mbtiles_attributes_come_from_its_metadata(mbtiles, settings):
    settings.GONGZHI_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"  # the file comes first

    attrs = raster.attributes()

    assert re.fullmatch(r"/map/tiles/\{z\}/\{x\}/\{y\}\.png\?v=[0-9a-f]+", attrs["data-tiles"])
    assert attrs["data-tiles-min-zoom"] == attrs["data-tiles-max-zoom"] == "1"
    assert attrs["data-tiles-bounds"] == "-180.000000,-85.000000,0.000000,85.000000"
    assert attrs["data-tiles-attribution"] == "区自然资源局"  # HTML of the metadata: text only
    assert attrs["data-tiles-crs"] == "wgs84"
    assert "data-tiles-labels" not in attrs
    # Served by the platform itself: no tile host in the CSP, not even the configured URL's.
    assert "tiles.example.gov.cn" not in content_security_policy()


def test_a_tile_url_with_subdomains(settings):
    settings.GONGZHI_MAP_MBTILES = ""
    settings.GONGZHI_MAP_TILE_URL = "https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"
    settings.GONGZHI_MAP_TILE_SUBDOMAINS = "123"
    settings.GONGZHI_MAP_TILE_CRS = "GCJ02"
    settings.GONGZHI_MAP_TILE_MAX_ZOOM = "17"
    settings.GONGZHI_MAP_TILE_ATTRIBUTION = "区政务地图"

    attrs = raster.attributes()
    csp = content_security_policy()

    assert attrs["data-tiles"] == "https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"
    assert attrs["data-tiles-subdomains"] == "123" and attrs["data-tiles-crs"] == "gcj02"
    assert attrs["data-tiles-max-zoom"] == "17" and attrs["data-tiles-attribution"] == "区政务地图"
    img_src = next(d for d in csp.split("; ") if d.startswith("img-src")).split()
    assert img_src[4:] == ["https://1.tiles.example.gov.cn", "https://2.tiles.example.gov.cn",
                           "https://3.tiles.example.gov.cn"]


def test_a_tile_url_without_subdomains_and_a_label_layer(settings):
    settings.GONGZHI_MAP_MBTILES = ""
    settings.GONGZHI_MAP_TILE_URL = "http://10.1.2.3:8080/base/{z}/{x}/{y}.png"
    settings.GONGZHI_MAP_TILE_LABELS_URL = "http://10.1.2.4/labels/{z}/{x}/{y}.png"

    attrs = raster.attributes()

    assert "data-tiles-subdomains" not in attrs and attrs["data-tiles-max-zoom"] == "19"
    assert attrs["data-tiles-labels"] == "http://10.1.2.4/labels/{z}/{x}/{y}.png"
    assert "img-src 'self' data: blob: http://10.1.2.3:8080 http://10.1.2.4;" in content_security_policy()


def test_tianditu_with_a_key(settings):
    settings.GONGZHI_MAP_MBTILES = settings.GONGZHI_MAP_TILE_URL = ""
    settings.GONGZHI_TIANDITU_KEY = "abc123&x"

    attrs = raster.attributes()

    assert attrs["data-tiles"].startswith("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile")
    assert "LAYER=vec" in attrs["data-tiles"] and attrs["data-tiles"].endswith("&tk=abc123%26x")
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in attrs["data-tiles"]
    assert "/cva_w/wmts?" in attrs["data-tiles-labels"] and "LAYER=cva" in attrs["data-tiles-labels"]
    assert attrs["data-tiles-subdomains"] == "01234567" and attrs["data-tiles-max-zoom"] == "18"
    assert attrs["data-tiles-crs"] == "wgs84" and attrs["data-tiles-attribution"] == "天地图"
    assert "img-src 'self' data: blob: https://*.tianditu.gov.cn;" in content_security_policy()


def test_a_tile_url_comes_before_tianditu(settings):
    settings.GONGZHI_MAP_MBTILES = ""
    settings.GONGZHI_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    settings.GONGZHI_TIANDITU_KEY = "abc"

    assert raster.attributes()["data-tiles"] == "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    assert "tianditu" not in content_security_policy()


def test_every_map_page_renders_the_attributes_and_views_pass_no_tile_url(login_as, demo, settings):
    from gongzhi.areas.models import Area
    from gongzhi.cases import services

    lon, lat = Area.objects.get(code="34170200100101").centroid
    case = services.report_case(actor=demo.users["resident"], description="门口路灯坏了一周", lon=lon, lat=lat)
    settings.GONGZHI_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png?a=1&b=2"
    settings.GONGZHI_MAP_TILE_CRS = "gcj02"
    client = login_as("district")
    pages = ["/areas/map/", "/areas/341702/", "/cases/report/", f"/cases/{case.pk}/", "/cases/map/",
             "/cases/stats/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert 'data-tiles="https://tiles.example.gov.cn/{z}/{x}/{y}.png?a=1&amp;b=2"' in body, url
        assert 'data-tiles-crs="gcj02"' in body, url
        assert body.index("leaflet/leaflet.js") < body.index("gongzhi/coords.js") < body.index("gongzhi/raster.js")
        assert response.context.get("tile_url") is None, url


def test_the_attributes_are_escaped(settings):
    settings.GONGZHI_MAP_MBTILES = ""
    settings.GONGZHI_MAP_TILE_URL = 'https://t.example/{z}/{x}/{y}.png"><script>alert(1)</script>'
    settings.GONGZHI_MAP_TILE_ATTRIBUTION = "<b>x</b>"

    html = str(raster.map_attrs())

    assert "<script>" not in html and "<b>" not in html and "&quot;&gt;&lt;script&gt;" in html


# --- the startup check and the command ----------------------------------------------------------

def test_the_check_passes_for_a_raster_file_and_without_one(mbtiles, settings):
    assert check_raster_source() == []
    settings.GONGZHI_MAP_MBTILES = ""
    assert check_raster_source() == []


def test_the_check_refuses_a_missing_file_and_an_unknown_crs(tmp_path, settings):
    settings.GONGZHI_MAP_MBTILES = str(tmp_path / "nowhere.mbtiles")
    settings.GONGZHI_MAP_TILE_CRS = "bd09"

    assert sorted(e.id for e in check_raster_source()) == ["gongzhi.E301", "gongzhi.E302"]


def test_the_check_command_prints_metadata_and_counts(tmp_path):
    path = make_mbtiles(tmp_path / "district.mbtiles", BOUNDS, [10, 11, 12], attribution="区自然资源局")
    out = io.StringIO()

    call_command("map_tiles_check", str(path), stdout=out)

    text = out.getvalue()
    assert "format:      png" in text and "zoom:        10–12" in text and "区自然资源局" in text
    assert re.search(r"z10 +\d+ of \d+ in bounds", text)
    assert re.search(r"z11 +4 of 4 in bounds", text) and re.search(r"z12 +9 of 9 in bounds", text)
    assert "OK:" in text


def test_the_check_command_refuses_vector_and_broken_files(tmp_path):
    vector = write_mbtiles(tmp_path / "v.mbtiles", {(1, 0, 0): tile_image(1, 0, 0)}, {"format": "pbf"})
    broken = tmp_path / "b.mbtiles"
    broken.write_bytes(b"nope" * 100)

    with pytest.raises(CommandError, match="vector tiles"):
        call_command("map_tiles_check", str(vector), stdout=io.StringIO())
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("map_tiles_check", str(broken), stdout=io.StringIO())


def test_manage_check_stops_on_a_vector_file(tmp_path, settings):
    from django.core.management.base import SystemCheckError

    vector = write_mbtiles(tmp_path / "v.mbtiles", {(1, 0, 0): b"\x1a\x03pbf"}, {"format": "pbf"})
    settings.GONGZHI_MAP_MBTILES = str(vector)

    with pytest.raises(SystemCheckError, match=r"gongzhi\.E303.*vector tiles"):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
