"""A voter's ballot when the process casting it is killed (SIGKILL): never lost once accepted, never twice.

Killed inside the ballot's transaction, nothing of it is left (no participation, no ledger entry,
no audit entry) and the voter may vote; killed right after the commit, the ballot is there with
its audit entry, and voting again is refused. The ledger verifies either way.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.audit.models import AuditEntry
from gongzhi.deliberation import votes
from gongzhi.deliberation.models import LedgerEntry, Participation
from tests.faults import in_child, killed

from . import factories

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _state(vote):
    vote.refresh_from_db()
    return (Participation.objects.filter(vote=vote).count(), LedgerEntry.objects.filter(vote=vote).count(),
            AuditEntry.objects.filter(action="deliberation.ballot", object_id=str(vote.pk)).count(), vote.ledger_length)


def test_a_ballot_killed_before_or_after_its_commit_is_counted_exactly_once(demo):
    factories.build(demo)
    vote = votes.create_vote(actor=demo.users["community"], draft=votes.VoteDraft(
        title="小区停车位划线", area=factories.Area.objects.get(code=factories.COMMUNITY), electorate="residents",
        rule="simple_majority", options=["同意", "反对", "弃权"], opens=timezone.now() - datetime.timedelta(minutes=5),
        closes=timezone.now() + datetime.timedelta(hours=1)))
    voter = demo.users["resident"]
    cast = (f"from gongzhi.accounts.models import User\nfrom gongzhi.deliberation import votes\n"
            f"votes.cast_ballot(user=User.objects.get(pk={voter.pk}), vote_id={vote.pk}, choice='同意')")

    assert killed(in_child(cast, fault="deliberation.ballot.before_commit"))
    assert _state(vote) == (0, 0, 0, 0)  # nothing of it: the voter has not voted
    assert not votes.voted(vote, voter)

    assert killed(in_child(cast, fault="deliberation.ballot.committed"))  # the answer never reached the voter
    assert _state(vote) == (1, 1, 1, 1)
    # The voter tries again: refused, and still one ballot.
    with pytest.raises(votes.AlreadyVoted):
        votes.cast_ballot(user=voter, vote_id=vote.pk, choice="同意")
    assert _state(vote) == (1, 1, 1, 1)
    assert votes.verify(vote).ok
    tally = votes.tally_from_database(vote)
    assert (tally["counts"]["同意"], tally["participants"]) == (1, 1)
