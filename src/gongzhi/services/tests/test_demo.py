"""The service hall's demo (issue 16's fixed interface): 幸福社区's certificates, one revoked, visible to
the ``community`` account; the demo resident's own application waiting for a correction; counter
applications under way. Built twice, nothing is added twice."""

import pytest

from gongzhi.services import demo as services_demo
from gongzhi.services.models import Application, Certificate, ServiceItem

pytestmark = pytest.mark.django_db


def test_the_demo_holds_certificates_one_revoked_and_applications(demo, client, api_token):
    from gongzhi.registry import demo as registry_demo

    district = demo.district
    registry_demo.build(district, residents=600)
    registry_demo.bind_demo_resident(district)
    assert services_demo.build(district, progress=lambda _line: None)
    assert ServiceItem.objects.count() >= 8
    listed = client.get("/api/v1/certificates", **api_token("community")).json()["items"]
    assert len(listed) == services_demo.ISSUED and sorted({i["status"] for i in listed}) == ["revoked", "valid"]
    own = Application.objects.get(applicant_user__username="resident")
    assert own.status == "correction" and own.correction_items
    assert Application.objects.filter(channel="counter", step__gt=1).exists()
    assert not services_demo.build(district, progress=lambda _line: None)  # kept: nothing added twice
    assert Certificate.objects.count() == services_demo.ISSUED and Application.objects.count() >= 2
