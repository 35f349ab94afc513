"""Bodies (7+X, 网格议事会, 楼栋理事会, 四位一体) and meetings (协商议事日, notice, 应到/实到, minutes, opinion)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.deliberation import bodies, meetings, topics
from gongzhi.deliberation.models import DeliberationSettings, MeetingStatus, MemberKind
from gongzhi.notices.models import Notice
from gongzhi.registry.models import Organisation
from gongzhi.registry.tests.factories import make_person

from .helpers import COMMUNITY, OTHER_COMMUNITY, committee, make_user, may_item, resident, topic, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(demo):
    return demo.users["community"]


def _seven(body, staff):
    """One member of each fixed kind: persons, and the property company as an organisation's contact."""
    area = Area.objects.get(code="34170200100101")
    company = Organisation.objects.create(area=area, kind="property_company", name="阳光物业")
    for n, kind in enumerate(bodies.kinds_of(body)):
        if "物业" in kind.name:
            bodies.add_member(actor=staff, body=body, kind=kind, organisation=company, contact_name="陈经理")
        else:
            person = make_person(name=f"成员{n}")
            bodies.add_member(actor=staff, body=body, kind=kind, person=person)


def test_the_committee_has_seven_fixed_kinds_and_a_check_of_missing_ones(staff):
    body = bodies.create_body(actor=staff, area=Area.objects.get(code=COMMUNITY), kind="committee")
    assert body.name == "幸福社区协商委员会"
    assert len(bodies.kinds_of(body)) == 7
    assert len(bodies.missing_kinds(body)) == 7
    _seven(body, staff)
    assert bodies.missing_kinds(body) == []
    member = body.members.filter(person__isnull=False).first()
    bodies.remove_member(actor=staff, member=member)
    assert [k.pk for k in bodies.missing_kinds(body)] == [member.kind_id]
    assert AuditEntry.objects.filter(action="deliberation.member.add").count() == 7
    entry = AuditEntry.objects.get(action="deliberation.member.remove")
    assert "成员" not in str(entry.before)  # the audit names the row and the kind, not the person


def test_member_rules(staff):
    body = committee()
    kind = MemberKind.objects.filter(body_kind="committee").first()
    grid_kind = MemberKind.objects.filter(body_kind="grid_council").first()
    far = make_person(grid="34170200100201", name="远方人")
    with pytest.raises(InvalidInput, match="不在本社区"):
        bodies.add_member(actor=staff, body=body, kind=kind, person=far)
    with pytest.raises(InvalidInput, match="不属于该议事机构"):
        bodies.add_member(actor=staff, body=body, kind=grid_kind, person=make_person(name="甲"))
    org = Organisation.objects.create(area=Area.objects.get(code="34170200100101"), kind="unit", name="驻区医院")
    with pytest.raises(InvalidInput, match="联系人"):
        bodies.add_member(actor=staff, body=body, kind=kind, organisation=org)
    person = make_person(name="乙")
    bodies.add_member(actor=staff, body=body, kind=kind, person=person)
    with pytest.raises(Conflict):
        bodies.add_member(actor=staff, body=body, kind=kind, person=person)
    other = make_user("o_staff", "community_staff", OTHER_COMMUNITY)
    with pytest.raises(NotAllowed):
        bodies.add_member(actor=other, body=body, kind=kind, person=make_person(name="丙"))


def test_smaller_bodies(staff):
    from gongzhi.registry.models import Building, Estate

    grid = Area.objects.get(code="34170200100101")
    with pytest.raises(InvalidInput, match="网格"):
        bodies.create_body(actor=staff, area=Area.objects.get(code=COMMUNITY), kind="grid_council")
    council = bodies.create_body(actor=staff, area=grid, kind="grid_council")
    assert council.name == f"{grid.name}议事会"
    estate = Estate.objects.create(area=grid, name="阳光小区")
    four = bodies.create_body(actor=staff, area=Area.objects.get(code=COMMUNITY), kind="property_council",
                              estate=estate)
    assert four.name == "阳光小区物业四位一体联席会" and len(bodies.kinds_of(four)) == 4
    building = Building.objects.create(area=grid, estate=estate, name="3栋")
    bc = bodies.create_body(actor=staff, area=grid, kind="building_council", building=building)
    assert bc.estate == estate
    far_estate = Estate.objects.create(area=Area.objects.get(code="34170200100201"), name="远方小区")
    with pytest.raises(InvalidInput, match="不在本社区"):
        bodies.create_body(actor=staff, area=grid, kind="property_council", estate=far_estate)


