"""Work lists that show the most urgent cases first: they say how many there are and lead to the rest;
the dispatch dialog offers only departments that serve the case's area."""

import pytest

from gongzhi.accounts.models import Department
from gongzhi.areas.models import Area
from gongzhi.cases import services
from gongzhi.cases.errors import InvalidInput
from gongzhi.cases.models import CaseStatus
from gongzhi.cases.views import board, mobile

from .helpers import case_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def west_only(cases_demo):
    """A department serving only another street (西城街道), not the demo grid's."""
    department = Department.objects.create(code="XC-CG", name="西城街道城管中队")
    street = Area.objects.filter(level="street").exclude(code=cases_demo.grid.parent.parent.code).first()
    department.serves.add(street)
    return department


def test_the_dispatch_dialog_offers_only_departments_serving_the_area(client, cases_demo, west_only):
    case = case_in(cases_demo, "accepted")
    client.force_login(cases_demo.users["street"])

    page = client.get(f"/cases/{case.pk}/").content.decode()

    assert "区城市管理局" in page  # serves the whole district
    assert west_only.name not in page


@pytest.mark.parametrize("params", [{"department": "lead"}, {"assist": ["lead"]}])
def test_a_department_not_serving_the_area_can_neither_lead_nor_assist(cases_demo, west_only, params):
    case = case_in(cases_demo, "accepted")
    params = {k: ([west_only.pk] if isinstance(v, list) else west_only.pk) for k, v in params.items()}

    with pytest.raises(InvalidInput) as refused:
        services.act(actor=cases_demo.users["street"], case=case, action="dispatch", **params)

    assert "不负责该事件所在区域" in refused.value.message
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED


def test_the_inbox_counts_every_case_and_leads_to_the_rest(client, cases_demo, monkeypatch):
    monkeypatch.setattr(board, "INBOX_SHOWN", 2)
    for index in range(3):
        case_in(cases_demo, "dispatched", description=f"幸福路第{index}号井盖破损很危险")
    case_in(cases_demo, "acknowledged")
    client.force_login(cases_demo.users["dept"])

    page = client.get("/cases/inbox/").content.decode()

    section = page.split('data-testid="to-acknowledge"')[1].split("</section>")[0]
    assert section.count('href="/cases/') - section.count("/cases/?") == 2  # the two most urgent
    assert "仅列出最紧急的 2 件，共 3 件。" in section and 'href="/cases/?queue=running"' in section
    in_hand = page.split('data-testid="in-hand"')[1].split("</section>")[0]
    assert 'data-testid="more"' not in in_hand  # one case: all shown
    assert 'data-testid="more-closed"' not in page  # nothing closed yet: no link to the closed cases
    for _ in range(3):
        case_in(cases_demo, "closed")
    closed = client.get("/cases/inbox/").content.decode().split("最近办结")[1].split("</section>")[0]
    assert closed.count('href="/cases/') - closed.count("/cases/?") == 2  # the two closed last
    assert 'href="/cases/?queue=closed"' in closed


def test_the_grid_workers_tasks_count_every_case_and_lead_to_the_rest(client, cases_demo, monkeypatch):
    monkeypatch.setattr(mobile, "TASKS_SHOWN", 1)
    for index in range(2):
        case_in(cases_demo, "feedback", description=f"幸福路第{index}号路灯不亮请修理")
    client.force_login(cases_demo.users["grid"])

    page = client.get("/cases/tasks/").content.decode()

    section = page.split('data-testid="to-verify"')[1].split("</section>")[0]
    assert "仅列出最紧急的 1 件，共 2 件。" in section and "queue=feedback" in section


def test_the_supervision_board_counts_near_due_cases_beyond_those_listed(client, cases_demo, monkeypatch):
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(board, "SHOWN", 1)
    cases = [case_in(cases_demo, "dispatched", description=f"幸福路第{index}号路面塌陷") for index in range(2)]
    now = timezone.now()
    for case in cases:  # near due: the 80 % mark passed, the deadline ahead
        type(case).objects.filter(pk=case.pk).update(warn_at=now - datetime.timedelta(hours=1),
                                                     handle_due=now + datetime.timedelta(hours=5))
    client.force_login(cases_demo.users["street"])

    page = client.get("/cases/supervision/").content.decode()

    assert 'data-testid="near-count">2<' in page
    assert "仅列出最紧急的 1 件，共 2 件。" in page


def test_suggested_duplicates_are_only_cases_the_user_may_see(cases_demo):
    from gongzhi.cases.duplicates import candidates
    from gongzhi.cases.models import Case

    from .helpers import NOW

    first = services.report_case(actor=cases_demo.users["resident"], description="幸福路88号门口垃圾堆积没人清理",
                                 lon=cases_demo.lon, lat=cases_demo.lat, category="0101", now=NOW)
    second = services.report_case(actor=cases_demo.users["grid"], description="幸福路88号门口有垃圾堆积",
                                  lon=cases_demo.lon, lat=cases_demo.lat, category="0101", now=NOW)

    def seen_by(username):
        return [d.case for d in candidates(second, among=Case.objects.visible_to(cases_demo.users[username]))]

    assert seen_by("community") == [first]
    assert seen_by("dept") == []  # nothing was dispatched to the department
