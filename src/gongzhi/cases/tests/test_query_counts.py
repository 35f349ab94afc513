"""The case pages and APIs run a pinned number of queries, whatever the number of cases they show.

Each test measures the same request with two related cases present and with six: an N+1 (a query
per row, per timeline entry, per duplicate) makes the second count larger. The limits are the
numbers measured when they were pinned, as in tests/api/test_query_counts.py.
"""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from gongzhi.cases import classifier, services
from gongzhi.cases.models import Case, CaseStatus

from .helpers import NOW, case_in, new_case

# Closing on verification keeps these tests about closures to one step (the two steps: test_transitions).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("closes_on_verify")]
SOON = NOW + datetime.timedelta(days=1)  # within the Open311 list's 90 days; before any deadline
SIMILAR = ["幸福路人行道地砖破损好几块，容易绊倒", "幸福路人行道地砖破损了，老人容易绊倒",
           "幸福路人行道的地砖破损翘起", "幸福路人行道地砖破损松动", "幸福路人行道上地砖破损",
           "幸福路人行道地砖破损没人修"]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 10, 10)).save(out, "JPEG")
    return out.getvalue()


def measure(client, url: str, **headers) -> tuple[int, object]:
    client.get(url, **headers)  # the first request fills per-process caches; measure the next
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), response


def token(demo, username: str) -> dict:
    from gongzhi.accounts.services import create_api_token

    _token, key = create_api_token(user=demo.users[username], name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def report_similar(demo, n: int, *, merge_into: Case | None = None) -> list[Case]:
    """``n`` more reports of the same broken paving next to the first one, each with a photo; merged
    into ``merge_into`` when given (its timeline grows by one entry each), else left as likely duplicates."""
    made = []
    for k in range(n):
        text = SIMILAR[(Case.objects.count() + k) % len(SIMILAR)]
        case = new_case(demo, description=text, category="0303", photos=[jpeg()])
        if merge_into is not None:
            case = services.act(actor=demo.users["community"], case=case, action="merge", duplicate_of=merge_into.pk,
                                note="同一问题", now=NOW + datetime.timedelta(minutes=5))
        made.append(case)
    return made


# --- The case page -------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "state", "limit"), [("community", "reported", 16), ("street", "accepted", 21),
                                                     ("resident", "reported", 12)])
def test_case_page_costs_the_same_with_more_duplicates_and_merged_reports(client, cases_demo, who, state, limit):
    """The page lists likely duplicates (to accept or merge), the reports merged into it and its timeline."""
    case = case_in(cases_demo, state, category="0303", photos=[jpeg()])
    url = f"/cases/{case.pk}/"
    client.force_login(cases_demo.users[who])
    report_similar(cases_demo, 1)
    report_similar(cases_demo, 1, merge_into=case)
    small, small_response = measure(client, url)
    report_similar(cases_demo, 2)
    report_similar(cases_demo, 2, merge_into=case)
    large, large_response = measure(client, url)
    merged = list(case.merged_cases.values_list("number", flat=True))
    assert len(merged) == 3 and all(number in large_response.content.decode() for number in merged)
    if who != "resident":  # staff who may accept or merge see the likely duplicates
        assert len(small_response.context["duplicates"]) == 1 and len(large_response.context["duplicates"]) == 3
    if who != "resident":  # the reporter's public timeline leaves out the internal "merged in" steps
        assert len(large_response.context["events"]) == len(small_response.context["events"]) + 2
    assert large == small <= limit


# --- The API -------------------------------------------------------------------------------------

