"""Verify the audit hash chain; name the first broken row (exit 1) or report how many verified."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.audit.integrity import DEFAULT_BATCH_SIZE, verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and report the first broken link (exit code 1)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                            help="entries read per query (memory stays bounded by this)")

    def handle(self, *args, batch_size: int, **options):
        result = verify_chain(batch_size=max(1, batch_size))
        if result.ok:
            self.stdout.write(self.style.SUCCESS(
                f"OK, {result.checked} entries verified（审计链完整，已校验 {result.checked} 条）"))
            return
        broken = result.first_break
        self.stderr.write(f"审计链断裂 / audit chain broken at {broken.describe()}")
        self.stderr.write(f"{result.checked} entries verified before the break")
        raise CommandError(f"audit chain broken at seq {broken.seq} ({broken.kind.value})", returncode=1)
