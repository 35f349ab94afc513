"""NUL characters are refused on every form and page with a Chinese message, never stored
(PostgreSQL cannot hold them: without the guard a case description or a note was a 500)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.middleware.csrf import get_token
from django.test import Client
from PIL import Image

from gongzhi.areas.models import Area
from gongzhi.cases.models import Case, CaseEvent, CaseStatus
from tests.urlmap import plain_paths

pytestmark = pytest.mark.django_db

MESSAGE = "提交的内容含有不允许的空字符（U+0000），请删除后重新提交。"
GRID = "34170200100101"


@pytest.fixture
def site(demo):
    from gongzhi.cases.demo_links import link_departments

    link_departments()
    lon, lat = Area.objects.get(code=GRID).centroid
    return SimpleNamespace(**vars(demo), lon=lon, lat=lat)


def jpeg() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 10, 10)).save(out, "JPEG")
    out.seek(0)
    out.name = "photo.jpg"
    return out


def assert_refused(response):
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()


def test_a_case_description_with_nul_is_refused_with_a_message(site, client):
    client.force_login(site.users["grid"])
    form = {"description": "幸福路人行道\x00地砖破损，容易绊倒行人", "lon": site.lon, "lat": site.lat}
    assert_refused(client.post("/cases/report/", form))
    assert_refused(client.post("/cases/report/", {**form, "photos": jpeg()}))  # multipart, with a photo
    assert not Case.objects.exists()
    form["description"] = form["description"].replace("\x00", "")
    assert client.post("/cases/report/", form).status_code == 302
    assert Case.objects.count() == 1


def test_an_action_note_with_nul_is_refused_and_the_case_is_unchanged(site, client):
    client.force_login(site.users["grid"])
    client.post("/cases/report/", {"description": "幸福路人行道地砖破损，容易绊倒行人", "lon": site.lon, "lat": site.lat})
    case = Case.objects.get()
    events = CaseEvent.objects.count()
    client.force_login(site.users["community"])
    response = client.post(f"/cases/{case.pk}/act/", {"action": "reject", "note": "无\x00效", "version": case.version})
    assert_refused(response)
    assert Case.objects.get().status == case.status == CaseStatus.REPORTED
    assert CaseEvent.objects.count() == events


def test_a_nul_in_a_page_query_string_is_refused(site, client):
    client.force_login(site.users["street"])
    assert_refused(client.get("/cases/", {"q": "a\x00b"}))
    assert_refused(client.get("/registry/persons/", {"q": "a\x00b"}))


def test_every_page_that_accepts_a_post_refuses_nul_before_anything_else(site):
    """The guard needs no help from the app: every parameterless page of the URL map, posted a
    NUL by a signed-in administrator, answers the 400 with the message (found from the URL map,
    so a new app's forms are covered too). The CSRF check is on: it reads the body first."""
    paths = sorted({p for p in plain_paths()
                    if not p.startswith(("/api/", "/open311/", "/static/", "/healthz"))})
    assert len(paths) > 20
    for username in ("admin", "street"):
        client = Client(enforce_csrf_checks=True)
        client.force_login(site.users[username])
        token = get_token(client.get("/accounts/login/").wsgi_request)
        client.cookies[settings.CSRF_COOKIE_NAME] = token
        for path in paths:
            response = client.post(path, {"csrfmiddlewaretoken": token, "text": "a\x00b"})
            assert response.status_code == 400, (path, response.status_code)
            assert MESSAGE in response.content.decode(), path
