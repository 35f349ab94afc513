"""Personal-data use cases: revealing a masked value (permission + typed reason, audited —
PIPL: access logged) and rotating the field-encryption key."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q, TextField
from django.db.models.expressions import ExpressionWrapper
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.audit.services import record

from . import crypto
from .fields import blind_index_fields, encrypted_fields
from .masking import mask
from .sensitive import PLAIN_FOR_UNMASKERS, kind_of

MIN_REASON_LENGTH = 4
ROTATION_BATCH_SIZE = 500


def masking_kind(obj: models.Model, field: str) -> str | None:
    """The declared masking kind of ``obj.field`` (``privacy.sensitive``); ``None`` when the field
    is not personal data (and so cannot be revealed either)."""
    return kind_of(type(obj), field) or None


def masked_value(obj: models.Model, field: str) -> str:
    """The de-identified form of ``obj.field`` shown on screens and in exports."""
    return mask(masking_kind(obj, field) or field, getattr(obj, field, "") or "")


def may_unmask(viewer, obj: models.Model) -> bool:
    """Whether ``viewer`` holds ``personal.unmask`` where ``obj`` is kept (see ``can_reveal``)."""
    area = _area_of(obj)
    if area is not None:
        return has_perm(viewer, Perm.PERSONAL_UNMASK, area)
    if obj._meta.label_lower == "accounts.user":
        return has_perm(viewer, Perm.ACCOUNTS_MANAGE)
    return False


def shown_value(viewer, obj: models.Model, field: str):
    """``obj.field`` as ``viewer`` is shown it without asking: masked, except the kinds that
    ``personal.unmask`` shows in clear (``sensitive.PLAIN_FOR_UNMASKERS``: the birth date)."""
    kind = masking_kind(obj, field)
    value = getattr(obj, field, None)
    if kind is None or (kind in PLAIN_FOR_UNMASKERS and may_unmask(viewer, obj)):
        return value
    return masked_value(obj, field)


def _area_of(obj: models.Model):
    """The area that scopes ``obj``: its ``area``, else its ``home_area`` (no query when unset)."""
    for name in ("area", "home_area"):
        if getattr(obj, f"{name}_id", None) is not None:
            return getattr(obj, name)
    return None


def can_reveal(actor, obj: models.Model, field: str) -> bool:
    """Whether ``actor`` may see ``obj.field`` unmasked (a reason is still required to do so).

    Scope rule: data bound to an area (``obj.area``, or a resident's ``home_area``) needs
    ``personal.unmask`` inside that area. A user account without a home area is a staff
    account: only account managers may reveal its contact data. Anything else is refused.
    """
    if masking_kind(obj, field) is None:
        return False
    return may_unmask(actor, obj)


def reveal(*, actor, obj: models.Model, field: str, reason: str, request=None) -> str:
    """Return the unmasked value of ``obj.field`` after checking permission and recording why.

    Refused attempts are recorded too (``personal.reveal_denied``, success=False) before
    ``PermissionDenied`` is raised. A missing or too short reason raises ``ValidationError``
    (nothing is revealed, nothing recorded).
    """
    reason = (reason or "").strip()
    if not can_reveal(actor, obj, field):
        record(actor=actor, action="personal.reveal_denied", obj=obj, reason=reason, success=False,
               after={"field": field}, request=request)
        raise PermissionDenied
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(_("请填写查看完整信息的事由（至少 %(n)d 个字）。") % {"n": MIN_REASON_LENGTH},
                              code="reason_required")
    record(actor=actor, action="personal.reveal", obj=obj, reason=reason, after={"field": field}, request=request)
    return getattr(obj, field) or ""


# --- Key rotation ----------------------------------------------------------------------------


def _raw(field) -> ExpressionWrapper:
    """The stored ciphertext, without the field's decrypting converter."""
    return ExpressionWrapper(F(field.attname), output_field=TextField())


def _stale_rows_q(fields, key_id: str) -> Q:
    """Rows holding a value that is not encrypted under ``key_id``."""
    q = Q()
    for field in fields:
        alias = f"_raw_{field.attname}"
        q |= Q(**{f"{alias}__gt": ""}) & ~Q(**{f"{alias}__startswith": f"{key_id}$"})
    return q


def _rotate_model(model: type[models.Model], key_id: str, batch_size: int) -> int:
    fields = [f for f in encrypted_fields(model) if f.model is model]
    indexes = [f for f in blind_index_fields(model) if f.model is model]
    manager = model._base_manager
    stale = manager.annotate(**{f"_raw_{f.attname}": _raw(f) for f in fields}).filter(_stale_rows_q(fields, key_id))
    rotated, after = 0, None
    while True:
        page = stale.order_by("pk") if after is None else stale.filter(pk__gt=after).order_by("pk")
        pks = list(page.values_list("pk", flat=True)[:batch_size])
        if not pks:
            return rotated
        with transaction.atomic():
            # Loading decrypts with whichever configured key wrote the value; saving the same
            # plaintext encrypts under the current key. Rows are locked so a concurrent edit
            # cannot be overwritten with the old value.
            rows = list(manager.select_for_update().filter(pk__in=pks).order_by("pk"))
            for row in rows:
                for index in indexes:
                    setattr(row, index.attname, index.compute(getattr(row, index.source)))
            manager.bulk_update(rows, [f.name for f in fields] + [f.name for f in indexes])
        rotated += len(rows)
        after = pks[-1]


def rotate_data_key(
    *, batch_size: int = ROTATION_BATCH_SIZE, progress: Callable[[str, int], None] | None = None,
    actor_name: str = "rotate_data_key",
) -> dict[str, int]:
    """Re-encrypt every value not written under the current key; recompute blind indexes.

    Covers every installed model with ``EncryptedTextField``s. Works in batches, each in its
    own transaction, so it can run on a live system and be interrupted and restarted; a second
    run finds nothing to do. Returns ``{model label: rows re-encrypted}`` and records the run
    (``privacy.rotate_key``). ``DecryptionError`` stops it when a value was written under a
    key that is no longer configured.
    """
    key_id = crypto.current_key().key_id
    counts: dict[str, int] = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if not any(f.model is model for f in encrypted_fields(model)):
            continue
        counts[model._meta.label_lower] = _rotate_model(model, key_id, max(1, batch_size))
        if progress is not None:
            progress(model._meta.label_lower, counts[model._meta.label_lower])
    record(actor=None, actor_name=actor_name, action="privacy.rotate_key", object_repr=key_id,
           after={"key_id": key_id, "rows": counts})
    return counts
