"""Writing to the audit log. Every service that changes or reveals data calls ``record``.

Besides ``record`` this module holds the audit log's own use cases: the retention purge (the
only code allowed to delete entries) and the auditor's Excel export (itself audited).
"""

from __future__ import annotations

import ipaddress
import json
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from gongzhi.privacy.masking import mask_free_text
from gongzhi.privacy.sensitive import mask_record

from . import selectors
from .export import write_workbook
from .models import AuditChainHead, AuditEntry, AuditLogError

# 网络安全法 art. 21: network logs are kept for no less than six months.
MIN_RETENTION_DAYS = 180
PURGE_BATCH_SIZE = 5000


@dataclass(frozen=True)
class RequestContext:
    """Who acts and from where; built from a request (or given explicitly by commands/tasks)."""

    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> "RequestContext":
        if request is None:
            return cls()
        return cls(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])


def client_ip(request) -> str | None:
    """The peer address. Behind the production proxy, X-Forwarded-For's last hop is trusted."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _normalise_ip(value: str | None) -> str | None:
    """The canonical text form the database returns (PostgreSQL ``inet`` rejects garbage)."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": getattr(actor, "username", "") or "", "role": "", "area_code": ""}
    from gongzhi.accounts.permissions import primary_role

    role = primary_role(actor) or ""
    area_code = ""
    assignment = actor.role_assignments.filter(role=role).select_related("area").first() if role else None
    if assignment and assignment.area_id:
        area_code = assignment.area.code
    return {"actor": actor, "actor_name": actor.username, "role": role, "area_code": area_code}


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    success: bool = True,
    request=None,
    context: RequestContext | None = None,
    actor_name: str = "",
) -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction, if any).

    The head row is locked while appending, so appends serialise and ``seq`` has no gaps.
    Values are cut to their column sizes and normalised before hashing, so the hash is
    computed over exactly what the database stores and returns.

    The log is append-only, so personal data must never enter it: every value of a field declared
    sensitive (``privacy.sensitive``) in ``before``/``after`` is masked, and so is every ID- or
    phone-shaped number in any other text (values, the reason, the object's description).
    """
    ctx = context or RequestContext.from_request(request)
    fields = _actor_fields(actor)
    if actor_name and not fields["actor_name"]:
        fields["actor_name"] = actor_name
    fields["actor_name"] = fields["actor_name"][:150]
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            seq=head.last_seq + 1,
            at=timezone.now(),
            ip=_normalise_ip(ctx.ip),
            user_agent=(ctx.user_agent or "")[:300],
            action=action[:64],
            success=success,
            object_type=object_type[:64],
            object_id=str(object_id)[:64],
            object_repr=mask_free_text(object_repr)[:200],
            # Round-trip JSON so the hash is computed over exactly what the database returns.
            before=_jsonable(mask_record(before, object_type)),
            after=_jsonable(mask_record(after, object_type)),
            reason=mask_free_text(reason or "")[:500],
            prev_hash=head.last_hash,
            **fields,
        )
        entry.hash = entry.compute_hash()
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(id=1).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


def _jsonable(value):
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys that changed, for compact before/after records."""
    keys = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}


# --- Retention -------------------------------------------------------------------------------


def retention_days() -> int:
    """The configured retention period, never below the legal minimum of 180 days."""
    configured = getattr(settings, "GONGZHI_AUDIT_RETENTION_DAYS", 365)
    return max(MIN_RETENTION_DAYS, int(configured))


@dataclass(frozen=True)
class PurgeResult:
    purged: int
    cutoff: datetime
    retention_days: int
    anchor_seq: int


def purge_expired(
    *, now: datetime | None = None, batch_size: int = PURGE_BATCH_SIZE, actor_name: str = "purge_audit"
) -> PurgeResult:
    """Delete the entries older than the retention period, keeping the chain verifiable.

    Only a contiguous prefix of the chain is removed (everything before the first entry that
    is still within the retention period). The rows about to go are verified first: a purge
    never destroys a tampered row, it refuses (``AuditLogError``) and records the refusal.
    Deletion runs in batches; each batch moves the head's anchor to the first remaining
    entry in the same transaction. The run is recorded as ``audit.purge`` with the count.
    Safe to run twice.
    """
    from .integrity import verify_prefix

    days = retention_days()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    head, _ = AuditChainHead.objects.get_or_create(id=1)
    first_kept = AuditEntry.objects.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
    boundary = first_kept if first_kept is not None else head.last_seq + 1
    start = head.anchor_seq or 1
    details = {"retention_days": days, "cutoff": cutoff}
    if boundary > start:
        result = verify_prefix(stop_seq=min(boundary, head.last_seq))
        if not result.ok:
            problem = result.first_break.describe()
            record(actor=None, actor_name=actor_name, action="audit.purge", success=False,
                   after={**details, "purged": 0, "refused": problem})
            raise AuditLogError(f"audit chain is broken, purge refused: {problem}")
    purged = 0
    while True:
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update().get(id=1)
            lo = head.anchor_seq or 1
            hi = min(lo + batch_size, boundary)
            if lo >= hi:
                break
            # The last deleted row's hash is what the first remaining row links to.
            link = AuditEntry.objects.filter(seq=hi - 1).values_list("hash", flat=True).first()
            if link is None:
                raise AuditLogError(f"audit entry seq {hi - 1} vanished during the purge")
            doomed = AuditEntry.objects.filter(seq__gte=lo, seq__lt=hi)
            # The raw delete bypasses AuditEntryQuerySet.delete's guard: this is the one place.
            purged += doomed._raw_delete(doomed.db)
            AuditChainHead.objects.filter(id=1).update(anchor_seq=hi, anchor_prev_hash=link)
    anchor = AuditChainHead.objects.values_list("anchor_seq", flat=True).get(id=1)
    record(actor=None, actor_name=actor_name, action="audit.purge",
           after={**details, "purged": purged, "anchor_seq": anchor})
    return PurgeResult(purged=purged, cutoff=cutoff, retention_days=days, anchor_seq=anchor)


# --- Export ----------------------------------------------------------------------------------


def export_log(*, actor, filters, request=None) -> tuple[IO[bytes], int]:
    """Write the entries matching ``filters`` to an .xlsx file for the security auditor.

    Rows are read in batches and written by a write-only workbook through a temporary file,
    so memory stays bounded on any number of entries. Returns the open file (positioned at 0;
    the caller streams and closes it) and the number of rows. The export itself is recorded
    (``audit.export``) with the filters and the row count.
    """
    from gongzhi.accounts.permissions import require_perm
    from gongzhi.accounts.roles import Perm

    require_perm(actor, Perm.AUDIT_VIEW)
    out = tempfile.TemporaryFile(suffix=".xlsx")
    count = write_workbook(selectors.iter_entries(filters), out)
    out.seek(0)
    record(actor=actor, action="audit.export", object_type="audit.auditentry",
           after={"filters": filters.as_dict(), "rows": count}, request=request)
    return out, count
