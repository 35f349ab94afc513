"""The case pages: who sees what, the forms work, errors are shown, list pages keep their query count."""

import datetime
import io

import pytest
import time_machine
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.utils import timezone
from PIL import Image

from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseStatus, Patrol

from .helpers import case_in, new_case

pytestmark = pytest.mark.django_db


def jpeg_upload(name="photo.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 10)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.mark.parametrize(("url", "allowed", "refused"), [
    ("/cases/", ["community", "street", "district", "grid", "dept"], ["resident", "admin", "auditor"]),
    ("/cases/report/", ["resident", "grid", "community", "street"], ["admin", "auditor", "dept"]),
    ("/cases/mine/", ["resident", "grid"], ["admin", "auditor"]),
    ("/cases/tasks/", ["grid"], ["resident", "community", "dept"]),
    ("/cases/patrols/", ["grid"], ["resident", "community", "street"]),
    ("/cases/inbox/", ["dept"], ["grid", "street", "resident"]),
    ("/cases/supervision/", ["street", "district"], ["community", "grid", "dept", "resident"]),
    ("/cases/map/", ["community", "street", "district", "grid"], ["resident", "dept"]),
])
def test_pages_open_to_their_roles_only(client, cases_demo, url, allowed, refused):
    for username in allowed:
        client.force_login(cases_demo.users[username])
        assert client.get(url).status_code == 200, (url, username)
    for username in refused:
        client.force_login(cases_demo.users[username])
        assert client.get(url).status_code == 403, (url, username)


def test_case_page_out_of_scope_is_404(client, cases_demo):
    from gongzhi.areas.models import Area

    elsewhere = Area.objects.filter(level="grid").exclude(path__startswith=cases_demo.grid.parent.path).first()
    case = services.report_case(actor=cases_demo.users["street"], description="别处井盖丢失很危险",
                                lon=elsewhere.centroid[0], lat=elsewhere.centroid[1])
    for username in ("grid", "community", "resident", "dept"):
        client.force_login(cases_demo.users[username])
        assert client.get(f"/cases/{case.pk}/").status_code == 404
    client.force_login(cases_demo.users["district"])
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_resident_reports_with_a_photo_and_sees_the_case(client, cases_demo):
    client.force_login(cases_demo.users["resident"])
    response = client.post("/cases/report/", {"description": "小区门口垃圾堆积好几天了", "lon": cases_demo.lon,
                                              "lat": cases_demo.lat, "photos": [jpeg_upload()]})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and "小区门口垃圾堆积好几天了" in page and "/cases/photos/" in page
    photo = case.photos.get()
    assert client.get(f"/cases/photos/{photo.pk}/")["Content-Type"] == "image/jpeg"
    assert case.number in client.get("/cases/mine/").content.decode()


def test_report_errors_are_shown_and_nothing_is_lost(client, cases_demo):
    client.force_login(cases_demo.users["resident"])
    response = client.post("/cases/report/", {"description": "小区门口垃圾堆积好几天了", "lon": "", "lat": ""})
    # A resident without a point is placed in their own grid: the report is filed, nothing is lost.
    case = Case.objects.get(reporter=cases_demo.users["resident"])
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.area == cases_demo.grid and case.description == "小区门口垃圾堆积好几天了"
    client.force_login(cases_demo.users["admin"])
    response = client.post("/cases/report/", {"description": "x"})
    assert response.status_code == 403
    client.force_login(cases_demo.users["street"])  # staff without a grid of their own must place the case
    response = client.post("/cases/report/", {"description": "小区门口垃圾堆积好几天了"})
    page = response.content.decode()
    assert response.status_code == 422 and "请在地图上选择问题位置" in page and "小区门口垃圾堆积好几天了" in page
    response = client.post("/cases/report/", {"description": "短", "lon": cases_demo.lon, "lat": cases_demo.lat})
    assert response.status_code == 422 and "至少" in response.content.decode()
    assert not Case.objects.filter(reporter=cases_demo.users["street"]).exists()


