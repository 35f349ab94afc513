"""Disclosure items: drafts, publishing and withdrawing with history and audit; cadence; scoping."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.audit.labels import ACTIONS
from gongzhi.audit.models import AuditEntry
from gongzhi.disclosure import cadence, services_items
from gongzhi.disclosure.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.disclosure.models import DisclosureItem, Status

pytestmark = pytest.mark.django_db


def test_publish_and_withdraw_keep_every_version_in_the_history_and_the_audit_log(make_item, staff):
    item = make_item()
    assert item.status == Status.DRAFT
    item = services_items.publish(actor=staff, item=item)
    assert item.status == Status.PUBLISHED and item.published_at is not None
    with pytest.raises(Conflict):
        services_items.update_item(actor=staff, item=item, category="affairs", body="committee", title="改",
                                   content="改", period_start=item.period_start, period_end=item.period_end)
    with pytest.raises(InvalidInput, match="理由"):
        services_items.withdraw(actor=staff, item=item, reason="  ")
    item = services_items.withdraw(actor=staff, item=item, reason="金额有误，核实后重新公开")
    assert item.status == Status.WITHDRAWN and item.withdraw_reason == "金额有误，核实后重新公开"
    item = services_items.update_item(actor=staff, item=item, category="affairs", body="committee",
                                      title="2026年第一季度居务公开（更正）", content="更正后的内容",
                                      period_start=item.period_start, period_end=item.period_end)
    item = services_items.publish(actor=staff, item=item)
    history = list(item.history.order_by("at", "pk").values_list("action", "version", "status", "reason"))
    assert history == [("create", 1, "draft", ""), ("publish", 1, "published", ""),
                       ("withdraw", 1, "withdrawn", "金额有误，核实后重新公开"), ("edit", 2, "withdrawn", ""),
                       ("publish", 2, "published", "")]
    assert item.history.filter(action="create").get().snapshot["content"] == "本季度议定事项：楼道照明更换。"
    actions = list(AuditEntry.objects.filter(action__startswith="disclosure.").order_by("seq")
                   .values_list("action", flat=True))
    assert actions == ["disclosure.item_create", "disclosure.item_publish", "disclosure.item_withdraw",
                       "disclosure.item_update", "disclosure.item_publish"]
    assert AuditEntry.objects.filter(action="disclosure.item_withdraw").get().reason == "金额有误，核实后重新公开"
    assert all(code in ACTIONS for code in actions)


def test_validation_errors_are_clear_chinese(make_item):
    with pytest.raises(InvalidInput) as error:
        make_item(title="", period_end=datetime.date(2025, 12, 1))
    assert error.value.fields["title"] == "请填写标题。"
    assert error.value.fields["period_end"] == "结束日期不能早于开始日期。"
    with pytest.raises(InvalidInput, match="决定日期"):
        make_item(major=True)


def test_staff_of_another_community_cannot_publish(make_item, other_area, demo):
    with pytest.raises(NotAllowed):
        make_item(area=other_area)
    item = make_item()
    with pytest.raises(NotAllowed):
        services_items.publish(actor=demo.users["village"], item=item)


def test_village_says_cunwu(village):
    item = DisclosureItem(area=village, category="affairs", body="committee")
    assert item.category_label == "村务" and item.body_label == "村民委员会"


# --- Cadence ----------------------------------------------------------------------------------------

def _published(area, category, day, **extra):
    return DisclosureItem.objects.create(area=area, category=category, title="t", content="c", period_start=day,
                                         period_end=day, status=Status.PUBLISHED,
                                         published_at=timezone.make_aware(datetime.datetime.combine(
                                             day, datetime.time(12))), **extra)


def test_add_months_clamps_to_the_end_of_the_month():
    assert cadence.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert cadence.add_months(datetime.date(2025, 11, 30), 3) == datetime.date(2026, 2, 28)
    assert cadence.add_months(datetime.date(2026, 12, 15), 1) == datetime.date(2027, 1, 15)


def test_cadence_boundaries(area):
    for category in ("affairs", "party", "service"):
        _published(area, category, datetime.date(2026, 1, 10))
    _published(area, "finance", datetime.date(2026, 3, 5))

    def late(today):
        return {(o.category, o.days) for o in cadence.overdue_for([area], today=today)[area.pk]}

    assert late(datetime.date(2026, 4, 5)) == set()  # finances due 2026-04-05: on the day, still on time
    assert late(datetime.date(2026, 4, 6)) == {("finance", 1)}
    assert late(datetime.date(2026, 4, 10)) == {("finance", 5)}  # ordinary due 2026-04-10: on time
    assert late(datetime.date(2026, 4, 11)) == {("finance", 6), ("affairs", 1), ("party", 1), ("service", 1)}
    overdue = cadence.overdue_for([area], today=datetime.date(2026, 4, 17))[area.pk]
    assert "财务公开已逾期 12 天" in [o.message for o in overdue]


def test_never_published_and_withdrawn_do_not_count(area, make_item, staff):
    overdue = cadence.overdue_for([area], today=datetime.date(2026, 4, 1))[area.pk]
    assert {o.category for o in overdue} == {"affairs", "party", "finance", "service"}
    assert all(o.days is None and "尚未公开过" in o.message for o in overdue)
    item = _published(area, "party", datetime.date(2026, 3, 20))
    assert "party" not in {o.category for o in cadence.overdue_for([area], today=datetime.date(2026, 4, 1))[area.pk]}
    services_items.withdraw(actor=staff, item=item, reason="重复")
    assert "party" in {o.category for o in cadence.overdue_for([area], today=datetime.date(2026, 4, 1))[area.pk]}


def test_major_matters_at_once(area, make_item, staff):
    decided = timezone.localdate() - datetime.timedelta(days=10)
    item = make_item(major=True, decided_on=decided, title="加装电梯决议")
    due = decided + datetime.timedelta(days=cadence.MAJOR_MATTER_DAYS)

    def majors(today):
        return [o for o in cadence.overdue_for([area], today=today)[area.pk] if o.item is not None]

    assert majors(due) == []
    [late] = majors(due + datetime.timedelta(days=1))
    assert late.item.pk == item.pk and late.days == 1 and "加装电梯决议" in late.message
    services_items.publish(actor=staff, item=item)
    assert majors(due + datetime.timedelta(days=3)) == []


# --- Staff pages: scope, CSRF ----------------------------------------------------------------------

def test_staff_pages_are_scoped(make_item, login_as, demo):
    item = make_item()
    client = login_as("community")
    assert client.get("/disclosure/manage/").status_code == 200
    assert client.get(f"/disclosure/manage/{item.pk}/").status_code == 200
    village = login_as("village")
    assert village.get(f"/disclosure/manage/{item.pk}/").status_code == 404
    assert village.post(f"/disclosure/manage/{item.pk}/publish/").status_code == 404
    assert village.get(f"/disclosure/manage/{item.pk}/edit/").status_code == 404
    assert "2026年第一季度居务公开" not in village.get("/disclosure/manage/").content.decode()
    item.refresh_from_db()
    assert item.status == Status.DRAFT
    resident = login_as("resident")
    assert resident.get("/disclosure/manage/").status_code == 403
    assert resident.post(f"/disclosure/manage/{item.pk}/publish/").status_code == 403


def test_street_staff_may_read_but_scope_limits_write(make_item, demo):
    from gongzhi.accounts.permissions import has_perm

    item = make_item()
    client = Client()
    client.force_login(demo.users["street"])
    assert client.get(f"/disclosure/manage/{item.pk}/").status_code == 200
    assert has_perm(demo.users["street"], "disclosure.publish", item.area)


def test_create_and_publish_through_the_pages(login_as, area):
    client = login_as("community")
    response = client.post("/disclosure/manage/new/", {
        "area": area.pk, "category": "party", "body": "party", "title": "党费收缴情况公开", "content": "已核对。",
        "period_start": "2026-01-01", "period_end": "2026-03-31"})
    assert response.status_code == 302
    item = DisclosureItem.objects.get(title="党费收缴情况公开")
    response = client.post("/disclosure/manage/new/", {
        "area": area.pk, "category": "party", "body": "party", "title": "重大", "content": "x", "major": "on",
        "period_start": "2026-01-01", "period_end": "2026-03-31"})
    assert response.status_code == 422 and "重大事项须填写决定日期" in response.content.decode()
    client.post(f"/disclosure/manage/{item.pk}/publish/")
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    client.post(f"/disclosure/manage/{item.pk}/withdraw/", {"reason": "内容需补充"})
    item.refresh_from_db()
    assert item.status == Status.WITHDRAWN
    page = client.get(f"/disclosure/manage/{item.pk}/").content.decode()
    assert "内容需补充" in page and "撤回" in page


def test_forms_are_csrf_protected(make_item, demo, area):
    item = make_item()
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.users["community"])
    assert client.post(f"/disclosure/manage/{item.pk}/publish/").status_code == 403
    assert client.post("/disclosure/manage/new/", {"title": "x"}).status_code == 403
    assert client.post("/disclosure/manage/finances/publish/", {"area_code": area.code}).status_code == 403
    resident = Client(enforce_csrf_checks=True)
    resident.force_login(demo.users["resident"])
    assert resident.post(f"/disclosure/{area.code}/ask/", {"text": "问"}).status_code == 403
    item.refresh_from_db()
    assert item.status == Status.DRAFT
    page = client.get(f"/disclosure/manage/{item.pk}/").content.decode()
    assert "csrfmiddlewaretoken" in page
