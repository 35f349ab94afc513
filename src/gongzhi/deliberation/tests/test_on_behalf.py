"""Staff acting for residents who cannot use a phone (代办, issue 14 item 2): proposing a topic, 附议,
speaking in the discussion and evaluating the outcome are stored as the resident's, counted once
(online and through staff alike), marked, audited, told to the resident, and refused for a person
outside the staff member's scope or the topic's community."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.deliberation import follow_up, selectors, topics
from gongzhi.deliberation.models import Comment, Evaluation, Support, Topic, TopicStatus
from gongzhi.notices.models import Notice
from gongzhi.registry.on_behalf import OnBehalf
from gongzhi.registry.tests.factories import make_person

from .helpers import COMMUNITY, GRID, OTHER_GRID, committee, may_item, resident, topic, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(demo):
    """Community staff, an elder without an account (张奶奶) and a verified resident (the demo one)
    of 幸福社区, a person of 和平社区, and a topic under discussion."""
    staff = demo.users["community"]
    elder = make_person(grid=GRID, name="张奶奶")
    res = demo.users["resident"]
    link = verify(res, name="王居民")
    outsider = make_person(grid=OTHER_GRID, name="赵外人")
    t = topics.accept(actor=staff, topic=topic(staff), catalogue_item=may_item(), form="meeting", body=committee())
    return staff, elder, res, link.person, outsider, t


def _for(person, channel="in_person", note=""):
    return OnBehalf(person=person.pk, channel=channel, note=note)


# --- 附议 ---------------------------------------------------------------------------------------

def test_staff_support_for_an_elder_counts_as_the_elders_and_is_marked_and_audited(setting):
    staff, elder, _res, _person, _outsider, t = setting
    item = topics.support(actor=staff, topic=t, on_behalf=_for(elder, "home_visit", "上门时老人口头表示同意"))
    assert item.person == elder and item.user is None and item.by_proxy
    assert item.on_behalf_by == staff and item.on_behalf_channel == "home_visit"
    entry = AuditEntry.objects.get(action="deliberation.topic.support_on_behalf")
    assert entry.actor == staff and entry.after["person"] == elder.pk and entry.after["channel"] == "home_visit"
    assert "张奶奶" not in str(entry.after)  # masked
    assert selectors.topics_for(staff).get(pk=t.pk).support_count == 1
    with pytest.raises(Conflict, match="已附议过"):  # once per person
        topics.support(actor=staff, topic=t, on_behalf=_for(elder, "phone"))


def test_support_counts_once_whether_online_or_through_staff(setting):
    staff, _elder, res, person, _outsider, t = setting
    topics.support(actor=res, topic=t)
    with pytest.raises(Conflict, match="本人在网上或经工作人员代办"):
        topics.support(actor=staff, topic=t, on_behalf=_for(person))
    other = Topic.objects.get(pk=topics.accept(actor=staff, topic=topic(staff, title="增设休闲座椅"),
                                               catalogue_item=may_item(), form="meeting", body=committee()).pk)
    item = topics.support(actor=staff, topic=other, on_behalf=_for(person, "phone"))
    assert item.user == res and item.person == person  # the resident's own account
    assert Notice.objects.filter(recipient=res, title__contains="代您附议").exists()
    with pytest.raises(Conflict, match="您已附议过"):
        topics.support(actor=res, topic=other)
    assert Support.objects.filter(topic=other).count() == 1


def test_support_for_a_person_outside_the_community_or_the_scope_is_refused(setting, demo):
    staff, _elder, _res, _person, outsider, t = setting
    with pytest.raises(InvalidInput, match="辖区的居民档案"):  # 和平社区 lies outside 幸福社区's staff's scope
        topics.support(actor=staff, topic=t, on_behalf=_for(outsider))
    with pytest.raises(NotAllowed, match="无权"):  # a grid worker does not run consultation
        topics.support(actor=demo.users["grid"], topic=t, on_behalf=_for(setting[1]))
    with pytest.raises(InvalidInput, match="表达方式"):
        topics.support(actor=staff, topic=t, on_behalf=OnBehalf(person=setting[1].pk, channel="wechat"))
    moved = make_person(grid=GRID, name="钱已迁", moved_out=True)
    with pytest.raises(InvalidInput, match="已迁出或已故"):
        topics.support(actor=staff, topic=t, on_behalf=_for(moved))
    assert not Support.objects.exists()


def test_street_staff_may_not_act_for_a_resident_of_another_community(setting, demo):
    _staff, _elder, _res, _person, outsider, t = setting
    # The street's staff see 和平社区's records, but the topic belongs to 幸福社区.
    with pytest.raises(InvalidInput, match="不是幸福社区的居民"):
        topics.support(actor=demo.users["street"], topic=t, on_behalf=_for(outsider))


# --- speaking ------------------------------------------------------------------------------------

def test_a_comment_written_down_for_a_resident_is_theirs_and_residents_see_no_staff_name(setting):
    staff, elder, res, _person, _outsider, t = setting
    item = topics.comment(actor=staff, topic=t, text="电梯噪音要控制好", on_behalf=_for(elder, "phone"))
    assert item.person == elder and item.author is None and not item.by_staff and item.by_proxy
    assert AuditEntry.objects.filter(action="deliberation.comment.post_on_behalf").exists()
    seen_by_resident = selectors.comments_for(res, t)[0].shown_author
    assert "社区工作人员代为提交" in seen_by_resident and staff.display_name not in seen_by_resident
    assert "张奶奶" not in seen_by_resident  # masked for other residents
    seen_by_staff = selectors.comments_for(staff, t)[0].shown_author
    assert "张奶奶" in seen_by_staff and staff.display_name in seen_by_staff and "电话" in seen_by_staff


def test_a_comment_for_a_resident_with_an_account_is_shown_to_them_as_theirs(setting):
    staff, _elder, res, person, _outsider, t = setting
    topics.comment(actor=staff, topic=t, text="支持加装", on_behalf=_for(person))
    shown = selectors.comments_for(res, t)[0]
    assert shown.mine and shown.shown_author == "我（社区工作人员代为提交）"
    assert Notice.objects.filter(recipient=res, title__contains="代您在议题").exists()


# --- proposing -----------------------------------------------------------------------------------

def test_a_topic_proposed_for_a_resident_is_theirs_and_they_are_told_of_the_screening(setting):
    staff, _elder, res, person, outsider, _t = setting
    t = topic(staff, title="修缮小区围墙", on_behalf=_for(person, "in_person", "窗口口述"))
    assert t.proposed_by == res and t.proposed_for == person and not t.proposed_by_staff and t.by_proxy
    assert AuditEntry.objects.filter(action="deliberation.topic.propose_on_behalf", object_id=str(t.pk)).exists()
    topics.refuse(actor=staff, topic=t, reason="属于物业维修")
    assert Notice.objects.filter(recipient=res, title__contains="不予受理").exists()
    with pytest.raises(InvalidInput, match="辖区的居民档案"):
        topic(staff, on_behalf=_for(outsider))


# --- evaluating -----------------------------------------------------------------------------------

def _done(staff):
    t = Topic.objects.create(area=Area.objects.get(code=COMMUNITY), title="楼道照明", description="暗",
                             status=TopicStatus.DECIDED)
    task = follow_up.create_task(actor=staff, topic=t, title="装灯", owner_unit="社区居委会",
                                 deadline=datetime.date.today())
    follow_up.add_update(actor=staff, task=task, text="完成", percent=100)
    t.refresh_from_db()
    return t


def test_evaluation_for_a_resident_counts_once_both_ways(setting):
    staff, elder, res, person, outsider, _t = setting
    t = _done(staff)
    item = follow_up.evaluate(actor=staff, topic=t, rating=5, comment="灯亮了", on_behalf=_for(elder, "home_visit"))
    assert item.person == elder and item.user is None and item.by_proxy
    assert AuditEntry.objects.filter(action="deliberation.evaluate_on_behalf").exists()
    with pytest.raises(Conflict, match="已评价过"):
        follow_up.evaluate(actor=staff, topic=t, rating=1, on_behalf=_for(elder))
    follow_up.evaluate(actor=res, topic=t, rating=4)
    with pytest.raises(Conflict, match="本人在网上或经工作人员代办"):
        follow_up.evaluate(actor=staff, topic=t, rating=1, on_behalf=_for(person))
    assert follow_up.survey_summary(t).total == 2
    with pytest.raises(InvalidInput):
        follow_up.evaluate(actor=staff, topic=t, rating=3, on_behalf=_for(outsider))
    assert Evaluation.objects.filter(topic=t).count() == 2


def test_a_resident_rated_through_staff_cannot_rate_again_online(setting):
    staff, _elder, res, person, _outsider, _t = setting
    t = _done(staff)
    follow_up.evaluate(actor=staff, topic=t, rating=5, on_behalf=_for(person, "phone"))
    with pytest.raises(Conflict, match="您已评价过"):
        follow_up.evaluate(actor=res, topic=t, rating=2)


# --- pages ---------------------------------------------------------------------------------------

def test_the_support_page_finds_residents_in_scope_only_and_stores_the_support(setting, login_as):
    staff, elder, _res, _person, _outsider, t = setting
    client = login_as("community")
    url = reverse("deliberation:topic_support_on_behalf", args=[t.pk])
    page = client.get(url, {"q": "张奶奶"}).content.decode()
    assert "张奶奶" in page and "on-behalf-people" in page
    outside = client.get(url, {"q": "赵外人"}).content.decode()
    assert "on-behalf-people" not in outside and "未找到符合条件的居民" in outside
    missing = client.post(url, {"q": "张奶奶", "channel": "phone"})
    assert missing.status_code == 422 and "请先搜索并选择代办的居民" in missing.content.decode()
    done = client.post(url, {"q": "张奶奶", "person": elder.pk, "channel": "phone", "note": "电话表示同意"})
    assert done.status_code == 302 and Support.objects.get(topic=t).person == elder
    again = client.post(url, {"q": "张奶奶", "person": elder.pk, "channel": "phone"})
    assert again.status_code == 422 and "不能重复附议" in again.content.decode()
    detail = client.get(reverse("deliberation:topic_detail", args=[t.pk])).content.decode()
    assert "on-behalf-links" in detail


def test_the_comment_page_and_what_residents_read(setting, login_as, client):
    staff, elder, res, _person, _outsider, t = setting
    login_as("community").post(reverse("deliberation:topic_comment_on_behalf", args=[t.pk]),
                               {"q": "张", "person": elder.pk, "channel": "in_person", "text": "希望尽快动工"})
    assert Comment.objects.get(topic=t).person == elder
    client.force_login(res)
    page = client.get(reverse("deliberation:topic_detail", args=[t.pk])).content.decode()
    assert "希望尽快动工" in page and "社区工作人员代为提交" in page and staff.display_name not in page
    assert "on-behalf-links" not in page


def test_a_resident_supported_through_staff_reads_so(setting, client):
    staff, _elder, res, person, _outsider, t = setting
    topics.support(actor=staff, topic=t, on_behalf=_for(person, "phone"))
    client.force_login(res)
    page = client.get(reverse("deliberation:topic_detail", args=[t.pk])).content.decode()
    assert "您已附议。（社区工作人员代为提交）" in page and staff.display_name not in page


def test_residents_and_grid_workers_cannot_open_the_pages(setting, login_as):
    _staff, _elder, _res, _person, _outsider, t = setting
    for username in ("resident", "grid"):
        client = login_as(username)
        assert client.get(reverse("deliberation:topic_support_on_behalf", args=[t.pk])).status_code in (403, 404)
        assert client.get(reverse("deliberation:topic_propose_on_behalf")).status_code in (403, 404)


def test_the_propose_and_evaluate_pages(setting, login_as):
    staff, elder, _res, _person, _outsider, _t = setting
    client = login_as("community")
    url = reverse("deliberation:topic_propose_on_behalf")
    grid = Area.objects.get(code=GRID)
    assert "张奶奶" in client.get(url, {"q": "张奶奶"}).content.decode()
    response = client.post(url, {"q": "张奶奶", "person": elder.pk, "channel": "home_visit", "title": "增设扶手",
                                 "description": "楼梯没有扶手", "area": grid.pk})
    assert response.status_code == 302
    proposed = Topic.objects.get(title="增设扶手")
    assert proposed.proposed_for == elder and proposed.area == grid and proposed.proposed_by is None
    done = _done(staff)
    assert "evaluate-on-behalf" in client.get(reverse("deliberation:topic_tasks", args=[done.pk])).content.decode()
    response = client.post(reverse("deliberation:topic_evaluate_on_behalf", args=[done.pk]),
                           {"q": "张奶奶", "person": elder.pk, "channel": "phone", "rating": "4"})
    assert response.status_code == 302 and Evaluation.objects.get(topic=done).rating == 4


def test_the_picker_queries_do_not_grow_with_matches(setting, login_as, django_assert_max_num_queries):
    _staff, _elder, _res, _person, _outsider, t = setting
    client = login_as("community")
    url = reverse("deliberation:topic_support_on_behalf", args=[t.pk])
    client.get(url, {"q": "张"})
    for n in range(12):
        make_person(grid=GRID, name=f"张{n}号")
    with django_assert_max_num_queries(8):  # 6 today: session, user, roles, search, page
        page = client.get(url, {"q": "张"}).content.decode()
    assert "张11号" in page


def test_unverified_resident_untouched_by_helpers(demo):
    """The helpers never bind accounts: an unverified resident stays unable to act online."""
    res = resident("newcomer", verified=False)
    with pytest.raises(NotAllowed):
        topic(res)


# --- votes: the paper ballot (already staff-entered) and the household representative -------------

def _household_vote(demo):
    from django.utils import timezone

    from gongzhi.deliberation import votes

    draft = votes.VoteDraft(title="加装电梯", area=Area.objects.get(code=COMMUNITY), electorate="households",
                            rule="households_60", options=list(votes.YES_NO_ABSTAIN),
                            opens=timezone.now() - datetime.timedelta(hours=1),
                            closes=timezone.now() + datetime.timedelta(days=1))
    return votes.create_vote(actor=demo.users["community"], draft=draft)


def test_a_head_tells_staff_whom_they_name_as_household_representative(demo):
    from gongzhi.deliberation import votes
    from gongzhi.deliberation.models import HouseholdRepresentative

    from . import factories

    hood = factories.build(demo)
    staff, head, spouse, child = demo.users["community"], hood.heads[1], hood.persons[4], hood.persons[5]
    with pytest.raises(InvalidInput, match="代办说明"):  # a mandate: how the head gave it is written down
        votes.name_representative(actor=staff, member_id=spouse.pk, on_behalf=_for(head, "home_visit"))
    named = votes.name_representative(actor=staff, member_id=spouse.pk,
                                      on_behalf=_for(head, "home_visit", "户主口头委托，配偶在场"))
    assert named.person == spouse and named.by_proxy and named.on_behalf_by == staff
    assert AuditEntry.objects.filter(action="deliberation.household_representative_on_behalf").exists()
    with pytest.raises(InvalidInput, match="年满十八周岁"):
        votes.name_representative(actor=staff, member_id=child.pk, on_behalf=_for(head, note="委托"))
    with pytest.raises(InvalidInput, match="不是户主"):
        votes.name_representative(actor=staff, member_id=None, on_behalf=_for(spouse, note="委托"))
    with pytest.raises(NotAllowed):
        votes.name_representative(actor=demo.users["grid"], member_id=spouse.pk, on_behalf=_for(head, note="委托"))
    # the head's own account is told (the demo resident is head of the first household)
    votes.name_representative(actor=staff, member_id=hood.persons[1].pk,
                              on_behalf=_for(hood.heads[0], "phone", "户主电话委托"))
    assert Notice.objects.filter(recipient=demo.users["resident"], title__contains="指定户代表").exists()
    assert HouseholdRepresentative.objects.count() == 2


def test_the_representative_page(demo, login_as):
    from gongzhi.deliberation.models import HouseholdRepresentative

    from . import factories

    hood = factories.build(demo)
    vote = _household_vote(demo)
    client = login_as("community")
    assert "representative-on-behalf" in client.get(reverse("deliberation:vote", args=[vote.pk])).content.decode()
    url = reverse("deliberation:vote_representative_on_behalf", args=[vote.pk])
    page = client.get(url, {"q": "户主2"}).content.decode()
    assert "户主2户：配偶2" in page and "孩子2" not in page
    data = {"q": "户主2", "person": hood.heads[1].pk, "channel": "in_person", "member": hood.persons[4].pk}
    refused = client.post(url, data)
    assert refused.status_code == 422 and "请填写代办说明" in refused.content.decode()
    response = client.post(url, {**data, "note": "户主到窗口书面委托"})
    assert response.status_code == 302
    assert HouseholdRepresentative.objects.get(household=hood.households[1]).person == hood.persons[4]


def test_a_paper_ballot_is_counted_once_and_its_voter_told_without_the_choice(demo):
    from gongzhi.deliberation import votes
    from gongzhi.deliberation.models import Participation

    from . import factories

    factories.build(demo)
    vote = _household_vote(demo)
    own = vote.electors.get(household__head__real_name="户主1")  # the demo resident's household
    entry = votes.enter_paper_ballot(actor=demo.users["community"], vote_id=vote.pk, elector_id=own.pk,
                                     choice="同意")
    notice = Notice.objects.get(recipient=demo.users["resident"], title__contains="纸质选票")
    assert entry.receipt in notice.body and "同意" not in notice.body + notice.title
    with pytest.raises(votes.AlreadyVoted):
        votes.cast_ballot(user=demo.users["resident"], vote_id=vote.pk, choice="反对")
    assert Participation.objects.filter(vote=vote).count() == 1


def test_the_topic_page_names_the_proposer_as_each_reader_may_see_them(setting, login_as, client):
    staff, elder, res, person, _outsider, _t = setting
    for_elder = topic(staff, title="增设扶手", on_behalf=_for(elder, "home_visit"))
    for_res = topic(staff, title="修缮围墙", on_behalf=_for(person, "phone"))
    for t in (for_elder, for_res):
        t.status = TopicStatus.DISCUSSING
        t.save()
    staff_page = login_as("community").get(reverse("deliberation:topic_detail", args=[for_elder.pk])).content.decode()
    assert "张奶奶（周书记代办，上门）" in staff_page
    client.force_login(res)
    own = client.get(reverse("deliberation:topic_detail", args=[for_res.pk])).content.decode()
    assert "我（社区工作人员代为提交）" in own and staff.display_name not in own
    other = client.get(reverse("deliberation:topic_detail", args=[for_elder.pk])).content.decode()
    assert "社区工作人员代为提交" in other and "张奶奶" not in other and staff.display_name not in other