def test_the_default_meeting_day_is_the_15th_and_configurable(demo, staff):
    area = Area.objects.get(code=COMMUNITY)
    assert meetings.next_meeting_date(area, datetime.date(2026, 3, 10)) == datetime.date(2026, 3, 15)
    assert meetings.next_meeting_date(area, datetime.date(2026, 3, 15)) == datetime.date(2026, 4, 15)
    assert meetings.next_meeting_date(area, datetime.date(2026, 12, 20)) == datetime.date(2027, 1, 15)
    with pytest.raises(NotAllowed):
        topics.set_meeting_day(actor=staff, district=demo.district, day=10)
    with pytest.raises(InvalidInput):
        topics.set_meeting_day(actor=demo.users["district"], district=demo.district, day=31)
    topics.set_meeting_day(actor=demo.users["district"], district=demo.district, day=10)
    assert DeliberationSettings.objects.get().meeting_day == 10
    assert meetings.next_meeting_date(area, datetime.date(2026, 3, 10)) == datetime.date(2026, 4, 10)


def test_a_meeting_from_schedule_to_opinion(demo, staff):
    res = demo.users["resident"]
    verify(res)
    body = committee()
    _seven(body, staff)
    member_person = body.members.filter(person__isnull=False).first().person
    member_user = resident("member_user", verified=False)
    from gongzhi.registry.models import ResidentLink

    ResidentLink.objects.create(user=member_user, person=member_person, area=member_person.area, method="counter")
    t = topic(res)
    with pytest.raises(Conflict, match="受理"):
        meetings.schedule(actor=staff, topic=t, body=body)
    t = topics.accept(actor=staff, topic=t, catalogue_item=may_item(), form="meeting", body=body)
    party = make_person(name="相关户")
    bodies.add_member(actor=staff, body=body, topic=t, person=party)
    meeting = meetings.schedule(actor=staff, topic=t, body=body, place="社区议事厅")
    assert meeting.scheduled_at.day == 15 and meeting.expected == 8  # seven kinds + the interested party
    assert meetings.notice_too_late(meeting, now=meeting.scheduled_at - datetime.timedelta(days=2))
    assert not meetings.notice_too_late(meeting, now=meeting.scheduled_at - datetime.timedelta(days=4))
    count, _late = meetings.send_notice_of(actor=staff, meeting=meeting)
    assert count == 2  # the member with an account and the verified resident of the scope
    assert Notice.objects.filter(recipient=member_user, title__contains="会议通知").exists()
    assert Notice.objects.filter(recipient=res, title__contains="会议通知").exists()
    meeting.refresh_from_db()
    assert meeting.notice_sent_at is not None
    rows = list(meeting.attendance.order_by("pk"))
    meeting = meetings.record_attendance(actor=staff, meeting=meeting, present={r.pk for r in rows[:5]},
                                         signed={rows[5].pk})
    assert (meeting.expected, meeting.present) == (8, 6)
    with pytest.raises(InvalidInput):
        meetings.record_minutes(actor=staff, meeting=meeting, minutes="讨论了加装方案", opinion="")
    meetings.record_minutes(actor=staff, meeting=meeting, minutes="讨论了加装方案",
                            opinion="同意加装，费用按楼层系数分摊。")
    meeting.refresh_from_db()
    t.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and t.opinion == "同意加装，费用按楼层系数分摊。"
    assert {e.action for e in AuditEntry.objects.filter(action__startswith="deliberation.meeting.")} >= {
        "deliberation.meeting.schedule", "deliberation.meeting.notify", "deliberation.meeting.attendance",
        "deliberation.meeting.minutes"}
    with pytest.raises(Conflict):
        meetings.cancel(actor=staff, meeting=meeting, reason="x")


