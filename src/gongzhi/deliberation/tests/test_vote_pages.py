"""The vote pages: list, create, cast with a receipt, staff entry, and the public result and ledger."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.audit.models import AuditEntry
from gongzhi.deliberation import demo as deliberation_demo
from gongzhi.deliberation import votes
from gongzhi.deliberation.models import LedgerEntry, Participation, Vote
from gongzhi.registry import demo as registry_demo
from gongzhi.registry.models import Person

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def hood(demo):
    return factories.build(demo)


def _form(**fields):
    now = timezone.localtime()
    data = {"title": "楼道照明改造", "area": factories.Area.objects.get(code=factories.COMMUNITY).pk,
            "electorate": "residents", "rule": "simple_majority", "options": "同意\n反对\n弃权",
            "opens": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes": (now + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "secret": "on"}
    data.update(fields)
    return data


def _vote(demo, **fields):
    draft = votes.VoteDraft(title=fields.pop("title", "楼道照明改造"),
                            area=factories.Area.objects.get(code=factories.COMMUNITY),
                            electorate=fields.pop("electorate", "residents"), rule=fields.pop("rule", "simple_majority"),
                            options=fields.pop("options", list(votes.YES_NO_ABSTAIN)),
                            opens=timezone.now() - datetime.timedelta(hours=1),
                            closes=timezone.now() + datetime.timedelta(days=1), **fields)
    return votes.create_vote(actor=demo.users["community"], draft=draft)


def test_staff_create_a_vote_on_the_form(hood, login_as):
    community = login_as("community")
    assert community.get("/deliberation/votes/new/").status_code == 200
    answer = community.post("/deliberation/votes/new/", _form())
    vote = Vote.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/deliberation/votes/{vote.pk}/"
    assert vote.roll_count == 8 and vote.secret
    assert AuditEntry.objects.filter(action="deliberation.vote_create").count() == 1


def test_the_form_says_what_is_wrong(hood, login_as):
    community = login_as("community")
    page = community.post("/deliberation/votes/new/", _form(rule="owners_major", options="同意")).content.decode()
    assert "至少需要两个选项" in page
    page = community.post("/deliberation/votes/new/", _form(rule="owners_major")).content.decode()
    assert "不适用于表决主体" in page
    assert Vote.objects.count() == 0
    assert login_as("resident").get("/deliberation/votes/new/").status_code == 403


def test_a_resident_votes_once_and_checks_the_receipt_without_login(hood, login_as, demo):
    vote = _vote(demo)
    resident = login_as("resident")
    page = resident.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert 'data-testid="ballot-form"' in page
    refused = resident.post(f"/deliberation/votes/{vote.pk}/ballot/", {"choice": "同意"})
    assert refused.status_code == 422 and "请勾选确认" in refused.content.decode()
    resident.post(f"/deliberation/votes/{vote.pk}/ballot/", {"choice": "同意", "confirm": "on"})
    page = resident.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    receipt = LedgerEntry.objects.get(vote=vote).receipt
    assert "您已投票" in page and receipt in page and 'data-testid="ballot-form"' not in page
    again = resident.post(f"/deliberation/votes/{vote.pk}/ballot/", {"choice": "反对", "confirm": "on"}, follow=True)
    assert "不能重复投票" in again.content.decode()
    assert Participation.objects.filter(vote=vote).count() == 1
    anonymous = Client()
    ledger = anonymous.get(f"/deliberation/votes/{vote.pk}/ledger/?receipt={receipt.lower()}").content.decode()
    assert "回执已计入" in ledger and "（保密）" in ledger
    assert "账本中没有该回执号" in anonymous.get(f"/deliberation/votes/{vote.pk}/ledger/?receipt=NOPE").content.decode()
    result = anonymous.get(f"/deliberation/votes/{vote.pk}/result/").content.decode()
    assert "同意票占参与表决" in result and "当前计票" in result
    download = anonymous.get(f"/deliberation/votes/{vote.pk}/ledger.json")
    assert download.status_code == 200 and download.json()["entries"][0]["choice"] == ""


def test_who_may_not_vote_is_told_why(hood, login_as, demo):
    vote = _vote(demo)
    factories.bind(demo.users["resident"], hood.persons[2])  # a child: not on the roll
    page = login_as("resident").get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert "您不在本次表决的名册中" in page and 'data-testid="ballot-form"' not in page
    # Another street's resident does not see the vote at all.
    assert login_as("villager").get(f"/deliberation/votes/{vote.pk}/").status_code == 404


def test_staff_enter_paper_ballots_and_a_show_of_hands(hood, login_as, demo):
    vote = _vote(demo, rule="residents_meeting")
    community = login_as("community")
    found = community.get(f"/deliberation/votes/{vote.pk}/?elector_q=户主2").content.decode()
    assert "户*2" in found and "户主2" not in found.split('data-testid="paper-form"')[1]  # masked in the list
    elector = vote.electors.get(person=hood.heads[1])
    community.post(f"/deliberation/votes/{vote.pk}/paper/", {"elector": elector.pk, "choice": "反对"})
    entry = LedgerEntry.objects.get(vote=vote)
    assert entry.method == "paper" and entry.entered_by == demo.users["community"] and entry.elector is None
    answer = community.post(f"/deliberation/votes/{vote.pk}/tally/", {
        "method": "hands", "present": 9, "count_0": 4, "count_1": 0, "count_2": 0})
    assert answer.status_code == 422 and "超过应到人数" in answer.content.decode()
    community.post(f"/deliberation/votes/{vote.pk}/tally/", {
        "method": "hands", "present": 5, "count_0": 4, "count_1": 1, "count_2": 0, "note": "居民会议现场举手"})
    result = votes.result_of(Vote.objects.get(pk=vote.pk))
    assert result["counts"] == {"同意": 4, "反对": 2, "弃权": 0}
    # 居民会议: 6 of 8 present (> 1/2), 4 of the 6 agree (> 1/2).
    assert result["turnout"]["participants"] == 6 and result["passed"] is True
    assert [c["met"] for c in result["checks"]] == [True, True]
    assert AuditEntry.objects.filter(action__in=["deliberation.paper_ballot", "deliberation.tally"]).count() == 2
    assert login_as("resident").post(f"/deliberation/votes/{vote.pk}/tally/", {"present": 1}).status_code == 403


def test_cancelling_needs_a_reason(hood, login_as, demo):
    vote = _vote(demo)
    community = login_as("community")
    community.post(f"/deliberation/votes/{vote.pk}/cancel/", {"reason": ""})
    assert Vote.objects.get(pk=vote.pk).cancelled_at is None
    community.post(f"/deliberation/votes/{vote.pk}/cancel/", {"reason": "议题已撤回"})
    vote.refresh_from_db()
    assert vote.cancelled_at is not None and vote.state == "cancelled"
    answer = login_as("resident").post(f"/deliberation/votes/{vote.pk}/ballot/", {"choice": "同意", "confirm": "on"},
                                       follow=True)
    assert "该表决已撤销" in answer.content.decode()


def test_the_vote_list_is_scoped_and_queries_stay_few(hood, login_as, demo, django_assert_max_num_queries):
    for index in range(12):
        _vote(demo, title=f"表决{index}")
    community = login_as("community")
    with django_assert_max_num_queries(12):
        page = community.get("/deliberation/votes/").content.decode()
    assert page.count('href="/deliberation/votes/') >= 12
    resident = login_as("resident")
    votes.cast_ballot(user=demo.users["resident"], vote_id=Vote.objects.get(title="表决3").pk, choice="同意")
    with django_assert_max_num_queries(14):
        page = resident.get("/deliberation/votes/?q=表决3").content.decode()
    assert "已投票" in page and "表决4" not in page
    assert "暂无表决" in login_as("village").get("/deliberation/votes/").content.decode()


@pytest.fixture
def demo_votes(demo):
    registry_demo.build(demo.district, residents=900)
    lines = []
    deliberation_demo.build(SimpleNamespace(root=demo.district, residents=900, write=lines.append))
    return lines


def test_the_demo_resident_can_vote_in_an_open_vote_of_xingfu(demo_votes, login_as, demo):
    open_vote = Vote.objects.get(title=deliberation_demo.OPEN_VOTE)
    assert open_vote.area.name == "幸福社区" and open_vote.state == "open"
    answer = login_as("resident").post(f"/api/v1/votes/{open_vote.pk}/ballots", {"choice": "同意"},
                                       content_type="application/json")
    assert answer.status_code == 201
    closed = Vote.objects.get(title=deliberation_demo.CLOSED_VOTE)
    assert closed.state == "closed" and closed.result is not None and votes.verify(closed).ok
    assert len(closed.result["checks"]) == 4
    deliberation_demo.build(SimpleNamespace(root=demo.district, residents=900, write=lambda line: None))
    assert Vote.objects.count() == 2  # idempotent


def test_public_vote_pages_hold_no_personal_data(demo_votes, demo):
    closed = Vote.objects.get(title=deliberation_demo.CLOSED_VOTE)
    anonymous = Client()
    html = "".join(anonymous.get(url).content.decode() for url in (
        f"/deliberation/votes/{closed.pk}/result/", f"/deliberation/votes/{closed.pk}/ledger/",
        f"/deliberation/votes/{closed.pk}/ledger.json"))
    for real_name, id_number, phone in ((p.real_name, p.id_number, p.phone) for p in Person.objects.all()):
        assert id_number not in html and (not phone or phone not in html)
        assert not re.search(rf"(?<![\u4e00-\u9fff]){re.escape(real_name)}(?![\u4e00-\u9fff])", html), real_name


def test_the_head_names_a_household_representative_who_then_votes_for_the_household(hood, login_as, demo):
    from gongzhi.deliberation.models import HouseholdRepresentative

    vote = _vote(demo, electorate="households", rule="households_60")
    head = login_as("resident")
    page = head.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert 'data-testid="representative-form"' in page and "配*1" in page and "孩子1" not in page  # adults only
    spouse = hood.persons[1]
    head.post(f"/deliberation/votes/{vote.pk}/representative/", {"member": spouse.pk})
    assert HouseholdRepresentative.objects.get(household=hood.households[0]).person == spouse
    factories.bind(demo.users["villager"], spouse)
    member = login_as("villager")
    assert 'data-testid="representative-form"' not in member.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    refused = member.post(f"/deliberation/votes/{vote.pk}/representative/", {"member": ""}, follow=True)
    assert "只有户主可以指定户代表" in refused.content.decode()
    member.post(f"/deliberation/votes/{vote.pk}/ballot/", {"choice": "同意", "confirm": "on"})
    assert Participation.objects.filter(vote=vote).count() == 1
    assert votes.voted(vote, demo.users["resident"])  # the household has voted: the head may not again
    child = hood.persons[2]
    head = login_as("resident")  # one test client: sign the head in again
    answer = head.post(f"/deliberation/votes/{vote.pk}/representative/", {"member": child.pk}, follow=True)
    assert "年满十八周岁" in answer.content.decode()
    assert AuditEntry.objects.filter(action="deliberation.household_representative").count() == 1


def test_every_electorate_can_be_voted_on_in_the_demo(demo_votes, login_as, demo):
    """The bodies a committee's or representatives' vote needs exist in the demo; a grid's committee
    vote is its community committee's."""
    import json

    now = timezone.now()
    window = {"opens": (now - datetime.timedelta(minutes=1)).isoformat(),
              "closes": (now + datetime.timedelta(days=1)).isoformat()}
    cases = [("community", "34170200100101", "committee", "simple_majority"),
             ("community", "341702001001", "party_members", "party_members_meeting"),
             ("community", "341702001001", "residents", "residents_meeting"),
             ("village", "341702101201", "villager_representatives", "representatives_meeting"),
             ("village", "341702101201", "residents", "villagers_meeting")]
    for user, scope, electorate, rule in cases:
        answer = login_as(user).post("/api/v1/votes", data=json.dumps({
            "title": f"{electorate} 表决", "scope": scope, "electorate": electorate, "rule": rule, **window}),
            content_type="application/json")
        assert answer.status_code == 201, (electorate, answer.content.decode())
        assert answer.json()["roll"]["count"] > 0
    representatives = Vote.objects.get(electorate="villager_representatives")
    assert representatives.roll_count == 15 and representatives.body.name == "青山村村民代表会议"
