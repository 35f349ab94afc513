"""One declaration per personal-data field: every phone/ID/contact-like field of every model is
encrypted and declared, and the audit log masks what is declared (and ID/phone-shaped text)."""

import datetime
import re

import pytest
from django.apps import apps
from django.db import connection

from gongzhi.audit.models import AuditEntry
from gongzhi.audit.services import record
from gongzhi.privacy.fields import BlindIndexField, EncryptedTextField
from gongzhi.privacy.sensitive import NOT_PERSONAL, field_kind, mask_record

LOOKS_PERSONAL = re.compile(r"phone|mobile|id_number|id_card|idcard|contact|tel(?:ephone)?$")


def test_every_phone_or_id_like_field_is_encrypted_and_declared_sensitive():
    """So a later app cannot add ``mobile = CharField(...)`` and forget to encrypt and mask it."""
    offenders, checked = [], 0
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            key = f"{model._meta.label_lower}.{field.name}"
            if isinstance(field, EncryptedTextField) and not field_kind(field):
                offenders.append(f"{key}: encrypted but not declared sensitive (sensitive=...)")
            if not LOOKS_PERSONAL.search(field.name) or isinstance(field, BlindIndexField) or key in NOT_PERSONAL:
                continue
            checked += 1
            if not (isinstance(field, EncryptedTextField) and field_kind(field)):
                offenders.append(f"{key}: {type(field).__name__}, declared {field_kind(field)!r}")
    assert offenders == []
    assert checked >= 6  # user, person (id, phone), case and submission phones, organisation contact and phone


def test_exemptions_name_existing_fields():
    for key in NOT_PERSONAL:
        app_label, model_name, field = key.split(".")
        apps.get_model(app_label, model_name)._meta.get_field(field)


def test_mask_record_masks_declared_fields_and_shaped_numbers_under_any_key():
    masked = mask_record({
        "phone": "13912340000", "contact": "王建国", "birth_date": datetime.date(2002, 11, 25),
        "note": "请联系 139 1234 0001，身份证 341702200211252264", "rows": [{"id_number": "341702200211252264"}],
        "count": 3, "file_hash": "ab13912345678" + "0" * 51,
    }, "registry.organisation")
    assert masked == {
        "phone": "139****0000", "contact": "王*国", "birth_date": "****-**-**",
        "note": "请联系 139****0001，身份证 341702********2264", "rows": [{"id_number": "341702********2264"}],
        "count": 3, "file_hash": "ab13912345678" + "0" * 51,
    }


@pytest.mark.django_db
def test_audit_log_keeps_no_phone_or_id_in_clear():
    entry = record(actor=None, actor_name="tester", action="test.change", object_type="registry.organisation",
                   object_id="1", object_repr="某公司 13912340002",
                   before={"phone": "13912340000"}, after={"phone": "13912340001", "memo": "身份证341702200211252264"},
                   reason="核实 13912340003")
    with connection.cursor() as cursor:
        cursor.execute("SELECT before, after, reason, object_repr FROM audit_auditentry WHERE seq = %s", [entry.seq])
        stored = " ".join(str(value) for value in cursor.fetchone())
    for secret in ("13912340000", "13912340001", "13912340002", "13912340003", "341702200211252264"):
        assert secret not in stored
    assert "139****0001" in stored and "341702********2264" in stored
    assert AuditEntry.objects.get(seq=entry.seq).hash == entry.compute_hash()
