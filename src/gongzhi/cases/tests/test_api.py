"""The cases API (fixed interface): report, list, detail with timeline, actions, departments, errors."""

import base64
import io
import json

import pytest
from PIL import Image

from gongzhi.cases.models import Case, CaseStatus

pytestmark = pytest.mark.django_db


def post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def jpeg() -> str:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "JPEG")
    return base64.b64encode(out.getvalue()).decode()


def test_report_then_walk_the_loop_through_the_api(client, cases_demo, api_token):
    demo = cases_demo
    resident, community, street, dept, grid = (api_token(u) for u in ("resident", "community", "street", "dept",
                                                                      "grid"))
    response = post(client, "/api/v1/cases", {"description": "小区门口垃圾堆积好几天了", "lon": demo.lon,
                                              "lat": demo.lat, "photos": [jpeg()]}, resident)
    assert response.status_code == 201, response.content
    body = response.json()
    case_id = body["id"]
    assert body["status"] == "reported" and body["grid"] == demo.grid.code and body["overdue"] is False
    assert body["deadline"] is None  # internal time limits are not shown to the reporter
    assert body["timeline"][0]["action"] == "report" and len(body["photos"]) == 1
    steps = [(community, {"action": "accept", "category": "0303"}), (street, {"action": "dispatch",
             "department": demo.departments["CG"].pk, "assist": [demo.departments["ZJ"].pk]}),
             (dept, {"action": "acknowledge"}), (dept, {"action": "start"}),
             (dept, {"action": "feedback", "note": "已修复", "photos": [jpeg()]}),
             (grid, {"action": "verify", "note": "现场核实"}), (street, {"action": "close"}),
             (resident, {"action": "rate", "rating": 5, "comment": "满意"})]
    for headers, step in steps:
        response = post(client, f"/api/v1/cases/{case_id}/actions", step, headers)
        assert response.status_code == 200, (step, response.content)
    body = response.json()
    assert body["status"] == "closed" and body["rating"] == 5 and body["category"]["code"] == "0303"
    assert body["department"]["code"] == "CG" and [d["code"] for d in body["assist"]] == ["ZJ"]
    # The reporter's answer holds the public timeline: the steps, without notes or staff names.
    assert [e["action"] for e in body["timeline"]] == ["report", "accept", "dispatch", "acknowledge", "start",
                                                       "feedback", "verify", "close", "rate"]
    assert {e["actor"] for e in body["timeline"]} == {""} and not any(e["note"] for e in body["timeline"])
    assert body["handle_due"] is None and body["rework_count"] is None
    assert {p["stage"] for p in body["photos"]} == {"report", "feedback"}


def test_errors_are_json_with_codes(client, cases_demo, api_token):
    demo = cases_demo
    resident, street, dept = api_token("resident"), api_token("street"), api_token("dept")
    response = post(client, "/api/v1/cases", {"description": "短"}, resident)
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    assert response.json()["fields"] == {"description": "short"}
    response = post(client, "/api/v1/cases", {"description": "门口路灯坏了", "lon": 10.0, "lat": 10.0}, resident)
    assert response.status_code == 422 and response.json()["fields"] == {"location": "outside"}
    case_id = post(client, "/api/v1/cases", {"description": "门口路灯坏了一周", "lon": demo.lon, "lat": demo.lat},
                   resident).json()["id"]
    response = post(client, f"/api/v1/cases/{case_id}/actions", {"action": "acknowledge"}, dept)
    assert response.status_code == 404  # not dispatched to the department: not visible to it
    response = post(client, f"/api/v1/cases/{case_id}/actions", {"action": "dispatch"}, street)
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    response = post(client, f"/api/v1/cases/{case_id}/actions", {"action": "accept", "category": "0301"}, resident)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    response = post(client, f"/api/v1/cases/{case_id}/actions", {"action": "fly"}, street)
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    response = post(client, f"/api/v1/cases/{case_id}/actions", {"action": "accept", "category": "0301",
                                                                 "version": 99}, street)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    response = post(client, "/api/v1/cases", {"description": "门口路灯坏了一周", "lon": demo.lon, "lat": demo.lat,
                                              "photos": ["not base64!"]}, resident)
    assert response.status_code == 422 and response.json()["fields"] == {"photos": "encoding"}
    response = post(client, "/api/v1/cases", {"description": "门口路灯坏了一周", "lon": demo.lon, "lat": demo.lat,
                                              "photos": [base64.b64encode(b"GIF89a....").decode()]}, resident)
    assert response.status_code == 422 and response.json()["fields"] == {"photos": "type"}


def test_list_is_scoped_and_filtered(client, cases_demo, api_token):
    demo = cases_demo
    from gongzhi.areas.models import Area
    from gongzhi.cases import services

    elsewhere = Area.objects.filter(level="grid").exclude(path__startswith=demo.grid.parent.path).first()
    lon, lat = elsewhere.centroid
    mine = services.report_case(actor=demo.users["resident"], description="门口路灯坏了一周", lon=demo.lon, lat=demo.lat)
    other = services.report_case(actor=demo.users["street"], description="别处井盖丢失很危险", lon=lon, lat=lat)
    numbers = lambda user, q="": {c["number"] for c in client.get(f"/api/v1/cases{q}", **api_token(user)).json()["items"]}  # noqa: E731
    assert numbers("resident") == {mine.number}
    assert numbers("grid") == {mine.number}
    assert numbers("district") == {mine.number, other.number}
    assert numbers("dept") == set()
    assert numbers("district", "?status=reported&q=井盖") == {other.number}
    assert client.get(f"/api/v1/cases/{other.pk}", **api_token("grid")).status_code == 404
    assert client.get("/api/v1/cases?status=flying", **api_token("district")).status_code == 422


def test_departments_are_listed(client, cases_demo, api_token):
    response = client.get("/api/v1/departments", **api_token("street"))
    assert response.status_code == 200
    assert {d["code"] for d in response.json()} == {"CG", "ZJ", "SJ", "YJ", "MZ", "GA"}


def test_case_list_query_count_does_not_grow_with_cases(client, cases_demo, api_token):
    from gongzhi.cases import services

    headers = api_token("district")

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/cases", **headers).status_code == 200
        return len(captured)

    services.report_case(actor=cases_demo.users["resident"], description="门口路灯坏了一周", lon=cases_demo.lon,
                         lat=cases_demo.lat)
    count()  # the first request also records the token's first use
    one = count()
    for n in range(5):
        services.report_case(actor=cases_demo.users["resident"], description=f"门口路灯坏了第{n}天",
                             lon=cases_demo.lon, lat=cases_demo.lat)
    assert count() == one
    assert Case.objects.filter(status=CaseStatus.REPORTED).count() == 6
