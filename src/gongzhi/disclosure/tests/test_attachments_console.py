"""Attachments go through the shared upload guard and are re-encoded; the console shows what is overdue."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from gongzhi.disclosure import services_items
from gongzhi.disclosure.models import DisclosureItem

pytestmark = pytest.mark.django_db

FORM = {"category": "service", "body": "station", "title": "服务时间调整公示", "content": "周六上午值班。",
        "period_start": "2026-01-01", "period_end": "2026-03-31"}


def _jpeg_with_metadata() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010E] = "居民某某的手机"  # ImageDescription: metadata that must not be published
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_attachments_are_checked_re_encoded_and_public_once_published(login_as, area, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login_as("community")
    photo = SimpleUploadedFile("notice.jpg", _jpeg_with_metadata(), content_type="image/jpeg")
    response = client.post("/disclosure/manage/new/", {**FORM, "area": area.pk, "attachments": [photo]})
    assert response.status_code == 302
    item = DisclosureItem.objects.get(title=FORM["title"])
    [attachment] = item.attachments.all()
    stored = attachment.file.read()
    assert stored.startswith(b"\xff\xd8") and "居民某某".encode() not in stored and b"Exif" not in stored
    url = f"/disclosure/{area.code}/files/{attachment.pk}/"
    assert Client().get(url).status_code == 404  # a draft's attachment is not public
    services_items.publish(actor=None, item=item)
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert url in Client().get(f"/disclosure/{area.code}/items/{item.pk}/").content.decode()


def test_a_file_that_is_not_a_picture_is_refused_before_it_is_read(login_as, area):
    client = login_as("community")
    fake = SimpleUploadedFile("notice.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = client.post("/disclosure/manage/new/", {**FORM, "area": area.pk, "attachments": [fake]})
    assert response.status_code == 422
    assert "不是 JPEG、PNG 或 WebP 格式" in response.content.decode()
    assert not DisclosureItem.objects.exists()


def test_the_console_shows_what_is_overdue(login_as, area, make_item):
    page = login_as("community").get("/console/").content.decode()
    assert 'data-testid="console-disclosure"' in page
    assert "幸福社区" in page and "财务公开：尚未公开过" in page
    resident = login_as("resident").get("/console/")
    assert 'console-disclosure' not in resident.content.decode()
