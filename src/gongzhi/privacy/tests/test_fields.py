"""EncryptedTextField + BlindIndexField on accounts.User.phone: ciphertext at rest, exact lookup."""

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from gongzhi.accounts.models import User
from gongzhi.privacy.fields import blind_index_fields, blind_lookup, encrypted_fields

pytestmark = pytest.mark.django_db


def raw_phone(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_index FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()


def test_phone_is_stored_encrypted_and_read_back_in_clear():
    user = User.objects.create(username="zhang", phone="13912345678")
    stored, index = raw_phone(user)
    assert stored.startswith("k1$") and "13912345678" not in stored
    assert len(index) == 32
    assert User.objects.get(pk=user.pk).phone == "13912345678"
    assert User.objects.values_list("phone", flat=True).get(pk=user.pk) == "13912345678"


def test_empty_phone_stays_empty_with_an_empty_index():
    user = User.objects.create(username="nophone")
    assert raw_phone(user) == ("", "")
    assert User.objects.filter(phone="").filter(pk=user.pk).exists()


@pytest.mark.parametrize("lookup", ["icontains", "startswith", "contains", "gt", "in", "iexact"])
def test_encrypted_field_refuses_non_exact_lookups(lookup):
    with pytest.raises(FieldError):
        list(User.objects.filter(**{f"phone__{lookup}": "138"}))


def test_exact_lookup_with_a_value_points_to_the_blind_index():
    with pytest.raises(FieldError, match="blind_lookup"):
        list(User.objects.filter(phone="13800000001"))


def test_blind_lookup_finds_a_user_by_phone(demo):
    found = User.objects.filter(blind_lookup(User, "phone_index", "13800000008"))
    assert list(found) == [demo.users["resident"]]
    full_width = "１３８ ０００ ００００８"
    assert User.objects.filter(blind_lookup(User, "phone_index", full_width)).get().username == "resident"
    assert not User.objects.filter(blind_lookup(User, "phone_index", "13800000099")).exists()


def test_blind_index_follows_changes():
    user = User.objects.create(username="mover", phone="13700000000")
    user.phone = "13600000000"
    user.save()
    assert not User.objects.filter(blind_lookup(User, "phone_index", "13700000000")).exists()
    assert User.objects.filter(blind_lookup(User, "phone_index", "13600000000")).get() == user


def test_field_helpers_find_the_encrypted_and_index_fields():
    assert [f.name for f in encrypted_fields(User)] == ["phone"]
    assert [(f.name, f.source) for f in blind_index_fields(User)] == [("phone_index", "phone")]
    assert encrypted_fields(User)[0].crypto_label == "accounts.user.phone"
