"""``./gz manage import_residents FILE --area CODE [--dry-run] [--strict] [--report OUT.xlsx]``.

Prints each row error as "row N, column C: reason" and, as its last line, one JSON object with
the counts. Exits 0 whenever the file could be read (row errors included), 2 when it could not.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.registry.importing.engine import UnknownArea, import_residents
from gongzhi.registry.importing.reader import ImportFileError
from gongzhi.registry.importing.report import write_error_report


class Command(BaseCommand):
    help = "Import residents from an .xlsx, .xls or .csv sheet into an area (one transaction)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the sheet to import (.xlsx, .xls or .csv)")
        parser.add_argument("--area", required=True, help="code of the target area")
        parser.add_argument("--dry-run", action="store_true", help="check every row and write nothing")
        parser.add_argument("--strict", action="store_true", help="write nothing if any row fails")
        parser.add_argument("--report", metavar="OUT.xlsx", help="write the sheet with an error-reason column here")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror or error}", returncode=2) from None
        try:
            report = import_residents(actor=None, data=data, filename=path.name, area_code=options["area"],
                                      dry_run=options["dry_run"], strict=options["strict"])
        except ImportFileError as error:
            raise CommandError(f"cannot read {path}: {error}", returncode=2) from None
        except UnknownArea:
            raise CommandError(f"unknown area code {options['area']!r}") from None
        for error in report.errors:
            self.stdout.write(f"row {error.row}, column {error.column}: {error.message}")
        for row, address in report.unmatched_addresses:
            self.stdout.write(f"row {row}: unmatched address {address}")
        if options["report"]:
            with open(options["report"], "wb") as out:
                write_error_report(data=data, filename=path.name, header_row=report.header_row,
                                   errors=report.errors, out=out)
        self.stdout.write(json.dumps(report.counts()))