def test_api_case_detail_costs_the_same_with_a_longer_timeline(client, cases_demo):
    d = cases_demo.departments
    case = case_in(cases_demo, "accepted", photos=[jpeg()])
    case = services.act(actor=cases_demo.users["street"], case=case, action="dispatch", department=d["CG"].pk,
                        assist=[d["ZJ"].pk, d["YJ"].pk, d["SJ"].pk], now=SOON)
    headers = token(cases_demo, "street")
    url = f"/api/v1/cases/{case.pk}"
    report_similar(cases_demo, 2, merge_into=case)
    small, small_response = measure(client, url, **headers)
    report_similar(cases_demo, 4, merge_into=case)
    large, large_response = measure(client, url, **headers)
    body = large_response.json()
    assert len(body["timeline"]) == len(small_response.json()["timeline"]) + 4  # four more reports merged in
    assert {a["code"] for a in body["assist"]} == {"ZJ", "YJ", "SJ"} and len(body["photos"]) == 1
    assert (body["status"], body["department"]["code"], body["actions"]) == ("dispatched", "CG",
                                                                             ["takeover", "extend", "suspend"])
    assert large == small <= 13


def test_api_case_list_costs_the_same_for_six_cases_of_every_kind_as_for_two(client, cases_demo):
    classifier.train()  # reports without a category carry a suggestion
    headers = token(cases_demo, "district")
    case_in(cases_demo, "dispatched")
    new_case(cases_demo, description="小区门口的路灯坏了好几天")
    with time_machine.travel(SOON, tick=False):
        small, small_response = measure(client, "/api/v1/cases", **headers)
        for state in ("handling", "in_progress", "closed", "suspended"):
            case_in(cases_demo, state)
        large, large_response = measure(client, "/api/v1/cases", **headers)
    assert small_response.json()["count"] == 2 and large_response.json()["count"] == 6
    items = large_response.json()["items"]
    assert {item["department"]["code"] for item in items if item["department"]} == {"CG"}
    assert {item["category"]["group"] for item in items if item["category"]} == {"公共设施", "市容环境"}
    assert large == small <= 6  # the token, its credentials (roles, second-factor devices), count, page


# --- Open311 -------------------------------------------------------------------------------------

def test_open311_requests_cost_the_same_for_six_requests_as_for_two(client, cases_demo):
    classifier.train()
    case_in(cases_demo, "closed")
    new_case(cases_demo, description="小区门口的路灯坏了好几天")
    url = "/open311/v2/requests.json"
    with time_machine.travel(SOON, tick=False):
        small, small_response = measure(client, url)
        for state in ("handling", "dispatched", "suspended", "rejected"):
            case_in(cases_demo, state, category="0303")
        large, large_response = measure(client, url)
    assert len(small_response.json()) == 2
    requests = large_response.json()
    assert len(requests) == 5  # the rejected report is not listed
    assert {r["agency_responsible"] for r in requests} == {"区城市管理局", "东城街道指挥中心"}
    assert any(r["status"] == "closed" and "已结案" in r["status_notes"] for r in requests)
    assert large == small <= 2


# --- The queue -----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["community", "district"])
def test_queue_costs_the_same_for_six_suggested_reports_as_for_two(client, cases_demo, who):
    """Reports without a category show the suggested one: loaded with the case, not a query per row."""
    classifier.train()
    texts = ["小区门口的路灯坏了好几天", "单元门口的井盖不见了", "楼下垃圾堆积好几天没人清理",
             "楼上装修噪音太大", "人行道地砖破损很危险", "小区电梯经常故障停运"]
    client.force_login(cases_demo.users[who])
    for text in texts[:2]:
        new_case(cases_demo, description=text)
    small, small_response = measure(client, "/cases/?queue=all")
    for text in texts[2:]:
        new_case(cases_demo, description=text)
    large, large_response = measure(client, "/cases/?queue=all")
    reported = Case.objects.filter(status=CaseStatus.REPORTED)
    suggested = set(reported.values_list("suggested_category__name", flat=True))
    assert len(suggested) == 6 and None not in suggested
    page = large_response.content.decode()
    assert all(name in page for name in suggested)
    # Each status tab is its own bounded count (cases/tests/test_scale_pages.py); an area's staff add one
    # query: whether they reported any case themselves.
    assert large == small <= (15 if who == "community" else 14)