def test_actions_from_the_case_page(client, cases_demo):
    case = case_in(cases_demo, "reported")
    client.force_login(cases_demo.users["community"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'value="accept"' in page and 'value="dispatch"' not in page
    response = client.post(f"/cases/{case.pk}/act/", {"action": "accept", "category": "0303",
                                                       "version": case.version})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED
    # A stale form (the old version) is refused with a message, not applied.
    response = client.post(f"/cases/{case.pk}/act/", {"action": "reject", "note": "无效", "version": case.version},
                           follow=True)
    assert "已被他人处理" in response.content.decode()
    client.force_login(cases_demo.users["street"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'value="dispatch"' in page and "区城市管理局" in page  # the route's suggestion is preselected
    client.post(f"/cases/{case.pk}/act/", {"action": "dispatch", "department": cases_demo.departments["CG"].pk})
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DISPATCHED
    client.force_login(cases_demo.users["dept"])
    assert case.number in client.get("/cases/inbox/").content.decode()


def test_patrol_with_a_visit_and_a_finding(client, cases_demo):
    client.force_login(cases_demo.users["grid"])
    response = client.post("/cases/patrols/", {"grid": cases_demo.grid.code, "companions": "民警 张警官"})
    patrol = Patrol.objects.get()
    assert response["Location"] == f"/cases/patrols/{patrol.pk}/"
    client.post(f"/cases/patrols/{patrol.pk}/visit/", {"door": "3栋2单元501", "note": "独居老人，身体好"})
    response = client.post("/cases/report/", {"description": "楼道堆放大量纸箱，有消防隐患", "lon": cases_demo.lon,
                                              "lat": cases_demo.lat, "patrol": patrol.pk})
    assert response["Location"] == f"/cases/patrols/{patrol.pk}/"
    client.post(f"/cases/patrols/{patrol.pk}/end/", {"fire_hazards": "1", "summary": "走访一户，发现一处隐患"})
    patrol.refresh_from_db()
    assert patrol.ended_at and patrol.fire_hazards == 1 and patrol.visits.count() == 1
    case = patrol.cases.get()
    assert case.source == "patrol" and case.reporter == cases_demo.users["grid"]
    page = client.get(f"/cases/patrols/{patrol.pk}/").content.decode()
    assert "3栋2单元501" in page and case.number in page
    client.force_login(cases_demo.users["resident"])
    assert client.get(f"/cases/patrols/{patrol.pk}/").status_code == 404


def test_supervision_board_lists_overdue_cases(client, cases_demo):
    import datetime

    from django.utils import timezone

    case = case_in(cases_demo, "in_progress")
    Case.objects.filter(pk=case.pk).update(handle_due=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(cases_demo.users["street"])
    page = client.get("/cases/supervision/").content.decode()
    assert case.number in page and "区城市管理局" in page


def test_map_points_are_scoped(client, cases_demo):
    case = new_case(cases_demo)
    client.force_login(cases_demo.users["community"])
    features = client.get("/cases/map/cases.geojson").json()["features"]
    assert [f["properties"]["number"] for f in features] == [case.number]
    client.force_login(cases_demo.users["resident"])
    assert client.get("/cases/map/cases.geojson").status_code == 403
    grids = client.get("/cases/report/grids.geojson").json()["features"]
    assert len(grids) == 40 and {f["properties"]["code"][:9] for f in grids} == {"341702001"}  # the street
    assert [f["properties"]["code"] for f in grids if f["properties"]["home"]] == [cases_demo.grid.code]


@pytest.mark.parametrize("url", ["/cases/?queue=all", "/cases/inbox/", "/cases/mine/", "/cases/tasks/"])
def test_list_pages_keep_their_query_count(client, cases_demo, url):
    users = {"/cases/?queue=all": "district", "/cases/inbox/": "dept", "/cases/mine/": "resident", "/cases/tasks/": "grid"}
    client.force_login(cases_demo.users[users[url]])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    case_in(cases_demo, "in_progress")
    case_in(cases_demo, "feedback")
    count()
    before = count()
    for state in ("dispatched", "feedback", "in_progress", "closed", "reported"):
        case_in(cases_demo, state)
    assert count() == before


LATE = timezone.make_aware(datetime.datetime(2027, 3, 2, 10, 0))  # past every deadline of the cases below


def board_cases(demo) -> dict[str, Case]:
    """One case for each part of the supervision board, as it stands at LATE."""
    asked = case_in(demo, "in_progress")  # overdue, and its department asks for more time
    services.act(actor=demo.users["dept"], case=asked, action="extend", hours=8, note="材料未到", now=LATE)
    near = case_in(demo, "acknowledged")
    Case.objects.filter(pk=near.pk).update(warn_at=LATE - datetime.timedelta(hours=1),
                                           handle_due=LATE + datetime.timedelta(hours=2))
    return {"asked": asked, "grid": case_in(demo, "handling"), "near": near,
            "review": case_in(demo, "suspended")}  # its review date, 2027-03-01, has come


def test_supervision_board_lists_every_part_and_keeps_its_query_count(client, cases_demo):
    with time_machine.travel(LATE, tick=False):
        client.force_login(cases_demo.users["street"])

        def board():
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/cases/supervision/")
            assert response.status_code == 200
            return len(captured), response

        first = board_cases(cases_demo)
        board()
        small, response = board()
        assert {c.number for c in response.context["overdue"]} == {first["asked"].number, first["grid"].number}
        assert [c.number for c in response.context["near"]] == [first["near"].number]
        assert [x.case.number for x in response.context["pending"]] == [first["asked"].number]
        assert [c.number for c in response.context["reviews"]] == [first["review"].number]
        more = [board_cases(cases_demo), board_cases(cases_demo)]
        large, response = board()
    page = response.content.decode()
    assert response.context["overdue_count"] == 6 and len(response.context["pending"]) == 3
    for cases in [first, *more]:
        assert all(case.number in page for case in cases.values())
    assert "区城市管理局" in page
    assert large == small <= 13


def test_console_shows_the_case_counts_of_ones_area(client, cases_demo):
    import datetime

    from django.utils import timezone

    case_in(cases_demo, "reported")
    overdue = case_in(cases_demo, "in_progress")
    Case.objects.filter(pk=overdue.pk).update(handle_due=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(cases_demo.users["street"])
    page = client.get("/console/").content.decode()
    assert 'data-testid="console-cases"' in page
    from gongzhi.cases.selectors import console_summary

    counts = console_summary(cases_demo.users["street"])
    assert (counts["reported"], counts["running"], counts["overdue"]) == (1, 1, 1)
    client.force_login(cases_demo.users["admin"])
    assert client.get("/accounts/users/").status_code == 200
