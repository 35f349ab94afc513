"""Revealing a masked value: permission + typed reason, always audited (PIPL: access logged)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.audit.services import record

MIN_REASON_LENGTH = 4

# Which fields may be revealed, per model label: field name -> masking kind. Later apps add theirs.
REVEALABLE: dict[str, dict[str, str]] = {
    "accounts.user": {"phone": "phone"},
}


def register_revealable(model_label: str, fields: dict[str, str]) -> None:
    REVEALABLE.setdefault(model_label, {}).update(fields)


def reveal(*, actor, obj: models.Model, field: str, reason: str, request=None) -> str:
    """Return the unmasked value of ``obj.field`` after checking permission and recording why."""
    label = obj._meta.label_lower
    if field not in REVEALABLE.get(label, {}):
        raise PermissionDenied
    area = getattr(obj, "area", None) or getattr(obj, "home_area", None)
    if not has_perm(actor, Perm.PERSONAL_UNMASK, area):
        record(actor=actor, action="personal.reveal_denied", obj=obj, reason=reason[:500], success=False,
               after={"field": field}, request=request)
        raise PermissionDenied
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(_("请填写查看完整信息的事由（至少 %(n)d 个字）。") % {"n": MIN_REASON_LENGTH},
                              code="reason_required")
    record(actor=actor, action="personal.reveal", obj=obj, reason=reason, after={"field": field}, request=request)
    return getattr(obj, field) or ""
