"""Importing road and river layers: GeoJSON and zipped Shapefiles, name field, CRS check, errors by
feature number, re-import replaces, audit, the page, delete and the management command."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from gongzhi.audit.models import AuditEntry
from gongzhi.basemap import services
from gongzhi.basemap.models import LayerBatch, MapFeature
from gongzhi.core import uploads

from . import layer_files as files

pytestmark = pytest.mark.django_db
URL = "/areas/map/layers/"


def post(client, data: bytes, name: str, **fields):
    upload = SimpleUploadedFile(name, data)
    return client.post(URL, {"file": upload, "kind": fields.pop("kind", "road"), **fields})


def test_a_shapefile_is_imported_with_its_names_and_a_reimport_replaces_it(client, login_as, demo):
    login_as("district")
    response = post(client, files.shapefile_zip(), "roads.zip", name_field="路名")
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = LayerBatch.objects.get(name="roads")
    assert batch.feature_count == 2 and batch.name_field == "路名" and batch.source == "roads.zip"
    assert sorted(MapFeature.objects.filter(batch=batch).values_list("name", flat=True)) == ["学苑路", "滨湖大道"]
    feature = MapFeature.objects.get(name="滨湖大道")
    assert feature.geometry["type"] == "LineString" and feature.west == pytest.approx(117.41)
    # The same file again: the layer is replaced, not doubled.
    assert post(client, files.shapefile_zip(), "roads.zip", name_field="路名").status_code == 302
    assert MapFeature.objects.filter(batch__name="roads").count() == 2
    assert LayerBatch.objects.filter(name="roads").count() == 1
    entries = AuditEntry.objects.filter(action="areas.basemap_import", success=True)
    assert entries.count() == 2 and entries.order_by("seq").last().after["replaced"] == 2
    # The roads are on the map of anyone in the district.
    login_as("resident")
    body = client.get("/api/v1/basemap/features", {"bbox": "117.40,30.64,117.50,30.66"}).json()
    assert "滨湖大道" in {f["properties"]["name"] for f in body["features"]}


def test_the_name_field_is_found_by_itself_or_refused_when_missing(client, login_as, demo):
    login_as("district")
    data = files.shapefile_zip(field="NAME")
    assert post(client, data, "named.zip").status_code == 302  # NAME is a usual name field
    assert set(MapFeature.objects.values_list("name", flat=True)) == {"学苑路", "滨湖大道"}
    response = post(client, data, "named.zip", name_field="ROAD_NM")
    assert "文件中没有名称字段“ROAD_NM”" in response.content.decode()
    assert "NAME" in response.content.decode()


def test_a_projected_or_foreign_crs_is_refused_in_chinese(client, login_as, demo):
    login_as("district")
    page = post(client, files.shapefile_zip(prj=files.GAUSS_PRJ), "gk.zip").content.decode()
    assert "是投影坐标" in page and "CGCS2000_3_Degree_GK_CM_117E" in page
    page = post(client, files.shapefile_zip(prj=files.XIAN80_PRJ), "xian.zip").content.decode()
    assert "只接受 WGS-84 或 CGCS2000" in page
    assert post(client, files.shapefile_zip(prj=files.CGCS2000_PRJ), "cgcs.zip").status_code == 302
    crs = files.geojson([files.road_feature("路", [[117.41, 30.65], [117.42, 30.65]])]).replace(
        b'{"type": "FeatureCollection"',
        b'{"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}}, "type": "FeatureCollection"')
    assert "坐标系“urn:ogc:def:crs:EPSG::4549”不支持" in post(client, crs, "crs.geojson").content.decode()
    assert MapFeature.objects.count() == 2 and AuditEntry.objects.filter(action="areas.basemap_import",
                                                                         success=False).count() == 3


def test_each_bad_feature_is_reported_by_number_and_nothing_is_written(client, login_as, demo):
    login_as("district")
    data = files.geojson([
        files.road_feature("好路", [[117.41, 30.65], [117.42, 30.65]]),
        {"type": "Feature", "properties": {"name": "无几何"}, "geometry": None},
        files.road_feature("一个点", [[117.41, 30.65]]),
        files.road_feature("投影坐标", [[39_500_000.0, 3_390_000.0], [39_500_100.0, 3_390_000.0]]),
        files.road_feature("远方", [[100.0, 20.0], [100.1, 20.0]]),
        {"type": "Feature", "properties": {"name": "面"}, "geometry": {"type": "Point", "coordinates": [117.4, 30.6]}},
    ])
    page = post(client, data, "mixed.geojson").content.decode()
    assert 'data-testid="layer-errors"' in page
    for number, reason in ((2, "没有几何"), (3, "线至少需要 2 个"), (4, "线至少需要 2 个"), (5, "不在本区范围内"),
                           (6, "几何类型“Point”不支持")):
        assert f"<td>{number}</td><td>{reason}" in page, (number, reason)
    assert "<td>1</td>" not in page
    assert MapFeature.objects.count() == 0 and LayerBatch.objects.count() == 0


def test_rivers_and_water_take_polygons(client, login_as, demo):
    login_as("district")
    lake = {"type": "Feature", "properties": {"名称": "南湖"}, "geometry": {"type": "Polygon", "coordinates": [
        [[117.50, 30.62], [117.51, 30.62], [117.51, 30.63], [117.50, 30.63], [117.50, 30.62]]]}}
    assert post(client, files.geojson([lake]), "lakes.geojson", kind="water").status_code == 302
    assert MapFeature.objects.get().name == "南湖"
    page = post(client, files.geojson([lake]), "lakes-as-roads.geojson", kind="road").content.decode()
    assert "几何类型“Polygon”不支持" in page


def test_only_district_staff_import_and_delete(client, login_as, demo):
    login_as("community")
    assert client.get(URL).status_code == 403
    assert post(client, files.shapefile_zip(), "roads.zip").status_code == 403
    login_as("district")
    page = client.get(URL).content.decode()
    assert "还没有导入底图图层" in page
    post(client, files.shapefile_zip(), "roads.zip")
    batch = LayerBatch.objects.get()
    assert "roads.zip" in client.get(URL).content.decode()
    login_as("community")
    assert client.post(f"{URL}{batch.pk}/delete/").status_code == 403
    login_as("district")
    assert client.post(f"{URL}{batch.pk}/delete/").status_code == 302
    assert not LayerBatch.objects.exists() and not MapFeature.objects.exists()
    assert AuditEntry.objects.filter(action="areas.basemap_delete").count() == 1


def test_the_zip_is_judged_by_its_directory_before_anything_is_read():
    def check(data, name="layer.zip"):
        with pytest.raises(uploads.UploadRefused) as refused:
            uploads.check_file(uploads.MAP_LAYER, SimpleUploadedFile(name, data))
        return refused.value
    assert check(files.zip_with_traversal()).reason == "path"
    assert check(files.zip_with_many_members()).reason == "count"
    assert check(files.zip_bomb_shapefile(250)).reason == "bomb"
    assert check(files.zip_of({"roads.shp": b"x", "roads.dbf": b"x"})).reason == "type"  # no .shx
    assert check(files.zip_of({"a.shp": b"x", "a.shx": b"x", "a.dbf": b"x", "run.exe": b"MZ"})).reason == "type"
    assert check(files.zip_of({"C:/roads.shp": b"x"})).reason == "path"
    assert check(files.shapefile_zip(), name="roads.xlsx").reason == "type"
    # A folder of one level is fine (zipping the folder is what people do).
    assert uploads.check_file(uploads.MAP_LAYER, SimpleUploadedFile("ok.zip", files.shapefile_zip(folder="roads/")))


def test_the_management_command_imports_through_the_same_checks(tmp_path, demo):
    path = tmp_path / "道路.zip"
    path.write_bytes(files.shapefile_zip())
    out = io.StringIO()
    call_command("import_basemap", str(path), "--district", "341702", "--user", "district", "--name-field", "路名",
                 stdout=out)
    assert "2 个要素" in out.getvalue()
    call_command("import_basemap", str(path), "--district", "341702", "--user", "district", "--name-field", "路名",
                 stdout=out)
    assert MapFeature.objects.count() == 2 and LayerBatch.objects.get().name == "道路"
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(files.zip_bomb_shapefile(250))
    with pytest.raises(CommandError, match="解压后过大"):
        call_command("import_basemap", str(bomb), "--district", "341702", "--user", "district")
    with pytest.raises(CommandError, match="无权"):
        call_command("import_basemap", str(path), "--district", "341702", "--user", "community")


def test_service_refuses_a_layer_for_an_area_below_the_district(demo):
    from gongzhi.areas.models import Area

    with pytest.raises(services.LayerRefused):
        services.import_layer(actor=demo.users["district"], district=Area.objects.get(code="341702001"),
                              data=files.shapefile_zip(), filename="roads.zip", kind="road")
