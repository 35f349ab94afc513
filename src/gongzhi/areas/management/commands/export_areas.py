"""Export the area hierarchy (or one subtree) as CSV or GeoJSON that ``import_areas`` reads back."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.areas.exporter import FORMATS
from gongzhi.areas.models import Area
from gongzhi.areas.services import export_areas


class Command(BaseCommand):
    help = "Export areas as CSV or GeoJSON (OUT '-' writes to standard output)."

    def add_arguments(self, parser):
        parser.add_argument("out", help="output file, or - for standard output")
        parser.add_argument("--format", choices=FORMATS, default=None,
                            help="csv or geojson (default: from the file extension, else csv)")
        parser.add_argument("--root", metavar="CODE", default=None, help="export only this area's subtree")

    def handle(self, *args, out: str, format: str | None, root: str | None, **options):
        fmt = format or ("geojson" if out.lower().endswith((".geojson", ".json")) else "csv")
        root_area = None
        if root:
            root_area = Area.objects.filter(code=root).first()
            if root_area is None:
                raise CommandError(f"no area with code {root}（区划代码不存在）", returncode=2)
        text, count = export_areas(actor=None, fmt=fmt, root=root_area)
        if out == "-":
            self.stdout.write(text, ending="")
        else:
            try:
                Path(out).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {out}: {exc.strerror or exc}", returncode=2) from exc
            self.stderr.write(f"{count} areas written to {out} ({fmt})")
