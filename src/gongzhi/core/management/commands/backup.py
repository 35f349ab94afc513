"""``./gz manage backup OUT``: the database and the data files in one archive (core/backup)."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.backup.archive import create_backup
from gongzhi.core.backup.errors import BackupError


class Command(BaseCommand):
    help = (
        "Write a backup (database snapshot, uploaded and generated files, manifest with SHA-256 checksums; "
        "never the keys) to OUT: a .tar or .tar.gz file, or a directory that receives "
        "gongzhi-backup-YYYYmmdd-HHMMSS.tar.gz (created when OUT ends with /). Safe while the platform runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="the archive to write (.tar, .tar.gz) or an existing directory")

    def handle(self, *args, out: str, **options):
        say = self.stdout.write if options.get("verbosity", 1) >= 1 else (lambda _m: None)
        try:
            result = create_backup(out, say=say)  # the raw text: a trailing slash means a directory
        except BackupError as exc:
            raise CommandError(f"备份失败 / backup failed: {exc}") from exc
        except OSError as exc:
            raise CommandError(f"备份失败 / backup failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(
            f"备份完成 / backup written: {result.path} ({result.size} bytes, {result.files} files, "
            f"sha256 {result.sha256})"))
