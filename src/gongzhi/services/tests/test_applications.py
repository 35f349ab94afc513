"""Applications (issue 16 item 2): eligibility told before submitting, 全区通办 vs local-only items,
the steps with their actors, one correction request, decisions with reasons, the certificate at the
end, and 好差评 once."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.notices.models import Notice
from gongzhi.registry.models import ResidentLink
from gongzhi.registry.tests.factories import GRID, OTHER_STREET_GRID, make_id, make_person
from gongzhi.services import applications, certificates, install
from gongzhi.services.models import ApplicationStatus, ServiceItem, ServiceStep

pytestmark = pytest.mark.django_db

COMMUNITY = "341702001001"
OTHER_STREET_COMMUNITY = "341702002001"


def born(years_ago: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years_ago) - datetime.timedelta(days=days)


@pytest.fixture
def catalogue(demo):
    install.install()
    return {item.code: item for item in ServiceItem.objects.all()}


@pytest.fixture
def elder(demo):
    person = make_person(grid=GRID, name="赵德明", birth_date=born(85), registration="local",
                         id_number=make_id(birth="19400101", sequence="111"), address_text="幸福路8号1栋101室")
    ResidentLink.objects.create(user=demo.users["resident"], person=person, method="counter", area=person.area)
    return person


def test_an_ineligible_resident_is_told_why_before_anything_is_filed(demo, catalogue, elder):
    young = make_person(grid=GRID, name="钱少年", birth_date=born(80, days=-1),  # 80 tomorrow registration="local",
                        id_number=make_id(birth="19470101", sequence="113"))
    with pytest.raises(InvalidInput) as refused:
        applications.submit(actor=demo.users["community"], item=catalogue["longevity_allowance"], person=young,
                            channel="counter")
    assert refused.value.code == "not_eligible" and "须年满 80 周岁，申请人现年 79 周岁" in refused.value.message
    eighty_today = make_person(grid=GRID, name="孙整八", birth_date=born(80), registration="local",
                               id_number=make_id(birth="19460101", sequence="115"))
    assert applications.eligibility.reasons(catalogue["longevity_allowance"], eighty_today,
                                            today=timezone.localdate()) == []  # 年满 80: the birthday counts
    non_local = make_person(grid=GRID, name="周外地", birth_date=born(85), registration="non_local",
                            id_number=make_id(birth="19400101", sequence="117"))
    reasons = applications.eligibility.reasons(catalogue["longevity_allowance"], non_local, today=timezone.localdate())
    assert reasons == ["须为本区户籍人口，人口库登记为“非户籍”。"]
    assert not applications.Application.objects.exists()


def test_a_district_wide_item_is_accepted_by_another_streets_community_and_a_local_one_is_not(demo, catalogue, elder):
    from gongzhi.accounts.models import RoleAssignment, User

    other = User.objects.create(username="other", real_name="吴社工")
    RoleAssignment.objects.create(user=other, role="community_staff", area=Area.objects.get(code=OTHER_STREET_COMMUNITY))
    there = Area.objects.get(code=OTHER_STREET_COMMUNITY)
    accepted = applications.submit(actor=other, item=catalogue["elder_card"], person=elder, channel="counter",
                                   community=there, data={"delivery": catalogue["elder_card"].form_fields[1]["choices"][0][0],
                                                          "phone": "13900001111"})
    assert accepted.accepted_by == there and accepted.owner == other  # 首问负责: who received it owns it
    with pytest.raises(InvalidInput) as refused:
        applications.submit(actor=other, item=catalogue["longevity_allowance"], person=elder, channel="counter",
                            community=there)
    assert refused.value.code == "not_district_wide" and "户籍或居住地" in refused.value.message
    with pytest.raises(NotAllowed):  # and nobody accepts at a community that is not theirs
        applications.submit(actor=demo.users["community"], item=catalogue["elder_card"], person=elder,
                            channel="counter", community=there)


def test_online_application_correction_once_street_approval_and_the_certificate(demo, catalogue, elder):
    kind = catalogue["residence_proof"].certificate_kind
    item = ServiceItem.objects.create(code="test_residence", name="居住证明（测试）", theme="证明", legal_basis="x",
                                      time_limit_days=5, admission=catalogue["residence_proof"].admission,
                                      certificate_kind=kind,
                                      form_fields=[{"name": "purpose", "label": "用途", "type": "text", "required": True}])
    ServiceStep.objects.create(item=item, order=1, name="受理初审", level="community", days=2)
    ServiceStep.objects.create(item=item, order=2, name="审核", level="street", days=3)
    resident = demo.users["resident"]
    with pytest.raises(InvalidInput):  # the form's required field
        applications.submit(actor=resident, item=item, person=elder, data={})
    application = applications.submit(actor=resident, item=item, person=elder, data={"purpose": "办理居住证"})
    assert application.number.startswith("SQ") and application.status == ApplicationStatus.PROCESSING
    assert application.step == 1 and application.step_due and application.due >= application.step_due
    with pytest.raises(Conflict):  # one at a time
        applications.submit(actor=resident, item=item, person=elder, data={"purpose": "x"})
    with pytest.raises(NotAllowed):  # not another person's application
        applications.submit(actor=resident, item=item, person=make_person(grid=GRID, name="别人"), data={"purpose": "x"})

    with pytest.raises(NotAllowed):  # a grid worker handles no applications
        applications.approve_step(actor=demo.users["grid"], application=application)
    applications.ask_correction(actor=demo.users["community"], application=application,
                                missing="请补充租房合同复印件；请写明居住起始日期")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CORRECTION and application.owner == demo.users["community"]
    assert Notice.objects.filter(recipient=resident, title__contains="请补正").exists()
    applications.resubmit(actor=resident, application=application, data={"purpose": "办理居住证（补正）"}, note="已补充")
    with pytest.raises(Conflict):  # 一次性告知: once
        applications.ask_correction(actor=demo.users["community"], application=application, missing="再补一份")

    applications.approve_step(actor=demo.users["community"], application=application, note="材料齐全")
    application.refresh_from_db()
    assert application.step == 2
    with pytest.raises(NotAllowed):  # a community worker cannot pass the street's step
        applications.approve_step(actor=demo.users["community"], application=application)
    applications.approve_step(actor=demo.users["street"], application=application, note="同意出具")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.finished_at
    assert application.certificate.kind == kind and "办理居住证（补正）" in application.certificate.text
    assert certificates.verify(application.certificate.serial)["valid"] is True
    actions = list(application.events.values_list("action", flat=True))
    assert actions == ["submit", "ask_correction", "resubmit", "approve_step", "approve_step", "approve"]
    assert AuditEntry.objects.filter(action="services.application_decide", object_id=str(application.pk)).exists()

    with pytest.raises(NotAllowed):
        applications.rate(actor=demo.users["community"], application=application, rating=5)
    applications.rate(actor=resident, application=application, rating=4, comment="办事快")
    with pytest.raises(Conflict):
        applications.rate(actor=resident, application=application, rating=1)


def test_a_rejection_needs_a_reason_and_is_told_to_the_applicant(demo, catalogue, elder):
    application = applications.submit(actor=demo.users["community"], item=catalogue["longevity_allowance"],
                                      person=elder, channel="counter",
                                      data={"account_bank": "池州农商银行", "account_number": "6217000011112222",
                                            "phone": "13900002222"})
    with pytest.raises(InvalidInput):
        applications.reject(actor=demo.users["community"], application=application, reason=" ")
    applications.reject(actor=demo.users["community"], application=application, reason="已在外区领取高龄津贴")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED and application.decision_reason == "已在外区领取高龄津贴"
    assert Notice.objects.filter(recipient=demo.users["resident"], body__contains="已在外区领取").exists()


def test_other_areas_staff_cannot_touch_an_application(demo, catalogue, elder):
    application = applications.submit(actor=demo.users["community"], item=catalogue["longevity_allowance"],
                                      person=elder, channel="counter",
                                      data={"account_bank": "x", "account_number": "1", "phone": "1"})
    for username in ("village", "town", "grid", "resident"):
        with pytest.raises(NotAllowed):
            applications.approve_step(actor=demo.users[username], application=application)
    elsewhere = make_person(grid=OTHER_STREET_GRID, name="外街道", birth_date=born(90), registration="local",
                            id_number=make_id(birth="19360101", sequence="119"))
    with pytest.raises(NotAllowed):
        applications.submit(actor=demo.users["community"], item=catalogue["longevity_allowance"], person=elsewhere,
                            channel="counter")


def test_the_forms_answers_are_encrypted_at_rest_and_a_bank_account_masked_on_the_page(demo, catalogue, elder, client):
    from django.db import connection

    application = applications.submit(actor=demo.users["community"], item=catalogue["longevity_allowance"],
                                      person=elder, channel="counter",
                                      data={"account_bank": "池州农商银行", "account_number": "6217000011112222"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT form_data FROM services_application WHERE id = %s", [application.pk])
        stored = cursor.fetchone()[0]
    assert "6217000011112222" not in stored and "池州农商银行" not in stored
    application.refresh_from_db()
    assert application.data == {"account_bank": "池州农商银行", "account_number": "6217000011112222"}
    client.force_login(demo.users["community"])
    page = client.get(f"/services/applications/{application.number}/").content.decode()
    assert "池州农商银行" in page and "6217000011112222" not in page and "****" in page


def test_a_group_the_registry_does_not_define_is_named_without_its_code(demo, catalogue, elder):
    from gongzhi.registry.models import SpecialGroup

    SpecialGroup.objects.filter(code="disabled").delete()
    reasons = applications.eligibility.reasons(catalogue["disability_subsidies"], elder, today=timezone.localdate())
    assert reasons == ["须为已登记的指定特殊人群，人口库中没有申请人的该项登记。"] and "disabled" not in reasons[0]
