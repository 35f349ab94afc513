"""``./gz manage restore IN``: put a backup back, after checking all of it (core/backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.backup.archive import restore_backup, verify_backup
from gongzhi.core.backup.errors import BackupError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: every checksum, the data key's fingerprint, the database vendor "
        "and the migrations are checked before anything changes; then the files and the database are "
        "replaced (a failure leaves the old data). The web server, the task worker and the clock must be "
        "stopped. --check only verifies the archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the backup file (.tar or .tar.gz)")
        parser.add_argument("--check", action="store_true",
                            help="verify the archive completely (checksums, key, vendor, migrations); change nothing")
        parser.add_argument("--force", action="store_true",
                            help="restore even though other processes use the database (they see the restored "
                                 "data at once but keep what they hold in memory: restart them afterwards)")

    def handle(self, *args, archive: str, check: bool, force: bool, **options):
        say = self.stdout.write if options.get("verbosity", 1) >= 1 else (lambda _m: None)
        try:
            if check:
                manifest = verify_backup(Path(archive))
                self.stdout.write(self.style.SUCCESS(
                    f"备份完好，可以恢复 / the backup is intact and can be restored here: {archive} "
                    f"(made {manifest['created_at']}, {len(manifest['members']) - 1} files)"))
                return
            result = restore_backup(Path(archive), force=force, say=say)
        except BackupError as exc:
            word = "校验失败" if check else "恢复被拒绝或失败，数据未改动"
            raise CommandError(f"{word} / {'check failed' if check else 'restore refused or failed, nothing changed'}: "
                               f"{exc}") from exc
        self.stdout.write(self.style.SUCCESS(
            f"恢复完成 / restored: {archive} (made {result.manifest['created_at']}, {result.files} files)"))
        if result.chain.ok:
            self.stdout.write(f"审计链完整 / audit chain verified: {result.chain.checked} entries")
        else:
            raise CommandError(f"恢复后审计链断裂 / after the restore the audit chain is broken at "
                               f"{result.chain.first_break.describe()}", returncode=1)
