"""长辈模式: a switch on every resident page, remembered per account, that marks the page for larger
type, higher contrast and bigger targets, and shows fewer items per page."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_resident_switches_it_on_and_it_is_remembered(login_as, demo):
    resident = login_as("resident")
    page = resident.get("/m/").content.decode()
    assert 'data-testid="elder-switch"' in page and "长辈模式" in page and ' elder"' not in page
    answer = resident.post("/accounts/elder-mode/", {"on": "1", "next": "/m/"})
    assert answer.status_code == 302 and answer["Location"] == "/m/"
    demo.users["resident"].refresh_from_db()
    assert demo.users["resident"].elder_mode is True
    page = resident.get("/m/").content.decode()
    assert 'class="layout-mobile elder"' in page and "标准模式" in page and 'aria-pressed="true"' in page
    resident.post("/accounts/elder-mode/", {"on": "0", "next": "/m/"})
    demo.users["resident"].refresh_from_db()
    assert demo.users["resident"].elder_mode is False


def test_it_goes_back_only_to_this_site_and_needs_csrf(login_as, demo):
    answer = login_as("resident").post("/accounts/elder-mode/", {"on": "1", "next": "https://evil.example/"})
    assert answer["Location"] == "/"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(demo.users["resident"])
    assert strict.post("/accounts/elder-mode/", {"on": "0"}).status_code == 403
    assert Client().post("/accounts/elder-mode/", {"on": "1"}).status_code == 302  # to the login page
    assert login_as("resident").get("/accounts/elder-mode/").status_code == 405


def test_staff_pages_do_not_offer_it(login_as):
    assert 'data-testid="elder-switch"' not in login_as("community").get("/console/").content.decode()


def test_fewer_items_per_page_in_elder_mode(login_as, demo):
    from gongzhi.areas.models import Area
    from gongzhi.deliberation.models import Vote

    area = Area.objects.get(code="341702001001")
    now = timezone.now()
    Vote.objects.bulk_create([Vote(title=f"表决{i}", area=area, electorate="residents", rule="simple_majority",
                                   options=["同意", "反对"], opens=now - datetime.timedelta(hours=i),
                                   closes=now + datetime.timedelta(days=1)) for i in range(12)])
    resident = login_as("resident")
    assert resident.get("/deliberation/votes/").content.decode().count('href="/deliberation/votes/') >= 12
    demo.users["resident"].elder_mode = True
    demo.users["resident"].save(update_fields=["elder_mode"])
    page = login_as("resident").get("/deliberation/votes/").content.decode()
    rows = page.split('data-testid="vote-table"')[1].split("</table>")[0]
    assert rows.count("<tr>") == 1 + 8  # the heading and eight votes
    assert "第 1 / 2 页" in page
