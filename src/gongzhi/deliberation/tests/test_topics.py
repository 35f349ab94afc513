"""Topics (民事民提), screening (六议六不议), discussion with moderation and support: services and pages."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.deliberation import topics
from gongzhi.deliberation.models import Support, Topic, TopicStatus
from gongzhi.notices.models import Notice

from .helpers import COMMUNITY, OTHER_COMMUNITY, committee, make_user, may_item, may_not_item, resident, topic, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(demo):
    staff = demo.users["community"]
    res = demo.users["resident"]
    verify(res)
    return staff, res


def _accepted(staff, proposer, **kw):
    t = topic(proposer, **kw)
    return topics.accept(actor=staff, topic=t, catalogue_item=may_item(), form="meeting", body=committee())


# --- proposing ------------------------------------------------------------------------------------

def test_an_unverified_resident_is_told_to_verify(demo):
    with pytest.raises(NotAllowed, match="实名核验"):
        topic(demo.users["resident"])
    assert not Topic.objects.exists()


def test_a_verified_resident_proposes_for_their_own_community_only(people):
    staff, res = people
    t = topic(res)
    assert t.status == TopicStatus.PROPOSED and not t.proposed_by_staff and t.area.code == COMMUNITY
    assert AuditEntry.objects.filter(action="deliberation.topic.propose", object_id=str(t.pk)).exists()
    assert Notice.objects.filter(recipient=staff, link__contains=f"/topics/{t.pk}/").exists()
    with pytest.raises(NotAllowed, match="本人所在社区"):
        topic(res, code=OTHER_COMMUNITY)


def test_the_scope_must_lie_within_the_area(people):
    from gongzhi.registry.models import Building, Estate

    staff, res = people
    other = Area.objects.get(code="34170200100201")
    estate = Estate.objects.create(area=other, name="远方小区")
    with pytest.raises(InvalidInput, match="不在议题范围"):
        topic(staff, scope_kind="estate", estate=estate)
    here = Estate.objects.create(area=Area.objects.get(code="34170200100101"), name="阳光小区")
    building = Building.objects.create(area=here.area, estate=here, name="3栋")
    t = topic(staff, scope_kind="building", building=building)
    assert t.estate == here and t.building == building and t.proposed_by_staff
    with pytest.raises(InvalidInput, match="请选择小区"):
        topic(staff, scope_kind="estate")


# --- screening ------------------------------------------------------------------------------------

def test_staff_accept_naming_the_item_the_form_and_the_body(people):
    staff, res = people
    t = _accepted(staff, res)
    assert t.status == TopicStatus.DISCUSSING and t.form == "meeting" and t.catalogue_item.kind == "may"
    assert AuditEntry.objects.filter(action="deliberation.topic.accept").exists()
    assert Notice.objects.filter(recipient=res, title__contains="已受理").exists()
    with pytest.raises(Conflict):
        topics.refuse(actor=staff, topic=t, reason="重复")


def test_online_consultation_needs_a_closing_time(people):
    staff, res = people
    t = topic(res)
    with pytest.raises(InvalidInput, match="截止"):
        topics.accept(actor=staff, topic=t, catalogue_item=may_item(), form="online", body=committee())
    t = topics.accept(actor=staff, topic=t, catalogue_item=may_item(), form="online", body=committee(),
                      discussion_closes=timezone.now() + datetime.timedelta(days=7))
    assert t.discussion_closes is not None


def test_refusing_needs_a_reason_the_proposer_is_told(people, client):
    staff, res = people
    t = topic(res)
    with pytest.raises(InvalidInput, match="理由"):
        topics.refuse(actor=staff, topic=t, reason=" ")
    with pytest.raises(InvalidInput, match="六不议"):
        topics.refuse(actor=staff, topic=t, reason="x", catalogue_item=may_item())
    topics.refuse(actor=staff, topic=t, reason="属于物业合同纠纷，请通过司法途径解决。", catalogue_item=may_not_item())
    t.refresh_from_db()
    assert t.status == TopicStatus.REFUSED
    notice = Notice.objects.get(recipient=res, title__contains="不予受理")
    assert "司法途径" in notice.body
    assert AuditEntry.objects.filter(action="deliberation.topic.refuse", reason__contains="司法途径").exists()
    client.force_login(res)
    page = client.get(f"/deliberation/topics/{t.pk}/").content.decode()
    assert "属于物业合同纠纷" in page and "不予受理" in page
    assert staff.real_name not in page


def test_another_communitys_staff_cannot_see_or_screen(people, client):
    staff, res = people
    t = topic(res)
    other = make_user("other_staff", "community_staff", OTHER_COMMUNITY)
    with pytest.raises(NotAllowed):
        topics.refuse(actor=other, topic=t, reason="x")
    client.force_login(other)
    assert client.get(f"/deliberation/topics/{t.pk}/").status_code == 404
    assert client.post(f"/deliberation/topics/{t.pk}/screen/", {"decision": "refuse", "reason": "x"}).status_code == 404
    t.refresh_from_db()
    assert t.status == TopicStatus.PROPOSED
    assert t.title not in client.get("/deliberation/topics/").content.decode()


def test_a_resident_sees_public_topics_of_their_community_and_their_own(people, client):
    staff, res = people
    mine = topic(res, title="我的待审议题")
    neighbour = resident("neighbour", name="赵六")
    theirs = topic(neighbour, title="邻居的待审议题")
    accepted = _accepted(staff, neighbour, title="已受理的议题")
    elsewhere = make_user("far_staff", "community_staff", OTHER_COMMUNITY)
    far = topics.propose(actor=elsewhere, title="别的社区的议题", description="x",
                         area=Area.objects.get(code=OTHER_COMMUNITY))
    client.force_login(res)
    page = client.get("/deliberation/topics/").content.decode()
    assert mine.title in page and accepted.title in page
    assert theirs.title not in page and far.title not in page
    assert client.get(f"/deliberation/topics/{theirs.pk}/").status_code == 404


# --- discussion, moderation, support --------------------------------------------------------------

def test_comments_replies_and_moderation(people, client):
    staff, res = people
    t = _accepted(staff, res)
    first = topics.comment(actor=res, topic=t, text="支持加装，费用按楼层分摊。")
    reply = topics.comment(actor=staff, topic=t, text="社区将组织测算费用。", parent=first)
    deeper = topics.comment(actor=res, topic=t, text="谢谢。", parent=reply)
    assert reply.parent == first and deeper.parent == first and reply.by_staff and not first.by_staff
    bad = topics.comment(actor=res, topic=t, text="某某是骗子，电话 13912345678")
    with pytest.raises(InvalidInput):
        topics.hide_comment(actor=staff, comment=bad, reason="")
    with pytest.raises(NotAllowed):
        topics.hide_comment(actor=res, comment=bad, reason="x")
    topics.hide_comment(actor=staff, comment=bad, reason="含人身攻击和个人信息")
    bad.refresh_from_db()
    assert bad.hidden_at and bad.hidden_by == staff
    assert Notice.objects.filter(recipient=res, title__contains="已被屏蔽", body__contains="人身攻击").exists()
    entry = AuditEntry.objects.get(action="deliberation.comment.hide")
    assert entry.reason == "含人身攻击和个人信息"
    with pytest.raises(Conflict):
        topics.hide_comment(actor=staff, comment=bad, reason="again")

    neighbour = resident("neighbour2", name="赵六")
    client.force_login(neighbour)
    page = client.get(f"/deliberation/topics/{t.pk}/").content.decode()
    assert "该发言已被屏蔽：含人身攻击和个人信息" in page
    assert "某某是骗子" not in page and "13912345678" not in page
    assert staff.real_name not in page and "社区工作人员" in page
    assert "王*" in page and "王居民" not in page
    client.force_login(staff)
    page = client.get(f"/deliberation/topics/{t.pk}/").content.decode()
    assert "某某是骗子" in page and staff.real_name in page


def test_only_residents_of_the_community_take_part(people):
    staff, res = people
    t = _accepted(staff, res)
    outsider = resident("outsider", grid="34170200100201", name="钱七")
    with pytest.raises(NotAllowed, match="本社区"):
        topics.comment(actor=outsider, topic=t, text="x")
    unverified = resident("unverified", verified=False)
    with pytest.raises(NotAllowed, match="实名核验"):
        topics.support(actor=unverified, topic=t)


def test_one_support_per_user_enforced_by_the_database(people):
    staff, res = people
    t = _accepted(staff, res)
    topics.support(actor=res, topic=t)
    with pytest.raises(Conflict, match="已附议"):
        topics.support(actor=res, topic=t)
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(topic=t, user=res)  # the constraint itself, not only the service
    assert Support.objects.filter(topic=t).count() == 1


def test_discussion_closes_for_online_consultation(people):
    staff, res = people
    t = topic(res)
    t = topics.accept(actor=staff, topic=t, catalogue_item=may_item(), form="online", body=committee(),
                      discussion_closes=timezone.now() + datetime.timedelta(hours=1))
    Topic.objects.filter(pk=t.pk).update(discussion_closes=timezone.now() - datetime.timedelta(minutes=1))
    t.refresh_from_db()
    with pytest.raises(Conflict, match="不在讨论阶段"):
        topics.comment(actor=res, topic=t, text="晚了")


# --- pages ----------------------------------------------------------------------------------------

def test_pages_status_codes_and_csrf(people, client):
    from django.test import Client

    staff, res = people
    t = topic(res)
    client.force_login(res)
    assert client.get("/deliberation/topics/").status_code == 200
    assert client.get("/deliberation/topics/new/").status_code == 200
    assert client.get(f"/deliberation/topics/{t.pk}/").status_code == 200
    assert client.post(f"/deliberation/topics/{t.pk}/screen/", {"decision": "refuse", "reason": "x"}).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    assert strict.post(f"/deliberation/topics/{t.pk}/screen/", {"decision": "refuse", "reason": "x"}).status_code == 403
    t.refresh_from_db()
    assert t.status == TopicStatus.PROPOSED


def test_unverified_resident_page_says_how_to_verify(demo, client):
    client.force_login(demo.users["resident"])
    response = client.get("/deliberation/topics/new/")
    assert response.status_code == 403
    assert "实名核验" in response.content.decode() and "/registry/verify/" in response.content.decode()


def test_propose_with_a_pdf_and_screen_through_the_pages(people, client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    staff, res = people
    body = committee()
    client.force_login(res)
    area = Area.objects.get(code=COMMUNITY)
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    response = client.post("/deliberation/topics/new/", {"title": "停车难", "description": "晚上车位不够",
                                                         "area": area.pk, "scope_kind": "community",
                                                         "attachments": [pdf]})
    assert response.status_code == 302
    t = Topic.objects.get(title="停车难")
    attachment = t.attachments.get()
    assert attachment.content_type == "application/pdf"
    assert client.get(f"/deliberation/attachments/{attachment.pk}/").status_code == 200
    fake = SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>")
    response = client.post("/deliberation/topics/new/", {"title": "假文件", "description": "x", "area": area.pk,
                                                         "scope_kind": "community", "attachments": [fake]})
    assert response.status_code == 422 and "不是" in response.content.decode()
    assert not Topic.objects.filter(title="假文件").exists()
    other = make_user("o_staff", "community_staff", OTHER_COMMUNITY)
    client.force_login(other)
    assert client.get(f"/deliberation/attachments/{attachment.pk}/").status_code == 404
    client.force_login(staff)
    response = client.post(f"/deliberation/topics/{t.pk}/screen/", {
        "decision": "accept", "item": may_item().pk, "form": "dialogue", "body": body.pk})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.status == TopicStatus.DISCUSSING and t.body == body and t.form == "dialogue"


def test_staff_turn_a_case_into_a_topic(demo, people, client):
    from types import SimpleNamespace

    from gongzhi.cases.tests.helpers import new_case

    staff, res = people
    grid = Area.objects.get(code="34170200100101")
    lon, lat = grid.centroid
    case = new_case(SimpleNamespace(users=demo.users, lon=lon, lat=lat))
    client.force_login(staff)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/deliberation/topics/new/?case={case.pk}" in page
    page = client.get(f"/deliberation/topics/new/?case={case.pk}").content.decode()
    assert case.description in page
    response = client.post("/deliberation/topics/new/", {"case": case.pk, "title": "路灯反复损坏",
                                                         "description": case.description, "area": grid.pk,
                                                         "scope_kind": "grid"})
    assert response.status_code == 302
    assert Topic.objects.get(title="路灯反复损坏").source_case == case
    client.force_login(res)
    assert "/deliberation/topics/new/?case=" not in client.get(f"/cases/{case.pk}/").content.decode()


def test_topic_list_queries_do_not_grow_with_rows(people, client, django_assert_max_num_queries):
    staff, res = people
    for n in range(3):
        _accepted(staff, res, title=f"议题{n}")
    client.force_login(staff)
    client.get("/deliberation/topics/")
    with django_assert_max_num_queries(12) as first:
        client.get("/deliberation/topics/")
    for n in range(3, 10):
        _accepted(staff, res, title=f"议题{n}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/deliberation/topics/")


def test_the_document_kind_sniffs_pdf_by_its_header():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.core.uploads import DOCUMENT, UploadRefused, check_file

    assert check_file(DOCUMENT, SimpleUploadedFile("a.pdf", b"%PDF-1.7\n...")).name == "PDF"
    with pytest.raises(UploadRefused):
        check_file(DOCUMENT, SimpleUploadedFile("a.pdf", b"<html><script>alert(1)</script>"))
    assert DOCUMENT.max_count == 5 and DOCUMENT.max_bytes == 10 * 1024 * 1024
