"""``./gz manage verify_vote ID`` as a program: exit 0 on an intact ledger; after one ledger entry is
changed in the database, a non-zero exit naming that entry."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.deliberation import votes
from gongzhi.deliberation.models import LedgerEntry

from . import factories


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _verify(vote_id: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gongzhi.settings.test", "GONGZHI_DATABASE_URL": _database_url()}
    return subprocess.run([sys.executable, "-m", "gongzhi", "verify_vote", str(vote_id)], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_verify_vote_exits_non_zero_and_names_the_changed_entry(demo):
    hood = factories.build(demo)
    vote = votes.create_vote(actor=demo.users["community"], draft=votes.VoteDraft(
        title="垃圾分类定时定点投放", area=hood.community, electorate="households", rule="households_60",
        options=list(votes.YES_NO_ABSTAIN), opens=timezone.now() - datetime.timedelta(minutes=1),
        closes=timezone.now() + datetime.timedelta(hours=1)))
    for elector, choice in zip(vote.electors.order_by("pk"), ("同意", "同意", "反对")):
        votes.enter_paper_ballot(actor=demo.users["community"], vote_id=vote.pk, elector_id=elector.pk, choice=choice)

    intact = _verify(vote.pk)
    assert intact.returncode == 0, intact.stderr
    assert "账本校验通过" in intact.stdout

    changed = LedgerEntry.objects.get(vote=vote, seq=3)
    LedgerEntry.objects.filter(pk=changed.pk).update(choice="同意")
    broken = _verify(vote.pk)
    assert broken.returncode != 0
    assert f"第 3 条（回执 {changed.receipt}）" in broken.stderr and "第 1 条" not in broken.stderr
