"""Writes to the hierarchy: importing areas from a file, and exporting them (audited reads)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.permissions import require_perm
from gongzhi.accounts.roles import Perm
from gongzhi.audit.services import RequestContext, record

from . import exporter, importer
from .importer import ImportFileError, ParsedFile, PlannedArea, RowError
from .models import LEVEL_ORDER, Area, Kind
from .scope import scope_paths

WRITE_BATCH = 500
AUDIT_ERROR_SAMPLE = 20

__all__ = ["ImportFileError", "ImportReport", "RowChange", "export_areas", "import_areas"]


@dataclass(frozen=True)
class RowChange:
    row: int
    code: str
    name: str
    action: str
    fields: tuple[str, ...] = ()
    kind_label: str = ""  # 镇, 村, 村民小组…: what the row will be


@dataclass
class ImportReport:
    """What an import found and did. Nothing was written unless ``committed``."""

    format: str
    rows: int
    errors: list[RowError]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    committed: bool = False
    changes: list[RowChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def failed(self) -> int:
        """Rows with at least one error (the header counts as row 1)."""
        return len({e.row for e in self.errors})

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "failed": self.failed}


def import_areas(
    *,
    actor,
    file: bytes | None = None,
    rows: ParsedFile | Iterable[Mapping[str, Any]] | None = None,
    filename: str = "",
    dry_run: bool = False,
    request=None,
    context: RequestContext | None = None,
    actor_name: str = "",
) -> ImportReport:
    """Import (upsert by code) an area hierarchy from CSV/GeoJSON bytes (``file``) or ``rows``.

    ``rows`` is a ``ParsedFile`` or mappings with ``code``, ``name``, ``level``, ``parent`` and
    optionally ``geometry`` (a GeoJSON dict or text); they are numbered from 1 in reports.

    All or nothing: when any row fails, nothing is written and the report lists every failing
    row with its column and reason. ``dry_run`` checks and counts without writing. A web user
    needs ``areas.manage`` and may only touch areas inside their scope; ``actor=None`` (the
    management command) is unrestricted. The check runs inside the writing transaction, so the
    plan cannot go stale between check and write. A committed import, or a refused one, is
    recorded as one ``areas.import`` audit entry with the counts; a dry run records nothing.
    Raises ``ImportFileError`` when the file as a whole cannot be read.
    """
    paths = None
    if actor is not None:
        require_perm(actor, Perm.AREAS_MANAGE)
        paths = scope_paths(actor)
    if (file is None) == (rows is None):
        raise ValueError("import_areas needs exactly one of file= or rows=")
    if file is not None:
        parsed = importer.parse(file, filename)
    else:
        parsed = rows if isinstance(rows, ParsedFile) else importer.from_records(rows)
    details = {"format": parsed.format, "filename": filename[:200]}
    if file is not None:
        details["sha256"] = hashlib.sha256(file).hexdigest()

    if dry_run:
        return _report(parsed, importer.validate(parsed, scope_paths=paths), dry_run=True)

    with transaction.atomic():
        plan = importer.validate(parsed, scope_paths=paths)
        report = _report(parsed, plan, dry_run=False)
        if plan.ok:
            _write(plan.areas)
            report.committed = True
            record(actor=actor, action="areas.import", object_type="areas.area",
                   after={**details, **report.counts()}, request=request, context=context, actor_name=actor_name)
    if not report.ok:
        sample = [str(e) for e in report.errors[:AUDIT_ERROR_SAMPLE]]
        record(actor=actor, action="areas.import", object_type="areas.area", success=False,
               after={**details, **report.counts(), "errors": sample},
               request=request, context=context, actor_name=actor_name)
    return report


def _report(parsed: ParsedFile, plan: importer.ImportPlan, *, dry_run: bool) -> ImportReport:
    report = ImportReport(format=parsed.format, rows=plan.rows, errors=plan.errors, dry_run=dry_run)
    for item in plan.areas:
        setattr(report, item.action, getattr(report, item.action) + 1)
        if item.action != "unchanged":
            report.changes.append(RowChange(item.number, item.code, item.name, item.action, item.changes,
                                            kind_label=str(Kind(item.kind).label) if item.kind else ""))
    return report


def _write(planned: list[PlannedArea]) -> None:
    """Create level by level (parents first), then update; paths are built from the parents."""
    now = timezone.now()
    known: dict[str, Area] = {p.code: p.existing for p in planned if p.existing is not None}
    parent_codes = {p.parent for p in planned if p.parent and p.parent not in known}
    known.update({a.code: a for a in Area.objects.filter(code__in=parent_codes).only("id", "code", "path")})

    for level in LEVEL_ORDER:
        new = [p for p in planned if p.level == level and p.action == "created"]
        if not new:
            continue
        objs = []
        for p in new:
            parent = known.get(p.parent) if p.parent else None
            lon, lat = importer.centroid_of(p.shape) if p.shape is not None else (None, None)
            area = Area(code=p.code, name=p.name, level=p.level, kind=p.kind, parent=parent,
                        path=Area.build_path(p.code, parent), geometry=p.geometry,
                        centroid_lon=lon, centroid_lat=lat)
            area.fill_kind()
            objs.append(area)
        Area.objects.bulk_create(objs, batch_size=WRITE_BATCH)
        if any(o.pk is None for o in objs):
            ids = dict(Area.objects.filter(code__in=[o.code for o in objs]).values_list("code", "id"))
            for o in objs:
                o.pk = ids[o.code]
        known.update({o.code: o for o in objs})

    changed = []
    for p in planned:
        if p.action != "updated":
            continue
        area = p.existing
        area.name = p.name
        if "kind" in p.changes:
            area.kind = p.kind
        if "geometry" in p.changes:
            area.geometry = p.geometry
            area.centroid_lon, area.centroid_lat = importer.centroid_of(p.shape)
        # bulk_update skips auto_now; the grid index notices changes through updated_at.
        area.updated_at = now
        changed.append(area)
    Area.objects.bulk_update(changed, ["name", "kind", "geometry", "centroid_lon", "centroid_lat", "updated_at"],
                             batch_size=WRITE_BATCH)


def export_areas(*, actor, fmt: str, root: Area | None = None, request=None) -> tuple[str, int]:
    """The actor's visible subtree (or ``root``'s) as CSV text or GeoJSON text, and the row count.

    The file re-imports with zero changes. ``actor=None`` (the management command) exports the
    whole hierarchy. Web exports are recorded as ``areas.export``.
    """
    if fmt not in exporter.FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if actor is not None:
        require_perm(actor, Perm.AREAS_VIEW)
        areas = Area.objects.visible_to(actor)
    else:
        areas = Area.objects.all()
    if root is not None:
        areas = areas.subtree(root)
    text, count = exporter.render(areas, fmt)
    if actor is not None:
        record(actor=actor, action="areas.export", object_type="areas.area",
               after={"format": fmt, "rows": count, "root": root.code if root else ""}, request=request)
    return text, count
