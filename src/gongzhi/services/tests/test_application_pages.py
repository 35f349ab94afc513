"""Application pages (issue 16 item 2): the resident's form shows what the registry holds instead of
asking it and says why before submitting when not eligible; the resident's timeline shows levels,
never staff names or internal notes; the staff queue is scoped and runs a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.registry.models import ResidentLink
from gongzhi.registry.tests.factories import GRID, make_id, make_person
from gongzhi.services import applications, install
from gongzhi.services.models import Application, ApplicationEvent, ServiceItem

from .test_applications import born

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(demo):
    install.install()
    person = make_person(grid=GRID, name="赵德明", birth_date=born(85), registration="local", phone="13912345678",
                         id_number=make_id(birth="19400101", sequence="111"), address_text="幸福路8号1栋101室")
    ResidentLink.objects.create(user=demo.users["resident"], person=person, method="counter", area=person.area)
    return person


def test_the_form_shows_the_registrys_data_masked_and_files_for_the_verified_resident(client, demo, me):
    client.force_login(demo.users["resident"])
    page = client.get("/services/items/elder_card/apply/").content.decode()
    assert "赵德明" in page and "139****5678" in page and "13912345678" not in page and me.id_number not in page
    assert 'data-testid="apply-form"' in page and "系统已有，无需提交" in page
    item = ServiceItem.objects.get(code="elder_card")
    data = {f["name"]: f["choices"][0][0] for f in item.form_fields if f["type"] == "choice"}
    response = client.post("/services/items/elder_card/apply/", {**data, "phone": "13900001111"})
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/services/mine/{application.number}/"
    assert (application.applicant, application.applicant_user, application.channel) == (me, demo.users["resident"], "online")


def test_an_ineligible_resident_is_told_why_on_the_form_and_cannot_post(client, demo, me):
    me.birth_date = born(40)
    me.save()
    client.force_login(demo.users["resident"])
    page = client.get("/services/items/longevity_allowance/apply/").content.decode()
    assert "暂不符合申请条件" in page and "须年满 80 周岁，申请人现年 40 周岁" in page and 'data-testid="apply-form"' not in page
    client.post("/services/items/longevity_allowance/apply/", {"phone": "1"})
    assert not Application.objects.exists()


def test_an_unverified_account_is_sent_to_verify(client, demo):
    install.install()
    client.force_login(demo.users["resident"])
    assert client.get("/services/items/elder_card/apply/")["Location"] == "/registry/verify/"


def test_the_residents_timeline_names_levels_not_staff_and_hides_internal_notes(client, demo, me):
    application = applications.submit(actor=demo.users["community"], item=ServiceItem.objects.get(code="longevity_allowance"),
                                      person=me, channel="counter",
                                      data={"account_bank": "池州农商银行", "account_number": "6217", "phone": "13900002222"})
    applications.approve_step(actor=demo.users["community"], application=application, note="材料齐全")
    ApplicationEvent.objects.create(application=application, action="approve_step", step=2, actor=demo.users["street"],
                                    at=application.submitted_at, note="内部：与民政科电话沟通", public=False)
    client.force_login(demo.users["resident"])
    page = client.get(f"/services/mine/{application.number}/").content.decode()
    assert "材料齐全" in page and "社区" in page
    assert "周书记" not in page and "李主任" not in page and "内部：与民政科电话沟通" not in page
    staff = client
    staff.force_login(demo.users["street"])
    assert "内部：与民政科电话沟通" in staff.get(f"/services/applications/{application.number}/").content.decode()


def test_the_queue_is_scoped_and_its_queries_do_not_grow(client, demo, me):
    item = ServiceItem.objects.get(code="elder_card")
    data = {f["name"]: f["choices"][0][0] for f in item.form_fields if f["type"] == "choice"}

    def file(n: int) -> None:
        person = make_person(grid=GRID, name=f"老人{n}", birth_date=born(70), id_number=make_id(sequence=f"{200 + n}"))
        applications.submit(actor=demo.users["community"], item=item, person=person, channel="counter",
                            data={**data, "phone": "13900001111"})

    file(1)
    client.force_login(demo.users["community"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/services/applications/").status_code == 200
        return len(captured)

    queries()
    before = queries()
    for n in range(2, 6):
        file(n)
    assert queries() == before
    assert client.get("/services/applications/").content.decode().count("老人") == 5
    client.force_login(demo.users["village"])
    assert "老人" not in client.get("/services/applications/").content.decode()
    client.force_login(demo.users["resident"])
    assert client.get("/services/applications/").status_code == 403
