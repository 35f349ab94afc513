"""The votes API (issue 13's fixed interface), the roll, the ledger and ``verify_vote``."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gongzhi.deliberation.models import Elector, LedgerEntry, Participation, Vote

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def hood(demo):
    return factories.build(demo)


def _window(hours_before=1, hours_after=24):
    now = timezone.now()
    return ((now - datetime.timedelta(hours=hours_before)).isoformat(),
            (now + datetime.timedelta(hours=hours_after)).isoformat())


def create(client, **fields):
    opens, closes = _window()
    body = {"title": "加装电梯", "scope": factories.COMMUNITY, "electorate": "residents", "options": ["同意", "反对", "弃权"],
            "opens": opens, "closes": closes, "rule": "simple_majority", "secret": True}
    body.update(fields)
    return client.post("/api/v1/votes", data=json.dumps(body), content_type="application/json")


def ballot(client, vote_id, choice="同意"):
    return client.post(f"/api/v1/votes/{vote_id}/ballots", data=json.dumps({"choice": choice}),
                       content_type="application/json")


def test_staff_create_a_vote_with_its_frozen_roll(hood, login_as):
    answer = create(login_as("community"))
    assert answer.status_code == 201, answer.content
    data = answer.json()
    vote = Vote.objects.get(pk=data["id"])
    # Adults only: 4 heads + 4 spouses; the children are not on the roll.
    assert data["roll"]["count"] == 8 == vote.electors.count()
    assert data["state"] == "open" and data["scope"] == factories.COMMUNITY and data["secret"] is True
    assert not vote.electors.filter(person__real_name__startswith="孩子").exists()


@pytest.mark.parametrize("electorate, rule, expected", [
    ("households", "households_60", 4),
    ("owners", "owners_major", 4),
    ("party_members", "party_members_meeting", 2),  # the probationary member has no vote
])
def test_each_electorate_has_its_roll(hood, login_as, electorate, rule, expected):
    answer = create(login_as("community"), electorate=electorate, rule=rule)
    assert answer.status_code == 201, answer.content
    assert answer.json()["roll"]["count"] == expected
    if electorate == "owners":
        assert answer.json()["roll"]["area"] == "300.00"


def test_creating_a_vote_is_refused_clearly(hood, login_as, demo):
    community = login_as("community")
    assert create(community, rule="owners_major").status_code == 422  # owners' rule on residents
    assert create(community, scope="999999999999").json()["code"] == "invalid"
    opens, _closes = _window()
    assert create(community, closes=opens, opens=opens).status_code == 422
    assert create(community, options=["同意", "同意"]).status_code == 422
    assert create(community, electorate="committee").status_code == 422  # no committee yet
    assert create(login_as("resident")).status_code == 403
    other = login_as("village")  # another street's village: not their area
    assert create(other).status_code == 403


def test_one_ballot_per_voter_with_a_receipt(hood, login_as, demo):
    vote_id = create(login_as("community")).json()["id"]
    resident = login_as("resident")
    first = ballot(resident, vote_id)
    assert first.status_code == 201, first.content
    receipt = first.json()["receipt"]
    assert len(receipt) == 16
    again = ballot(resident, vote_id, "反对")
    assert again.status_code == 409 and again.json()["code"] == "already_voted"
    assert Participation.objects.filter(vote_id=vote_id).count() == 1
    ledger = resident.get(f"/api/v1/votes/{vote_id}/ledger").json()
    assert [entry["receipt"] for entry in ledger] == [receipt]
    assert ledger[0]["choice"] == "" and "salt" not in ledger[0]  # secret: no choice in the ledger
    assert "同意" not in json.dumps(ledger, ensure_ascii=False)


def test_ineligible_and_closed_and_bad_choices(hood, login_as, demo):
    vote_id = create(login_as("community")).json()["id"]
    villager = login_as("villager")  # of another village: the vote is not theirs to see
    assert ballot(villager, vote_id).status_code == 404
    assert villager.get(f"/api/v1/votes/{vote_id}").status_code == 404
    factories.bind(demo.users["villager"], factories.person(factories.Area.objects.get(code="34170210120101"),
                                                            "外村人"))
    assert ballot(villager, vote_id).status_code == 404
    # Moved in after the roll was drawn: sees the vote, may not vote in it.
    factories.bind(demo.users["villager"], factories.person(factories.Area.objects.get(code=factories.GRID), "新住户"))
    refused = ballot(villager, vote_id)
    assert refused.status_code == 403 and refused.json()["code"] == "not_eligible"
    resident = login_as("resident")
    assert ballot(resident, vote_id, "也许").status_code == 422
    Vote.objects.filter(pk=vote_id).update(closes=timezone.now() - datetime.timedelta(seconds=1))
    closed = ballot(resident, vote_id)
    assert closed.status_code == 400 and closed.json()["code"] == "vote_not_open"
    later = create(login_as("community"), opens=(timezone.now() + datetime.timedelta(hours=2)).isoformat())
    assert ballot(resident, later.json()["id"]).status_code == 400


def test_household_votes_go_by_household(hood, login_as, demo):
    vote_id = create(login_as("community"), electorate="households", rule="households_60").json()["id"]
    assert ballot(login_as("resident"), vote_id).status_code == 201  # the head
    spouse = hood.persons[1]
    factories.bind(demo.users["villager"], spouse)
    answer = ballot(login_as("villager"), vote_id)
    assert answer.status_code == 409 and answer.json()["code"] == "already_voted"


def test_a_household_may_name_its_representative(hood, login_as, demo):
    from gongzhi.deliberation.models import HouseholdRepresentative

    vote_id = create(login_as("community"), electorate="households", rule="households_60").json()["id"]
    second_spouse = hood.persons[4]  # spouse of household 2
    factories.bind(demo.users["villager"], second_spouse)
    assert ballot(login_as("villager"), vote_id).status_code == 403
    HouseholdRepresentative.objects.create(household=hood.households[1], person=second_spouse)
    assert ballot(login_as("villager"), vote_id).status_code == 201


def test_result_states_each_rule_check(hood, login_as, demo):
    community = login_as("community")
    vote_id = create(community, electorate="households", rule="households_60").json()["id"]
    assert ballot(login_as("resident"), vote_id).status_code == 201
    result = community.get(f"/api/v1/votes/{vote_id}/result").json()
    assert result["counts"] == {"同意": 1, "反对": 0, "弃权": 0}
    assert result["turnout"]["eligible"] == 4 and result["turnout"]["participants"] == 1
    assert result["passed"] is False
    check = result["checks"][0]
    assert check["name"] == "同意户数占全体住户" and check["required"] == "≥ 60%" and check["met"] is False
    assert "25.0%" in check["actual"]


def test_owners_vote_counts_area_and_heads(hood, login_as, demo):
    community = login_as("community")
    vote_id = create(community, electorate="owners", rule="owners_ordinary", secret=False).json()["id"]
    assert ballot(login_as("resident"), vote_id).status_code == 201  # owner of 100 m²
    for index, choice in ((1, "同意"), (2, "反对")):
        factories.bind(demo.users["villager"], hood.heads[index])
        assert ballot(login_as("villager"), vote_id, choice).status_code == 201
    result = community.get(f"/api/v1/votes/{vote_id}/result").json()
    names = [check["name"] for check in result["checks"]]
    assert names == ["参与表决专有部分面积", "参与表决业主人数", "同意面积占参与表决面积", "同意人数占参与表决人数"]
    area, heads, yes_area, yes_heads = result["checks"]
    assert area["met"] and "80.0%" in area["actual"]  # 240 of 300 m²
    assert heads["met"] and "75.0%" in heads["actual"]  # 3 of 4 owners
    assert yes_area["met"] and "75.0%" in yes_area["actual"]  # 180 of 240 m²
    assert yes_heads["met"] and "66.7%" in yes_heads["actual"]
    assert result["passed"] is True
    # An open ballot shows the choice in the ledger.
    ledger = community.get(f"/api/v1/votes/{vote_id}/ledger").json()
    assert [entry["choice"] for entry in ledger] == ["同意", "同意", "反对"]
    assert all(entry["prev_hash"] == (ledger[i - 1]["hash"] if i else "") for i, entry in enumerate(ledger))


def test_verify_vote_accepts_an_intact_ledger_and_names_a_changed_entry(hood, login_as, demo):
    community = login_as("community")
    vote_id = create(community, electorate="owners", rule="owners_ordinary").json()["id"]
    ballot(login_as("resident"), vote_id)
    for index in (1, 2):
        factories.bind(demo.users["villager"], hood.heads[index])
        ballot(login_as("villager"), vote_id, "反对")
    out = StringIO()
    call_command("verify_vote", str(vote_id), stdout=out, stderr=StringIO())
    assert "账本校验通过" in out.getvalue()
    second = LedgerEntry.objects.get(vote_id=vote_id, seq=2)
    LedgerEntry.objects.filter(pk=second.pk).update(choice="同意")  # somebody changes one ballot
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_vote", str(vote_id), stdout=StringIO(), stderr=err)
    assert f"第 2 条（回执 {second.receipt}）" in err.getvalue()
    assert "第 1 条" not in err.getvalue() and "第 3 条" not in err.getvalue()


def test_verify_vote_names_a_rehashed_entry_by_the_broken_link(hood, login_as, demo):
    from gongzhi.deliberation import votes

    vote_id = create(login_as("community")).json()["id"]
    ballot(login_as("resident"), vote_id)
    factories.bind(demo.users["villager"], hood.persons[1])
    ballot(login_as("villager"), vote_id, "反对")
    first = LedgerEntry.objects.get(vote_id=vote_id, seq=1)
    # A forger who changes the choice and recomputes the commitment and the entry's own hash…
    first.choice = "反对"
    first.commitment = votes.commitment_of(vote_id, first.receipt, first.choice, None, first.salt)
    first.hash = votes.hash_of(first, secret=True)
    first.save()
    checked = votes.verify(Vote.objects.get(pk=vote_id))
    # …still breaks the next entry's link.
    assert not checked.ok and any("第 2 条" in problem and "前一哈希" in problem for problem in checked.problems)


def test_the_published_result_is_checked_against_the_ledger(hood, login_as, demo):
    from gongzhi.deliberation import votes

    community = login_as("community")
    vote_id = create(community).json()["id"]
    ballot(login_as("resident"), vote_id)
    Vote.objects.filter(pk=vote_id).update(closes=timezone.now())
    result = community.get(f"/api/v1/votes/{vote_id}/result").json()
    assert result["final"] is True
    vote = Vote.objects.get(pk=vote_id)
    assert vote.result["counts"] == {"同意": 1, "反对": 0, "弃权": 0} and vote.tallied_at is not None
    assert votes.verify(vote).ok
    vote.result["counts"]["同意"] = 5
    vote.save(update_fields=["result"])
    checked = votes.verify(vote)
    assert not checked.ok and "公布的结果" in checked.problems[0]


def test_a_missing_vote_is_404_and_bad_bodies_422(hood, login_as):
    community = login_as("community")
    assert community.get("/api/v1/votes/999999").json()["code"] == "not_found"
    answer = community.post("/api/v1/votes", data="not json", content_type="application/json")
    assert answer.status_code == 422
    assert create(community, electorate="everyone").status_code == 422
    assert Elector.objects.count() == 0


def test_the_database_count_equals_the_ledger_read_entry_by_entry(hood, login_as, demo):
    from gongzhi.deliberation import votes

    community = login_as("community")
    owners = create(community, electorate="owners", rule="owners_major").json()["id"]
    ballot(login_as("resident"), owners)
    for index, choice in ((1, "反对"), (2, "同意")):
        factories.bind(demo.users["villager"], hood.heads[index])
        ballot(login_as("villager"), owners, choice)
    meeting = create(login_as("community"), rule="residents_meeting").json()["id"]
    ballot(login_as("resident"), meeting, "弃权")
    votes.enter_tally(actor=demo.users["community"], vote_id=meeting, method="hands",
                      counts={"同意": 3, "反对": 1}, present=5)
    for vote_id in (owners, meeting):
        vote = Vote.objects.get(pk=vote_id)
        entries = list(vote.ledger.order_by("seq"))
        assert votes.tally_from_database(vote) == votes.tally_entries(vote, entries)
        assert votes.result_of(vote) == votes.result_of(vote, entries)
