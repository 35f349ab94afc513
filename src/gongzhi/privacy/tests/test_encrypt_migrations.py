"""The migrations that turn plaintext columns into encrypted ones encrypt the rows already there.

``AlterField`` to an ``EncryptedTextField`` leaves the stored text as it was; the migration's last step
(``EncryptExisting``) encrypts it and fills the blind index, and backwards writes the plaintext back.
That step runs here on the real table, holding plaintext as the altered column would, with the models
of the migration's own state. (Rolling the whole schema back to before the migration and forward again
ran every later migration of every app twice: 40 s on SQLite, 90 s on PostgreSQL, for the same step.)
"""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from gongzhi.areas.models import Area
from gongzhi.privacy.fields import blind_lookup
from gongzhi.registry.models import Organisation

pytestmark = pytest.mark.django_db

MIGRATION = ("registry", "0009_organisation_contact_phone_encrypted")


def encrypt_step(forwards: bool) -> None:
    """Run the migration's ``EncryptExisting`` step as ``migrate`` would, with the state it runs in."""
    step = import_module(f"gongzhi.{MIGRATION[0]}.migrations.{MIGRATION[1]}").Migration.operations[-1]
    apps = MigrationLoader(connection).project_state(MIGRATION).apps
    (step.code if forwards else step.reverse_code)(apps, SimpleNamespace(connection=connection))


def stored(name: str) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact, phone, phone_index FROM registry_organisation WHERE name = %s", [name])
        return cursor.fetchone()


def test_existing_organisation_contacts_and_phones_are_encrypted_by_the_migration(demo):
    area = Area.objects.order_by("path").first()
    shop = Organisation.objects.create(area=area, kind="merchant", name="小卖部")
    Organisation.objects.create(area=area, kind="merchant", name="理发店", contact="李秀英", phone="13800001111")
    encrypted_before = stored("理发店")
    with connection.cursor() as cursor:  # what AlterField leaves: the plaintext of the old column
        cursor.execute("UPDATE registry_organisation SET contact = %s, phone = %s, phone_index = '' WHERE id = %s",
                       ["王建国", "13912340000", shop.pk])

    encrypt_step(forwards=True)
    contact, phone, index = stored("小卖部")
    assert "王建国" not in contact and "13912340000" not in phone and index
    assert Organisation.objects.get(blind_lookup(Organisation, "phone_index", "13912340000")).pk == shop.pk
    shop.refresh_from_db()
    assert (shop.contact, shop.phone) == ("王建国", "13912340000")
    assert stored("理发店") == encrypted_before  # ciphertext is left alone, not encrypted twice

    encrypt_step(forwards=False)  # and back: plaintext again, for the reversed AlterField
    assert stored("小卖部")[:2] == ("王建国", "13912340000")
    assert stored("理发店")[:2] == ("李秀英", "13800001111")
