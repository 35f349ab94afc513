"""The upload guard: types from content, workbook structure while streaming, limits before reading.

The corpus of hostile files against every upload endpoint is ``tests/test_hostile_uploads.py``;
these pin the guard's own rules.
"""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import resolve
from openpyxl import Workbook

from gongzhi.core import uploads
from tests import hostile_files as hostile


def refusal(kind, name: str, content: bytes) -> uploads.UploadRefused:
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_file(kind, SimpleUploadedFile(name, content))
    return refused.value


def openpyxl_workbook(rows: int, columns: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in range(rows):
        sheet.append([f"r{row}c{column}" for column in range(columns)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_ordinary_workbook_csv_and_photo_pass():
    workbook = SimpleUploadedFile("a.xlsx", openpyxl_workbook(2000, 12))
    assert uploads.check_file(uploads.RESIDENT_SHEET, workbook).name == "XLSX"
    gb18030 = SimpleUploadedFile("a.csv", "姓名,身份证号\n".encode("gb18030"))
    assert uploads.check_file(uploads.RESIDENT_SHEET, gb18030).name == "CSV"
    assert uploads.check_file(uploads.PHOTO, SimpleUploadedFile("x.bin", hostile.mpo_photo())).name == "JPEG"


def test_a_lone_cell_at_the_last_excel_cell_is_refused_naming_the_limit():
    refused = refusal(uploads.RESIDENT_SHEET, "a.xlsx", hostile.sparse_xlsx())
    assert refused.reason == "extent" and "本文件用到第 1,048,576 行" in refused.message
    assert "最多 300,000 行" in refused.message  # the limit, named


def test_the_extent_check_is_not_fooled_by_layout_or_part_names():
    sparse = hostile.sparse_xlsx()
    source = zipfile.ZipFile(io.BytesIO(sparse))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":  # attributes on new lines, single quotes
                data = data.replace(b'<c r="XFD1048576"', b"<c\n  r='XFD1048576'")
                target.writestr("xl/elsewhere.xml", data)  # and the sheet under another part name
            elif entry.filename == "xl/_rels/workbook.xml.rels":  # which the workbook's relations name
                target.writestr(entry, data.replace(b"worksheets/sheet1.xml", b"elsewhere.xml"))
            else:
                target.writestr(entry, data)
    assert refusal(uploads.RESIDENT_SHEET, "a.xlsx", out.getvalue()).reason == "extent"


@pytest.mark.parametrize("make", [hostile.zip_bomb_xlsx, hostile.huge_inline_string_xlsx])
def test_a_workbook_that_inflates_far_beyond_its_size_is_refused(make):
    refused = refusal(uploads.RESIDENT_SHEET, "a.xlsx", make())
    assert refused.reason in ("bomb", "text") and "已拒绝" in refused.message


@pytest.mark.parametrize(("kind", "name", "content"), [
    (uploads.RESIDENT_SHEET, "a.xlsx", hostile.real_photo("PNG")),  # a PNG named .xlsx
    (uploads.RESIDENT_SHEET, "a.csv", openpyxl_workbook(2, 2)),  # a workbook named .csv (the reader goes by name)
    (uploads.RESIDENT_SHEET, "a.csv", hostile.EXE),
    (uploads.AREA_FILE, "a.geojson", b"code,name\n"),  # a CSV named .geojson
    (uploads.PHOTO, "a.jpg", hostile.HTML),
    (uploads.PHOTO, "a.jpg", hostile.SVG),
    (uploads.PHOTO, "a.jpg", openpyxl_workbook(2, 2)),
])
def test_types_are_recognised_from_content_not_from_the_name(kind, name, content):
    refused = refusal(kind, name, content)
    assert refused.reason == "type" and "已拒绝" in refused.message


def test_size_is_read_from_the_upload_not_its_content(settings):
    settings.GONGZHI_CASE_PHOTO_MAX_BYTES = 100

    class Unreadable(SimpleUploadedFile):
        def read(self, *args):  # the size check must not read
            raise AssertionError("read")

    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_file(uploads.PHOTO, Unreadable("a.jpg", hostile.real_photo()))
    assert refused.value.reason == "size" and "上限为 100" in refused.value.message.replace("\xa0", " ")


def test_base64_files_are_counted_and_sized_before_decoding(settings):
    settings.GONGZHI_CASE_PHOTO_MAX_BYTES = 1000
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.decode_base64_files(uploads.PHOTO, ["!"] * 7)  # not base64, but too many comes first
    assert refused.value.fields == {"photos": "count"}
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.decode_base64_files(uploads.PHOTO, ["!" * 2000])
    assert refused.value.fields == {"photos": "size"}
    photo = hostile.real_photo()
    assert uploads.decode_base64_files(uploads.PHOTO, [base64.b64encode(photo).decode()]) == [photo]


def test_a_view_that_reads_files_without_declaring_it_is_a_programming_error():
    request = RequestFactory().post("/cases/mine/", {"photos": SimpleUploadedFile("a.jpg", hostile.real_photo())})
    request.resolver_match = resolve("/cases/mine/")
    with pytest.raises(ImproperlyConfigured):
        uploads.files_from(request, uploads.PHOTO, "photos")
    request.resolver_match = resolve("/cases/report/")
    assert len(uploads.files_from(request, uploads.PHOTO, "photos")) == 1


@pytest.mark.django_db
def test_an_oversized_form_post_gets_a_chinese_413_page_before_it_is_read(login_as):
    client = login_as("community")
    response = client.post("/registry/import/", {"area": "x"}, CONTENT_LENGTH=str(30 * 1024 * 1024))
    html = response.content.decode().replace("\xa0", " ")
    assert response.status_code == 413 and "提交的内容过大（30.0 MB），此处上限为 21.0 MB" in html
