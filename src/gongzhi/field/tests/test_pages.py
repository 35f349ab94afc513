"""The field app's pages: the shell, its manifest and service worker, the offline pack (the worker's
grids only, masked as on screen), the key that leaves with logout, the field day on the session."""

from __future__ import annotations

import json
import re
import time

import pytest
from PIL import Image
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from gongzhi.accounts.middleware import SESSION_FIELD_UNTIL
from gongzhi.field import keys

pytestmark = pytest.mark.django_db


def test_the_pack_holds_the_workers_grid_only_with_phones_masked(client, field):
    client.force_login(field.worker)
    response = client.get(reverse("field:data"))
    assert response.status_code == 200
    body = response.json()
    text = json.dumps(body, ensure_ascii=False)
    assert "张大伯" in text and "李邻格" not in text and "邻格路1号" not in text
    assert "13800001111" not in text and "138****1111" in text
    assert field.head.id_number not in text
    assert [g["code"] for g in body["pack"]["grids"]] == [field.grid.code]
    assert [c["id"] for c in body["pack"]["tasks"]["to_verify"]] == [field.to_verify.pk]
    assert body["pack"]["tasks"]["to_verify"][0]["version"] == field.to_verify.version
    assert len(body["key"]) == 44 and body["user"] == field.worker.pk
    assert body["expires_at"] > time.time() + 3600


def test_the_pack_opens_a_field_day_on_the_session(client, field):
    client.force_login(field.worker)
    client.get(reverse("field:data"))
    session = client.session
    assert session[SESSION_FIELD_UNTIL] > time.time() + (settings.GONGZHI_FIELD_OFFLINE_HOURS - 1) * 3600
    client.get(reverse("field:shell"))
    assert client.session.get_expiry_age() >= settings.GONGZHI_FIELD_OFFLINE_HOURS * 3600 - 5


def test_the_cache_key_is_stable_per_user_and_leaves_with_logout(client, field):
    client.force_login(field.worker)
    first = client.get(reverse("field:data")).json()["key"]
    assert client.get(reverse("field:data")).json()["key"] == first
    assert keys.cache_key(field.users["community"]) != first
    response = client.post(reverse("accounts:logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    client.force_login(field.worker)
    assert client.get(reverse("field:data")).json()["key"] != first


def test_the_manifest_makes_the_app_installable(client, field):
    client.force_login(field.worker)
    manifest = client.get(reverse("field:manifest"))
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["start_url"] == data["scope"] == reverse("field:shell") and data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        found = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        size = int(icon["sizes"].split("x")[0])
        assert found and Image.open(found).size == (size, size)


def test_the_service_worker_caches_every_file_the_shell_loads(client, field):
    client.force_login(field.worker)
    shell = client.get(reverse("field:shell")).content.decode()
    worker = client.get(reverse("field:service_worker"))
    assert worker["Service-Worker-Allowed"] == reverse("field:shell")
    assert worker["Content-Type"].startswith("text/javascript")
    source = worker.content.decode()
    cached = json.loads(re.search(r"var ASSETS = (\[.*?\]);", source).group(1))
    loaded = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', shell)
    assert loaded and set(loaded) <= set(cached)
    assert 'rel="manifest"' in shell and "离线工作台" in shell


def test_the_shell_is_for_grid_workers(client, field):
    assert client.get(reverse("field:shell")).status_code == 302
    client.force_login(field.users["community"])
    assert client.get(reverse("field:shell")).status_code == 403


def test_the_pack_takes_the_same_queries_for_one_house_or_forty(client, field):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.registry.models import House, Household
    from gongzhi.registry.tests.factories import make_person

    client.force_login(field.worker)
    client.get(reverse("field:data"))  # the cache key row exists from here on
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("field:data"))
    for n in range(40):
        house = House.objects.create(area=field.grid, address=f"幸福路{n + 100}号")
        household = Household.objects.create(area=field.grid, number=f"H{n + 100}", house=house)
        make_person(name=f"住户{n}", house=house, household=household, phone=f"1390000{n:04d}")
    with CaptureQueriesContext(connection) as forty:
        body = client.get(reverse("field:data")).json()
    assert len(body["pack"]["houses"]) == 41
    assert len(forty) == len(one) <= 20


def test_a_pack_says_when_the_grid_holds_more_houses_than_it_carries(client, field, settings):
    from gongzhi.registry.models import House

    settings.GONGZHI_FIELD_MAX_HOUSES = 2
    client.force_login(field.worker)
    assert client.get(reverse("field:data")).json()["pack"]["houses_left_out"] is False
    House.objects.create(area=field.grid, address="幸福路1号")
    House.objects.create(area=field.grid, address="幸福路2号")
    pack = client.get(reverse("field:data")).json()["pack"]
    assert len(pack["houses"]) == 2 and pack["houses_left_out"] is True