def test_meeting_must_be_in_the_future_and_cancel_needs_a_reason(demo, staff):
    res = demo.users["resident"]
    verify(res)
    body = committee()
    t = topics.accept(actor=staff, topic=topic(res), catalogue_item=may_item(), form="meeting", body=body)
    with pytest.raises(InvalidInput, match="晚于现在"):
        meetings.schedule(actor=staff, topic=t, body=body, scheduled_at=timezone.now() - datetime.timedelta(hours=1))
    meeting = meetings.schedule(actor=staff, topic=t, body=body,
                                scheduled_at=timezone.now() + datetime.timedelta(days=1))
    assert meetings.notice_too_late(meeting)
    with pytest.raises(InvalidInput):
        meetings.cancel(actor=staff, meeting=meeting, reason="")
    meetings.cancel(actor=staff, meeting=meeting, reason="台风")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED


# --- pages ----------------------------------------------------------------------------------------

def test_body_and_meeting_pages(demo, staff, client):
    res = demo.users["resident"]
    verify(res)
    body = committee()
    _seven(body, staff)
    t = topics.accept(actor=staff, topic=topic(res), catalogue_item=may_item(), form="meeting", body=body)
    client.force_login(staff)
    assert client.get("/deliberation/bodies/").status_code == 200
    page = client.get(f"/deliberation/bodies/{body.pk}/?q=成员").content.decode()
    assert "成*1" in page and "成员1" not in page  # masked names only
    assert 'data-testid="kinds-complete"' in page
    response = client.get(f"/deliberation/meetings/new/?topic={t.pk}")
    assert response.status_code == 200
    response = client.post("/deliberation/meetings/new/", {
        "topic": t.pk, "body": body.pk, "form": "meeting", "place": "议事厅",
        "scheduled_at": (timezone.localtime() + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    meeting = t.meetings.get()
    assert client.get(f"/deliberation/meetings/{meeting.pk}/").status_code == 200
    assert client.get("/deliberation/meetings/").status_code == 200
    client.force_login(res)
    assert client.get("/deliberation/bodies/").status_code == 403
    assert client.get(f"/deliberation/meetings/{meeting.pk}/").status_code == 403
    other = make_user("o_staff", "community_staff", OTHER_COMMUNITY)
    client.force_login(other)
    assert client.get(f"/deliberation/bodies/{body.pk}/").status_code == 404
    assert client.get(f"/deliberation/meetings/{meeting.pk}/").status_code == 404
    assert client.post(f"/deliberation/meetings/{meeting.pk}/cancel/", {"reason": "x"}).status_code == 404


def test_catalogue_page_is_for_configurers_and_audited(demo, client):
    client.force_login(demo.users["community"])
    assert client.get("/deliberation/catalogue/").status_code == 403
    client.force_login(demo.users["district"])
    page = client.get("/deliberation/catalogue/").content.decode()
    assert "违反法律法规的事项" in page
    response = client.post("/deliberation/catalogue/", {"kind": "may", "text": "小区公共收益的使用", "order": 7,
                                                        "active": "1"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="deliberation.catalogue.create").exists()


def test_body_list_queries_do_not_grow_with_rows(staff, client, django_assert_max_num_queries):
    for code in ("34170200100101", "34170200100102"):
        bodies.create_body(actor=staff, area=Area.objects.get(code=code), kind="grid_council")
    client.force_login(staff)
    client.get("/deliberation/bodies/")
    with django_assert_max_num_queries(15) as first:
        client.get("/deliberation/bodies/")
    for code in ("34170200100103", "34170200100104", "34170200100105", "34170200100106"):
        bodies.create_body(actor=staff, area=Area.objects.get(code=code), kind="grid_council")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/deliberation/bodies/")


def test_a_member_seated_after_scheduling_is_invited_from_the_meeting_page(demo, staff, client):
    res = demo.users["resident"]
    verify(res)
    body = committee()
    t = topics.accept(actor=staff, topic=topic(res), catalogue_item=may_item(), form="meeting", body=body)
    meeting = meetings.schedule(actor=staff, topic=t, body=body)
    assert meeting.expected == 0
    member = bodies.add_member(actor=staff, body=body, topic=t, person=make_person(name="新相关户"))
    client.force_login(staff)
    page = client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert 'data-testid="invite-form"' in page and "新**户" in page and "新相关户" not in page
    assert client.post(f"/deliberation/meetings/{meeting.pk}/invite/", {"member": member.pk}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.expected == 1
    with pytest.raises(Conflict):
        meetings.invite(actor=staff, meeting=meeting, member=member)
