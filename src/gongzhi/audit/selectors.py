"""Reads of the audit log, for the auditor's page and the Excel export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEntry

ITER_BATCH_SIZE = 2000


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    area: str = ""
    date_from: date | None = None
    date_to: date | None = None
    success: str = ""  # "", "1", "0"

    @classmethod
    def from_query(cls, query) -> "AuditFilter":
        success = query.get("success", "")
        return cls(
            actor=query.get("actor", "").strip()[:150],
            action=query.get("action", "").strip()[:64],
            area=query.get("area", "").strip()[:14],
            date_from=_parse_date(query.get("date_from")),
            date_to=_parse_date(query.get("date_to")),
            success=success if success in {"1", "0"} else "",
        )

    def as_dict(self) -> dict[str, str]:
        """The filters that are set, as strings (for query strings and the export's audit entry)."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v}

    def querystring(self) -> str:
        return urlencode(self.as_dict())


def entries(f: AuditFilter) -> QuerySet[AuditEntry]:
    """Entries matching the filters, newest first. Only the security auditor reaches this."""
    qs = AuditEntry.objects.all()
    if f.actor:
        qs = qs.filter(actor_name__icontains=f.actor)
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.area:
        qs = qs.filter(area_code__startswith=f.area)
    tz = timezone.get_current_timezone()
    if f.date_from:
        qs = qs.filter(at__gte=datetime.combine(f.date_from, time.min, tzinfo=tz))
    if f.date_to:
        qs = qs.filter(at__lte=datetime.combine(f.date_to, time.max, tzinfo=tz))
    if f.success:
        qs = qs.filter(success=f.success == "1")
    return qs.order_by("-seq")


def iter_entries(f: AuditFilter, *, batch_size: int | None = None) -> Iterator[AuditEntry]:
    """``entries(f)`` in batches by keyset on ``seq`` (bounded memory, no server-side cursor)."""
    batch_size = batch_size or ITER_BATCH_SIZE
    qs = entries(f)
    before = None
    while True:
        page = qs if before is None else qs.filter(seq__lt=before)
        batch = list(page[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        before = batch[-1].seq
