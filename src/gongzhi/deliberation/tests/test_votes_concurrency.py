"""Fifty ballots submitted at once by one voter: exactly one is counted (the database decides)."""

from __future__ import annotations

import datetime
import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from gongzhi.deliberation import votes
from gongzhi.deliberation.models import LedgerEntry, Participation

from . import factories

SUBMISSIONS = 50


def _create_vote(demo, **fields):
    draft = votes.VoteDraft(title="小区停车位划线", area=factories.Area.objects.get(code=factories.COMMUNITY),
                            electorate=fields.get("electorate", "residents"), rule=fields.get("rule", "simple_majority"),
                            options=["同意", "反对", "弃权"], opens=timezone.now() - datetime.timedelta(minutes=5),
                            closes=timezone.now() + datetime.timedelta(hours=1))
    return votes.create_vote(actor=demo.users["community"], draft=draft)


def _submit_all(user, vote_id) -> list:
    signed_in = Client()
    signed_in.force_login(user)  # one session, shared by every submission (one voter)
    cookies = signed_in.cookies
    statuses: list = []
    lock = threading.Lock()
    start = threading.Barrier(SUBMISSIONS, timeout=60)

    def submit():
        client = Client()
        client.cookies = cookies
        try:
            start.wait()
            answer = client.post(f"/api/v1/votes/{vote_id}/ballots", data=json.dumps({"choice": "同意"}),
                                 content_type="application/json")
            outcome = answer.status_code
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            statuses.append(outcome)

    threads = [threading.Thread(target=submit) for _ in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return statuses


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("electorate, rule", [("residents", "simple_majority"), ("households", "households_60")])
def test_fifty_concurrent_ballots_by_one_voter_count_once(demo, electorate, rule, settings):
    # What counts is the ballot, not the attempts: the attempts' rate limit (20 a minute) is off here.
    settings.GONGZHI_RATE_BALLOT = "off"
    factories.build(demo)
    vote = _create_vote(demo, electorate=electorate, rule=rule)
    statuses = _submit_all(demo.users["resident"], vote.pk)
    assert sorted(set(statuses)) == [201, 409], statuses
    assert statuses.count(201) == 1 and statuses.count(409) == SUBMISSIONS - 1
    assert Participation.objects.filter(vote=vote).count() == 1
    assert list(LedgerEntry.objects.filter(vote=vote).values_list("seq", flat=True)) == [1]
    vote.refresh_from_db()
    assert vote.ledger_length == 1 and votes.verify(vote).ok
