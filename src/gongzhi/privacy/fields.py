"""Model fields for sensitive personal data: encrypted at rest, looked up by blind index."""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from . import crypto


class EncryptedExact(Exact):
    """``field=value`` on an encrypted column can only mean "is empty".

    Every encryption uses a fresh nonce, so comparing ciphertexts never matches: a silent
    empty result would hide the mistake. Non-empty values are refused with a pointer to the
    blind index.
    """

    def get_prep_lookup(self):
        if self.rhs not in ("", None) and not hasattr(self.rhs, "resolve_expression"):
            raise FieldError(
                f"{self.lhs.output_field.name!r} is encrypted: look it up with blind_lookup() on its BlindIndexField"
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """A text value stored AES-GCM encrypted. It cannot be filtered on: use its BlindIndexField.

    ``label`` (default ``app_label.model.field``) is bound into the ciphertext. ``sensitive`` is
    the masking kind (``privacy.masking.MASKERS``): the one declaration that the masker, the audit
    recorder, the reveal widget and the exports read (see ``privacy.sensitive``). It has no effect
    on the database column, so it is not part of the field's migration state.
    """

    description = _("加密文本")

    def __init__(self, *args, label: str | None = None, sensitive: str = "", **kwargs):
        self._label = label
        self.sensitive = sensitive
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self._label:
            kwargs["label"] = self._label
        return name, path, args, kwargs

    @property
    def crypto_label(self) -> str:
        return self._label or f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, label=self.crypto_label)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), label=self.crypto_label)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EncryptedExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None


class BlindIndexField(models.CharField):
    """HMAC of another (encrypted) field, recomputed on save; allows exact lookups.

    Query with ``Model.objects.filter(**{f"{name}__in": field.candidates(value)})`` — see
    ``blind_lookup`` below — so lookups keep working while keys rotate.
    """

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", crypto.INDEX_HEX_CHARS)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key in ("max_length", "editable", "blank", "default", "db_index"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    @property
    def crypto_label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.source}"

    def compute(self, value: str | None) -> str:
        if not value:
            return ""
        return crypto.blind_index(value, label=self.crypto_label)

    def pre_save(self, model_instance, add):
        value = self.compute(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value

    def candidates(self, value: str) -> list[str]:
        return crypto.blind_index_candidates(value, label=self.crypto_label)


def blind_lookup(model: type[models.Model], index_field: str, value: str) -> models.Q:
    """Q object matching rows whose encrypted source equals ``value`` (exact, normalised)."""
    field = model._meta.get_field(index_field)
    return models.Q(**{f"{index_field}__in": field.candidates(value)})


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def blind_index_fields(model: type[models.Model]) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
