"""Writing to the audit log. Every service that changes or reveals data calls ``record``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEntry


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
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


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
    """Append one entry to the chain (inside the caller's transaction, if any)."""
    ctx = context or RequestContext.from_request(request)
    fields = _actor_fields(actor)
    if actor_name and not fields["actor_name"]:
        fields["actor_name"] = actor_name
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            seq=head.last_seq + 1,
            at=timezone.now(),
            ip=ctx.ip,
            user_agent=ctx.user_agent,
            action=action,
            success=success,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            before=before,
            after=after,
            reason=reason[:500],
            prev_hash=head.last_hash,
            **fields,
        )
        # Round-trip JSON so the hash is computed over exactly what the database returns.
        entry.before = _jsonable(before)
        entry.after = _jsonable(after)
        entry.hash = entry.compute_hash()
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(id=1).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


def _jsonable(value):
    if value is None:
        return None
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys that changed, for compact before/after records."""
    keys = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}
