"""``./gz manage rotate_data_key`` re-encrypts everything under the first configured key."""

import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from gongzhi.accounts.models import User
from gongzhi.audit.integrity import verify_chain
from gongzhi.audit.models import AuditEntry
from gongzhi.privacy import crypto
from gongzhi.privacy.fields import blind_lookup

pytestmark = pytest.mark.django_db

K1 = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # the test settings' key
K2 = "k2:" + base64.b64encode(bytes(range(100, 132))).decode()


def raw_phones() -> dict[str, tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT username, phone, phone_index FROM accounts_user")
        return {username: (phone, index) for username, phone, index in cursor.fetchall()}


def use_keys(spec: str):
    crypto._keys_for.cache_clear()
    return override_settings(GONGZHI_DATA_KEY=spec)


def rotate(*args) -> str:
    out = StringIO()
    call_command("rotate_data_key", *args, stdout=out)
    return out.getvalue()


def test_rotation_re_encrypts_every_value_and_keeps_lookups_working(demo):
    User.objects.create(username="nophone")
    phones = {u: p for u, p in User.objects.values_list("username", "phone")}
    before = raw_phones()
    assert all(v.startswith("k1$") for v, _ in before.values() if v)

    with use_keys(f"{K2},{K1}"):
        output = rotate("--batch-size", "3")
        assert "accounts.user: 12" in output and "k2" in output  # the 12 demo accounts (nophone has none)
        after = raw_phones()
        assert all(phone.startswith("k2$") for phone, _ in after.values() if phone)
        assert after["nophone"] == ("", "")
        assert all(after[u][1] != before[u][1] for u in after if after[u][0])
        assert {u: p for u, p in User.objects.values_list("username", "phone")} == phones
        assert User.objects.get(blind_lookup(User, "phone_index", "13800000008")).username == "resident"
        assert "accounts.user: 0" in rotate()  # idempotent
        assert raw_phones() == after

    with use_keys(K2):
        assert {u: p for u, p in User.objects.values_list("username", "phone")} == phones
        assert User.objects.get(blind_lookup(User, "phone_index", "13800000005")).username == "community"

    runs = AuditEntry.objects.filter(action="privacy.rotate_key").order_by("seq")
    assert [r.after["rows"]["accounts.user"] for r in runs] == [12, 0]
    assert runs[0].after["key_id"] == "k2" and verify_chain().ok


def test_rotation_fails_clearly_when_the_old_key_was_dropped_too_early(demo):
    with use_keys(K2), pytest.raises(CommandError, match="no configured key with id 'k1'"):
        rotate()
