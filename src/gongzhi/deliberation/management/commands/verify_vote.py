"""``./gz manage verify_vote ID``: recompute a vote's result from its ledger and check the chain.

Exits 0 when every commitment, hash and the head hold and the recount matches the published
result; otherwise prints each entry that does not hold and exits 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.deliberation import votes
from gongzhi.deliberation.models import Vote


class Command(BaseCommand):
    help = "Recompute a vote's result from its hash-chained ledger and check the chain (exit 1 on any mismatch)."

    def add_arguments(self, parser):
        parser.add_argument("vote_id", type=int)

    def handle(self, *args, vote_id: int, **options):
        vote = Vote.objects.select_related("area").filter(pk=vote_id).first()
        if vote is None:
            raise CommandError(f"表决 {vote_id} 不存在 / vote {vote_id} does not exist")
        checked = votes.verify(vote)
        result = checked.result
        self.stdout.write(f"表决 #{vote.pk}「{vote.title}」：账本 {vote.ledger.count()} 条")
        self.stdout.write(f"计票：{result['counts']}；{'通过' if result['passed'] else '未通过'}")
        self.stdout.write(result["summary"])
        if not checked.ok:
            for problem in checked.problems:
                self.stderr.write(problem)
            raise CommandError(f"账本校验未通过（{len(checked.problems)} 处）/ ledger verification failed")
        self.stdout.write(self.style.SUCCESS("账本校验通过 / ledger verified"))
