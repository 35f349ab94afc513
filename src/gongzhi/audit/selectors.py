"""Reads of the audit log, for the auditor's page and the Excel export."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from urllib.parse import urlencode

from django.utils import timezone

from .models import AuditEntry


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

    def querystring(self) -> str:
        data = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v}
        return urlencode(data)


def entries(f: AuditFilter):
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
