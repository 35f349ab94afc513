"""The migrations that turn plaintext columns into encrypted ones encrypt the rows already there."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from gongzhi.privacy.fields import blind_lookup

BEFORE = [("registry", "0008_persontag_group_person_index")]
AFTER = [("registry", "0009_organisation_contact_phone_encrypted")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_organisation_contacts_and_phones_are_encrypted_by_the_migration():
    old = migrate(BEFORE)
    area = old.get_model("areas", "Area").objects.order_by("path").first()
    if area is None:
        Area = old.get_model("areas", "Area")
        area = Area.objects.create(code="341702", name="贵池区", level="district", path="/341702/")
    old.get_model("registry", "Organisation").objects.create(
        area_id=area.pk, kind="merchant", name="小卖部", contact="王建国", phone="13912340000")
    try:
        migrate(AFTER)
        with connection.cursor() as cursor:
            cursor.execute("SELECT contact, phone, phone_index FROM registry_organisation WHERE name = %s", ["小卖部"])
            contact, phone, index = cursor.fetchone()
        assert "王建国" not in contact and "13912340000" not in phone and index
        from gongzhi.registry.models import Organisation

        organisation = Organisation.objects.get(blind_lookup(Organisation, "phone_index", "13912340000"))
        assert (organisation.contact, organisation.phone) == ("王建国", "13912340000")
        migrate(BEFORE)  # and back: plaintext again
        with connection.cursor() as cursor:
            cursor.execute("SELECT contact, phone FROM registry_organisation WHERE name = %s", ["小卖部"])
            assert cursor.fetchone() == ("王建国", "13912340000")
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
