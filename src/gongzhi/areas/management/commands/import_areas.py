"""Import an area hierarchy from CSV or GeoJSON: all or nothing, upsert by code.

Prints each problem as ``row N, column C: reason`` and, as the last line, the counts as JSON
``{"rows", "created", "updated", "unchanged", "failed"}``. Exit 0 when every row passed (and,
without ``--dry-run``, was written), 1 when any row failed (nothing written), 2 when the file
cannot be read at all.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.areas.services import ImportFileError, import_areas


class Command(BaseCommand):
    help = ("Import areas (district/street/community/grid) from a CSV or GeoJSON file. All or nothing: "
            "if any row fails, nothing is written. Exit 1 on row errors, 2 when the file cannot be read.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8, optional BOM) or GeoJSON FeatureCollection")
        parser.add_argument("--dry-run", action="store_true", help="check and count without writing")

    def handle(self, *args, file: str, dry_run: bool, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror or exc}（无法读取文件）", returncode=2) from exc
        try:
            report = import_areas(actor=None, file=data, filename=path.name, dry_run=dry_run,
                                  actor_name="manage.py import_areas")
        except ImportFileError as exc:
            raise CommandError(f"cannot read {file}: {exc}", returncode=2) from exc
        for error in report.errors:
            self.stdout.write(str(error))
        self.stdout.write(json.dumps(report.counts()))
        if not report.ok:
            raise CommandError(f"{report.failed} row(s) failed; nothing was written（有错误，未写入任何数据）",
                               returncode=1)
