"""Rate limits on case reports and ballots (``gongzhi.core.ratelimit``), generous enough for real
work: a grid worker's 30 reports in a morning pass, a resident's eleventh report in an hour does
not. Sign-in (lockout and address throttle: accounts/tests/test_lockout.py, test_captcha.py) and SMS
codes (per phone and per address a day: accounts/tests/test_signup.py) have their own limits and
tests. Open311 files nothing without a client's key (403) and keyed clients are not limited here."""

from __future__ import annotations

import json

import pytest

from gongzhi.audit.models import AuditEntry
from gongzhi.cases.models import Case
from gongzhi.core import ratelimit

pytestmark = pytest.mark.django_db


def report_form(site, n: int) -> dict:
    return {"description": f"第{n}号楼前的路灯坏了，晚上很黑", "lon": site.lon, "lat": site.lat}


@pytest.mark.parametrize(("text", "rate"), [
    ("10/hour", ratelimit.Rate(10, 3600)), ("20/minute", ratelimit.Rate(20, 60)),
    ("5/10 minutes", ratelimit.Rate(5, 600)), ("3/day", ratelimit.Rate(3, 86400)),
    ("off", None), ("0", None), ("", None),
])
def test_limits_are_written_per_unit(text, rate):
    assert ratelimit.parse(text) == rate


def test_a_resident_over_the_report_limit_is_told_to_wait_and_nothing_is_filed(site, settings):
    settings.GONGZHI_RATE_CASE_REPORT = "2/hour"
    client = site.clients["neighbour"]
    before = Case.objects.count()
    for n in range(2):
        assert client.post("/cases/report/", report_form(site, n)).status_code == 302
    for _attempt in range(2):
        refused = client.post("/cases/report/", report_form(site, 3))
        assert refused.status_code == 429
        assert "操作过于频繁，请" in refused.content.decode() and "后再试" in refused.content.decode()
        assert 0 < int(refused["Retry-After"]) <= 3601
    assert Case.objects.count() == before + 2
    # One audit entry for the window, not one per refused attempt.
    entries = AuditEntry.objects.filter(action="security.rate_limited", actor=site.users["neighbour"])
    assert [e.object_id for e in entries] == ["case_report"]


def test_the_api_answers_429_with_retry_after(site, settings):
    settings.GONGZHI_RATE_CASE_REPORT = "1/hour"
    client = site.clients["neighbour"]
    body = json.dumps({"description": "小区门口的井盖松动了，很危险", "lon": site.lon, "lat": site.lat})
    assert client.post("/api/v1/cases", body, content_type="application/json").status_code == 201
    refused = client.post("/api/v1/cases", body, content_type="application/json")
    assert refused.status_code == 429
    assert refused.json() == {"detail": refused.json()["detail"], "code": "rate_limited"}
    assert "操作过于频繁" in refused.json()["detail"] and int(refused["Retry-After"]) > 0


def test_a_grid_worker_reports_thirty_cases_in_a_morning(site, settings):
    settings.GONGZHI_RATE_CASE_REPORT = "1/hour"  # the residents' limit is not the staff's
    client = site.clients["grid"]
    before = Case.objects.count()
    for n in range(30):
        assert client.post("/cases/report/", report_form(site, n)).status_code == 302, n
    assert Case.objects.count() == before + 30


def test_ballot_attempts_are_limited_on_the_page_and_the_api(site, settings):
    settings.GONGZHI_RATE_BALLOT = "2/minute"
    client = site.clients["resident"]
    vote = site.vote.pk
    api = f"/api/v1/votes/{vote}/ballots"
    for _attempt in range(2):  # refused by the vote's rules or counted: attempts all the same
        assert client.post(api, json.dumps({"choice": "同意"}), content_type="application/json").status_code != 429
    refused = client.post(api, json.dumps({"choice": "同意"}), content_type="application/json")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    page = client.post(f"/deliberation/votes/{vote}/ballot/", {"choice": "同意"}, follow=True)
    assert "操作过于频繁" in page.content.decode()


def test_switched_off_for_a_load_test(site, settings):
    settings.GONGZHI_RATE_CASE_REPORT = "off"
    client = site.clients["neighbour"]
    for n in range(12):
        assert client.post("/cases/report/", report_form(site, n)).status_code == 302
