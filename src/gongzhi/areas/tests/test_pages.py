"""Staff pages: tree, detail, htmx children, map, GeoJSON, import (check then confirm) and export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongzhi.areas.models import Area
from gongzhi.areas.views import IMPORT_SESSION_KEY

from .builders import csv_bytes, square

pytestmark = pytest.mark.django_db

NEW_GRID = ("34170200100111", "幸福社区第11网格", "grid", "341702001001", square(117.401, 30.701, 117.402, 30.702))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def staged_files(media) -> list:
    folder = media / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


# --- Tree, detail, map ------------------------------------------------------------------------


def test_tree_shows_the_users_roots_and_export_buttons(login_as):
    body = login_as("district").get("/areas/").content.decode()

    assert 'data-testid="area-tree"' in body and "示范区" in body
    assert "/areas/export.csv" in body and "/areas/export.geojson" in body
    assert 'href="/areas/import/"' in body


def test_street_staff_sees_no_import_button_or_menu_entry(login_as):
    body = login_as("street").get("/areas/").content.decode()

    assert "/areas/export.csv" in body
    assert 'href="/areas/import/"' not in body


def test_residents_may_not_browse_areas(login_as):
    assert login_as("resident").get("/areas/").status_code == 403


def test_detail_lists_the_children(login_as):
    response = login_as("street").get("/areas/341702001001/")

    assert response.status_code == 200
    assert response.context["area"].code == "341702001001"
    assert len(response.context["children"]) == 10
    assert [a.code for a in response.context["ancestors"]] == ["341702001"]


def test_htmx_children_fragment_is_only_the_list(login_as):
    response = login_as("district").get("/areas/341702/?fragment=children", HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and body.count("<li>") == 4
    assert "东城街道" in body and "南湖街道" in body
    assert "青山镇</a> <span class=\"muted\">镇 · 341702101</span>" in body


def test_grid_worker_gets_404_for_an_area_outside_their_grid(login_as):
    client = login_as("grid")

    assert client.get("/areas/34170200100101/").status_code == 200
    assert client.get("/areas/34170200100102/").status_code == 404
    assert client.get("/areas/341702001001/").status_code == 404
    assert client.get("/areas/341702001001/geojson/").status_code == 404


def test_search_finds_by_name_and_level(login_as):
    response = login_as("street").get("/areas/?q=幸福&level=grid")

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 10


def test_map_page_points_at_the_geojson_and_has_no_tiles_by_default(login_as):
    body = login_as("district").get("/areas/map/").content.decode()

    assert 'data-geojson="geojson/"' in body and 'data-tiles=""' in body


def test_map_page_uses_a_configured_tile_url(login_as, settings):
    settings.GONGZHI_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"

    body = login_as("district").get("/areas/map/").content.decode()

    assert 'data-tiles="https://tiles.example.gov.cn/{z}/{x}/{y}.png"' in body


@pytest.mark.parametrize("user, url, count", [
    ("district", "/areas/map/geojson/", 132),
    ("street", "/areas/map/geojson/", 40),
    ("grid", "/areas/map/geojson/", 1),
    ("district", "/areas/341702001001/geojson/", 10),
])
def test_geojson_endpoint_returns_the_visible_grids(login_as, user, url, count):
    body = login_as(user).get(url).json()

    assert body["type"] == "FeatureCollection" and len(body["features"]) == count
    assert set(body["features"][0]["properties"]) == {"code", "name", "parent"}


# --- Query counts -----------------------------------------------------------------------------


def queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **extra).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def framework_queries(login_as):
    """Queries every page makes (session, user, roles, scope, menu badge), measured on the map page."""
    client = login_as("district")
    client.get("/areas/map/")
    return queries(client, "/areas/map/")


@pytest.mark.parametrize("url, own, extra", [
    ("/areas/", 2, {}),
    ("/areas/341702/", 3, {}),
    ("/areas/341702001/", 4, {}),
    ("/areas/341702001001/", 4, {}),
    ("/areas/34170200100101/", 4, {}),
    ("/areas/341702/?fragment=children", 3, {"HTTP_HX_REQUEST": "true"}),
    ("/areas/341702001001/?fragment=children", 3, {"HTTP_HX_REQUEST": "true"}),
    ("/areas/?level=grid", 3, {}),
    ("/areas/?q=社区&page=2", 3, {}),
    ("/areas/map/geojson/", 1, {}),
    ("/areas/341702001001/geojson/", 2, {}),
    ("/areas/import/", 0, {}),
])
def test_page_query_counts_are_pinned(login_as, framework_queries, django_assert_max_num_queries, url, own, extra):
    client = login_as("district")
    with django_assert_max_num_queries(framework_queries + own):
        assert client.get(url, **extra).status_code == 200


def test_detail_query_count_does_not_grow_with_the_children(login_as):
    client = login_as("district")
    client.get("/areas/")

    # 3 streets, 10 grids and no children at all: the same number of queries.
    assert queries(client, "/areas/341702001/") == queries(client, "/areas/341702001001/") == \
        queries(client, "/areas/341702002001/")


# --- Import -----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["grid", "street", "community", "resident"])
def test_only_area_managers_may_open_the_import_page(login_as, user):
    client = login_as(user)

    assert client.get("/areas/import/").status_code == 403
    upload = SimpleUploadedFile("a.csv", csv_bytes([NEW_GRID]), content_type="text/csv")
    assert client.post("/areas/import/", {"file": upload}).status_code == 403
    assert client.post("/areas/import/confirm/", {"token": "x" * 32}).status_code == 403


def test_import_page_states_the_all_or_nothing_policy_and_is_in_the_menu(login_as):
    body = login_as("district").get("/areas/import/").content.decode()

    assert "全部成功才写入" in body
    assert 'enctype="multipart/form-data"' in body
    assert '<a href="/areas/import/"' in body


def test_import_menu_entry_is_hidden_from_street_staff(login_as):
    body = login_as("street").get("/areas/").content.decode()

    assert "区划导入" not in body


def test_uploading_a_bad_file_lists_errors_and_writes_nothing(login_as, media):
    rows = [NEW_GRID, ("34170200100112", "", "grid", "341702001009", "")]
    upload = SimpleUploadedFile("grids.csv", csv_bytes(rows), content_type="text/csv")

    response = login_as("district").post("/areas/import/", {"file": upload})

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="import-errors"' in body
    assert [(e.row, e.column) for e in response.context["report"].errors] == [(3, "name"), (3, "parent")]
    assert "上级代码 341702001009 不存在" in body
    assert 'data-testid="import-confirm"' not in body
    assert not Area.objects.filter(code="34170200100111").exists()
    assert staged_files(media) == []


def test_check_then_confirm_imports_the_staged_file(login_as, media):
    client = login_as("district")
    upload = SimpleUploadedFile("grids.csv", csv_bytes([NEW_GRID]), content_type="text/csv")

    checked = client.post("/areas/import/", {"file": upload})

    assert 'data-testid="import-confirm"' in checked.content.decode()
    assert checked.context["report"].counts()["created"] == 1
    assert not Area.objects.filter(code="34170200100111").exists()
    assert len(staged_files(media)) == 1
    token = client.session[IMPORT_SESSION_KEY]["token"]

    done = client.post("/areas/import/confirm/", {"token": token}, follow=True)

    assert done.redirect_chain[-1][0] == "/areas/import/"
    assert "导入完成（grids.csv）：共 1 行，新增 1，更新 0，未变 0。" in done.content.decode()
    assert Area.objects.get(code="34170200100111").centroid == [117.4015, 30.7015]
    assert staged_files(media) == []
    assert IMPORT_SESSION_KEY not in client.session
    again = client.post("/areas/import/confirm/", {"token": token}, follow=True)
    assert "待导入的文件已失效" in again.content.decode()


def test_confirm_with_a_foreign_token_writes_nothing(login_as, media):
    client = login_as("district")
    client.post("/areas/import/", {"file": SimpleUploadedFile("g.csv", csv_bytes([NEW_GRID]))})

    for token in ("A" * 32, "网格" * 16, ""):
        response = client.post("/areas/import/confirm/", {"token": token}, follow=True)

        assert "待导入的文件已失效" in response.content.decode()
    assert not Area.objects.filter(code="34170200100111").exists()


def test_confirm_rechecks_against_the_database(login_as, media):
    client = login_as("district")
    client.post("/areas/import/", {"file": SimpleUploadedFile("g.csv", csv_bytes([NEW_GRID]))})
    # Meanwhile the community is redrawn elsewhere: the staged grid now lies outside it.
    Area.objects.filter(code="341702001001").update(geometry=square(117.0, 30.0, 117.1, 30.1))

    response = client.post("/areas/import/confirm/", {"token": client.session[IMPORT_SESSION_KEY]["token"]})

    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["report"].errors] == [(2, "geometry")]
    assert not Area.objects.filter(code="34170200100111").exists()


def test_unreadable_upload_is_a_form_error(login_as):
    upload = SimpleUploadedFile("a.csv", "代码,名称\n".encode("gbk"))

    response = login_as("district").post("/areas/import/", {"file": upload})

    assert "不是 UTF-8 编码" in response.content.decode()
    assert "report" not in response.context


def test_upload_of_another_file_type_is_refused(login_as):
    upload = SimpleUploadedFile("a.xlsx", b"PK\x03\x04")

    response = login_as("district").post("/areas/import/", {"file": upload})

    assert "的内容不是 .csv、.geojson 或 .json 格式" in response.content.decode()


def test_import_post_without_csrf_token_is_refused(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.users["district"])

    response = client.post("/areas/import/", {"file": SimpleUploadedFile("g.csv", csv_bytes([NEW_GRID]))})

    assert response.status_code == 403
    assert not Area.objects.filter(code="34170200100111").exists()


# --- Export -----------------------------------------------------------------------------------


def test_csv_export_download_is_scoped(login_as):
    response = login_as("street").get("/areas/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="areas-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 45 and all(r["code"].startswith("341702001") for r in rows)


def test_geojson_export_download(login_as):
    response = login_as("grid").get("/areas/export.geojson")

    assert response["Content-Type"] == "application/geo+json"
    features = json.loads(response.content)["features"]
    assert [f["properties"]["code"] for f in features] == ["34170200100101"]


def test_residents_may_not_export(login_as):
    assert login_as("resident").get("/areas/export.csv").status_code == 403
