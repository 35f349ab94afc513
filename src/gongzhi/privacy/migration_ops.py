"""Data-migration steps for a column that becomes an ``EncryptedTextField``.

``AlterField`` keeps the stored text as it was, so after it the column holds plaintext the field
cannot decrypt. ``EncryptExisting`` (a ``RunPython``) encrypts those values in place and fills the
blind indexes; backwards it writes the plaintext back, so the ``AlterField`` can be reversed.
"""

from __future__ import annotations

from django.db import migrations, transaction
from django.db.models import F, TextField, Value
from django.db.models.expressions import ExpressionWrapper

from . import crypto

BATCH_SIZE = 500


def _is_ciphertext(value: str) -> bool:
    key_id, sep, _body = value.partition("$")
    return bool(sep) and any(key.key_id == key_id for key in crypto.keys())


def _raw(name: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(name), output_field=TextField())


def EncryptExisting(app_label: str, model_name: str, fields: tuple[str, ...],  # noqa: N802 (an operation)
                    indexes: dict[str, str] | None = None) -> migrations.RunPython:
    """Encrypt the plaintext left in ``fields``; ``indexes`` maps a blind-index field to its source."""
    indexes = indexes or {}

    def forwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        manager = model._base_manager.using(schema_editor.connection.alias)
        label = model._meta.label_lower
        rows = manager.annotate(**{f"_raw_{name}": _raw(name) for name in fields}).values_list(
            "pk", *(f"_raw_{name}" for name in fields))
        for start in range(0, rows.count(), BATCH_SIZE):
            with transaction.atomic(using=schema_editor.connection.alias):
                for pk, *values in rows.order_by("pk")[start:start + BATCH_SIZE]:
                    plain = {name: value for name, value in zip(fields, values, strict=True)
                             if value and not _is_ciphertext(value)}
                    if not plain:
                        continue
                    changes: dict = dict(plain)  # the field's get_prep_value encrypts them
                    for index, source in indexes.items():
                        if source in plain:
                            changes[index] = crypto.blind_index(plain[source], label=f"{label}.{source}")
                    manager.filter(pk=pk).update(**changes)

    def backwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        manager = model._base_manager.using(schema_editor.connection.alias)
        for row in manager.only("pk", *fields).iterator():
            manager.filter(pk=row.pk).update(**{name: Value(getattr(row, name) or "", output_field=TextField())
                                                for name in fields})

    return migrations.RunPython(forwards, backwards)
