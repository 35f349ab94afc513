"""``./gz manage import_basemap FILE --district 341702 --kind road [--name-field NAME] [--layer 道路]``:
the layers page's import from the command line, through the same upload guard and checks."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.basemap import services
from gongzhi.basemap.models import FeatureKind
from gongzhi.core import uploads


class Command(BaseCommand):
    help = "Import a road/river layer (GeoJSON or zipped Shapefile) into a district's base map"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--district", required=True, help="district code (6 digits)")
        parser.add_argument("--kind", default=FeatureKind.ROAD, choices=FeatureKind.values)
        parser.add_argument("--name-field", default="", help="the attribute holding the name")
        parser.add_argument("--layer", default="", help="layer name (default: the file name)")
        parser.add_argument("--user", required=True, help="the account importing (needs areas.manage)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        district = Area.objects.filter(code=options["district"]).first()
        if district is None:
            raise CommandError(f"区县不存在：{options['district']}")
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"账号不存在：{options['user']}")
        with path.open("rb") as fh:
            upload = File(fh, name=path.name)
            try:
                uploads.check_file(uploads.MAP_LAYER, upload)
            except uploads.UploadRefused as refused:
                raise CommandError(refused.message) from None
            data = fh.read()
        try:
            result = services.import_layer(actor=actor, district=district, data=data, filename=path.name,
                                           kind=options["kind"], name_field=options["name_field"],
                                           layer_name=options["layer"])
        except services.LayerRefused as refused:
            raise CommandError(refused.message) from None
        except PermissionDenied:
            raise CommandError(f"账号 {actor.username} 无权导入本区底图图层。") from None
        if result.batch is None:
            for number, reason in result.report.errors[:200]:
                self.stderr.write(f"要素 {number}：{reason}")
            raise CommandError(f"{len(result.report.errors)} 个要素有误，未写入任何数据。")
        self.stdout.write(f"已导入图层“{result.batch.name}”：{result.batch.feature_count} 个要素"
                          f"（替换原有 {result.replaced} 个）")
