"""Delete audit entries past the retention period (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gongzhi.audit.models import AuditLogError
from gongzhi.audit.services import PURGE_BATCH_SIZE, purge_expired


class Command(BaseCommand):
    help = (
        "Delete audit entries older than GONGZHI_AUDIT_RETENTION_DAYS (never fewer than 180 days), "
        "keeping the hash chain verifiable. Schedule it daily, e.g. cron: "
        "'15 3 * * * cd /srv/gongzhi && ./gz manage purge_audit'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=PURGE_BATCH_SIZE,
                            help="entries deleted per transaction")

    def handle(self, *args, batch_size: int, **options):
        try:
            result = purge_expired(batch_size=max(1, batch_size))
        except AuditLogError as exc:
            raise CommandError(f"清理已拒绝 / purge refused: {exc}. Run ./gz manage verify_audit.") from exc
        cutoff = timezone.localtime(result.cutoff).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(self.style.SUCCESS(
            f"已清理 {result.purged} 条早于 {cutoff} 的审计记录（保留 {result.retention_days} 天） / "
            f"purged {result.purged} entries older than {result.retention_days} days"))
