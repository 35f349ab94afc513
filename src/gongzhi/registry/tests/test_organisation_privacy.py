"""Organisations' contact person and phone: encrypted at rest, masked on the page and the API,
revealed only with personal.unmask and a reason, never in clear in the audit log."""

import pytest
from django.db import connection
from django.urls import reverse

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.registry import services
from gongzhi.registry.models import Organisation

from .factories import GRID

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(demo):
    return services.create_organisation(actor=demo.users["grid"], area=Area.objects.get(code=GRID), kind="merchant",
                                        name="便民小卖部", contact="王建国", phone="13912340000")


def test_stored_encrypted_and_audited_masked(shop):
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact, phone FROM registry_organisation WHERE id = %s", [shop.pk])
        assert "王建国" not in " ".join(cursor.fetchone())
    assert Organisation.objects.get(pk=shop.pk).phone == "13912340000"
    after = str(AuditEntry.objects.filter(action__startswith="registry.organisation").last().after)
    assert "13912340000" not in after and "王建国" not in after and "139****0000" in after


def test_masked_on_the_page_and_the_api(shop, client, login_as, api_token):
    page = login_as("grid").get(reverse("registry:organisation_list")).content.decode()
    assert "王*国" in page and "139****0000" in page and "13912340000" not in page and "王建国" not in page
    [row] = client.get("/api/v1/organisations", **api_token("community")).json()["items"]
    assert (row["contact"], row["phone"]) == ("王*国", "139****0000")


def test_revealed_with_permission_and_a_reason(shop, login_as):
    reveal = {"model": "registry.organisation", "pk": shop.pk, "field": "phone", "reason": "联系店主核实"}
    assert login_as("grid").post(reverse("privacy:reveal"), reveal).status_code == 403
    response = login_as("community").post(reverse("privacy:reveal"), reveal)
    assert response.status_code == 200 and "13912340000" in response.content.decode()
