"""Writes of the base map: importing a layer file (replacing the layer of the same name, so a
re-import never duplicates), deleting a layer. District staff (``areas.manage``) only, audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm, require_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record
from gongzhi.core.errors import DomainError

from . import importing
from .models import FeatureKind, LayerBatch, MapFeature, RoadRank


class LayerRefused(DomainError):
    status = 422
    code = "invalid"


@dataclass
class ImportResult:
    report: importing.LayerReport
    batch: LayerBatch | None = None
    replaced: int = 0  # features of the earlier import of the same layer, now gone


def _check_district(actor, district: Area) -> None:
    if district.level != Level.DISTRICT:
        raise LayerRefused(_("底图图层须导入到区县。"))
    require_perm(actor, Perm.AREAS_MANAGE, district)


def _extent(district: Area) -> tuple[float, float, float, float] | None:
    """The district's bbox widened by about 5 km (roads run on past boundaries)."""
    if not district.geometry:
        return None
    from gongzhi.core import geo

    try:
        west, south, east, north = geo.bbox_of(district.geometry)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return west - 0.05, south - 0.05, east + 0.05, north + 0.05


def import_layer(*, actor, district: Area, data: bytes, filename: str, kind: str, layer_name: str = "",
                 name_field: str = "", request=None) -> ImportResult:
    """Read and check ``data``; when every feature is good, write them as the layer ``layer_name``
    (the file's name without extension by default) of ``district``, replacing that layer's earlier
    features. With any feature refused nothing is written and the report lists each by number."""
    _check_district(actor, district)
    if kind not in FeatureKind.values:
        raise LayerRefused(_("要素类型无效。"))
    layer_name = (layer_name or filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip()[:100] or _("未命名图层")
    try:
        report = importing.read_layer(data, filename, kind=kind, name_field=name_field, extent=_extent(district))
    except importing.LayerFileError as error:
        record(actor=actor, action="areas.basemap_import", obj=district, success=False, reason=str(error)[:200],
               after={"layer": layer_name, "file": filename[:200]}, request=request)
        raise LayerRefused(str(error)) from None
    result = ImportResult(report)
    if not report.ok:
        record(actor=actor, action="areas.basemap_import", obj=district, success=False,
               reason=_("%(n)d 个要素有误") % {"n": len(report.errors)},
               after={"layer": layer_name, "file": filename[:200], "errors": len(report.errors)}, request=request)
        return result
    rank = RoadRank.SECONDARY
    with transaction.atomic():
        batch, _created = LayerBatch.objects.select_for_update().get_or_create(
            area=district, name=layer_name, defaults={"kind": kind, "district_code": district.code[:6]})
        result.replaced = batch.features.count()
        batch.features.all().delete()
        batch.kind, batch.source, batch.name_field = kind, filename[:200], report.name_field
        batch.digest = hashlib.sha256(data).hexdigest()
        batch.imported_by = actor if getattr(actor, "pk", None) else None
        batch.feature_count = len(report.features)
        batch.save()
        rows = []
        for item in report.features:
            feature = MapFeature(batch=batch, area=district, district_code=district.code[:6], kind=kind,
                                 name=item.name, rank=rank, geometry=item.geometry)
            feature.set_bbox()
            rows.append(feature)
        MapFeature.objects.bulk_create(rows, batch_size=1000)
        record(actor=actor, action="areas.basemap_import", obj=district,
               after={"layer": layer_name, "file": filename[:200], "kind": kind, "features": len(rows),
                      "replaced": result.replaced, "name_field": report.name_field}, request=request)
    result.batch = batch
    return result


def delete_layer(*, actor, batch: LayerBatch, request=None) -> None:
    _check_district(actor, batch.area)
    with transaction.atomic():
        count = batch.features.count()
        record(actor=actor, action="areas.basemap_delete", obj=batch.area,
               before={"layer": batch.name, "features": count, "file": batch.source}, request=request)
        batch.delete()


def can_manage(user) -> bool:
    return has_perm(user, Perm.AREAS_MANAGE)
