"""Which model fields hold personal data, and how each is masked: declared once, on the field.

An encrypted field names its masking kind (``EncryptedTextField(..., sensitive="phone")``); a plain
field that must be masked too (a birth date, which *is* the masked middle of an ID number) is
wrapped: ``birth_date = declare(models.DateField(...), "birth_date")``. Everything that shows,
records or exports personal data reads that one declaration: the masked-value widget and its
reveal endpoint (``privacy.services``), the audit recorder (``mask_record``, called by
``audit.services.record`` on every before/after) and the exports. A test walks every model so a
later app cannot add a phone or ID field without declaring it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .masking import MASKERS, mask, mask_free_text

F = TypeVar("F", bound=models.Field)
_DIGEST = re.compile(r"[0-9a-f]{32,128}")

# Kinds a viewer holding ``personal.unmask`` in the record's area sees in clear without asking
# (the reveal-with-a-reason step is for identifiers; a birth date only needs hiding from the rest).
PLAIN_FOR_UNMASKERS = frozenset({"birth_date"})

# Fields whose names look like personal data but are not, each with the reason (checked by
# ``tests/test_sensitive.py``, which refuses any other undeclared phone/ID/contact-like field).
NOT_PERSONAL: dict[str, str] = {
    "accounts.department.phone": "a department's office line, published to residents",
    "accounts.phonecode.phone_index": "an HMAC of the phone (a blind index), not the number",
    "registry.person.phone_last4": "the last four digits only, for search by staff in scope",
}


def declare(field: F, kind: str) -> F:
    """Mark a plain model field as personal data masked as ``kind`` (one of ``MASKERS``)."""
    if kind not in MASKERS:
        raise ValueError(f"unknown masking kind {kind!r}")
    field.sensitive = kind  # type: ignore[attr-defined]
    return field


def field_kind(field: models.Field) -> str:
    """The masking kind declared on ``field`` (``""`` when it is not personal data)."""
    return getattr(field, "sensitive", "") or ""


def kind_of(model: type[models.Model], name: str) -> str:
    """The masking kind of ``model.name`` (``""`` for an undeclared or unknown field)."""
    try:
        return field_kind(model._meta.get_field(name))
    except FieldDoesNotExist:
        return ""


def sensitive_fields(model: type[models.Model]) -> dict[str, str]:
    """``{field name: masking kind}`` of every declared field of ``model``."""
    return {f.name: field_kind(f) for f in model._meta.concrete_fields if field_kind(f)}


@lru_cache(maxsize=1)
def kinds_by_name() -> dict[str, str]:
    """Every declared field name of every installed model with its kind (for records whose model
    is unknown, or that copy another model's values under the same names)."""
    kinds: dict[str, str] = {}
    for model in apps.get_models():
        for name, kind in sensitive_fields(model).items():
            kinds.setdefault(name, kind)
    return kinds


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label) if label.count(".") == 1 else None
    except LookupError:
        return None


def mask_record(values: Any, model_label: str = "") -> Any:
    """``values`` (a before/after dict, list or text) with personal data masked, for the audit log.

    A key that is a declared field (of ``model_label``'s model, else of any model) is masked as
    its kind; every other text is passed through ``mask_free_text``, so an ID or phone copied under
    any other key ("note", "query") is masked as well. Non-text values are kept.
    """
    kinds = dict(kinds_by_name())
    model = _model(model_label) if model_label else None
    if model is not None:
        kinds.update(sensitive_fields(model))
    return _mask(values, kinds)


def _mask(value: Any, kinds: Mapping[str, str]) -> Any:
    if isinstance(value, Mapping):
        return {key: _mask_field(kinds[key], item) if key in kinds else _mask(item, kinds)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask(item, kinds) for item in value]
    if isinstance(value, str):
        # A digest (a file's SHA-256, a token hash) is no personal data and must stay verifiable.
        return value if _DIGEST.fullmatch(value) else mask_free_text(value)
    return value


def _mask_field(kind: str, value: Any) -> Any:
    if value is None or value == "":
        return value
    if isinstance(value, (Mapping, list, tuple)):
        return _mask(value, {})
    return mask(kind, value if isinstance(value, (str, datetime.date)) else str(value))
