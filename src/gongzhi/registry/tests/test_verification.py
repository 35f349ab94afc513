"""Identity verification: a resident account is bound to its registry person by name + ID number
(self-service, throttled) or by staff at the counter; later apps refuse unverified accounts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.registry import demo as registry_demo
from gongzhi.registry import verification
from gongzhi.registry.models import ResidentLink, VerificationFailure, VerificationMethod
from gongzhi.registry.tests.factories import GRID, NEIGHBOUR_GRID, make_id, make_person

pytestmark = pytest.mark.django_db

MISMATCH = "姓名或身份证号码与登记信息不一致"
ID = make_id(birth="19850315", sequence="271")
PHONE = "13955550001"


@pytest.fixture
def person(demo):
    return make_person(grid=GRID, name="陈立新", id_number=ID, phone=PHONE)


@pytest.fixture
def newcomer(demo):
    """A freshly signed-up resident: resident role at the top area, no home area yet."""
    user = User.objects.create_user(username="jm00000001", password="x", phone="13955550002")
    RoleAssignment.objects.create(user=user, role=Role.RESIDENT, area=demo.district)
    return user


def audit_text() -> str:
    return json.dumps([[e.actor_name, e.object_repr, e.object_id, e.before, e.after, e.reason]
                       for e in AuditEntry.objects.all()], ensure_ascii=False)


def age_failures(minutes: int) -> None:
    for failure in VerificationFailure.objects.all():
        VerificationFailure.objects.filter(pk=failure.pk).update(at=failure.at - timedelta(minutes=minutes))


# --- Self-service --------------------------------------------------------------------------------


def test_matching_name_and_id_binds_the_account(newcomer, person):
    link = verification.verify_identity(newcomer, " 陈立新 ", ID.lower(), None)

    newcomer.refresh_from_db()
    assert link.person == person and link.method == VerificationMethod.SELF and link.verified_by is None
    assert link.area == person.area
    assert newcomer.home_area.code == GRID
    assert RoleAssignment.objects.get(user=newcomer).area.code == GRID[:12]  # moved to the community
    assert verification.is_verified(newcomer)
    assert verification.resident_person(User.objects.get(pk=newcomer.pk)) == person


def test_full_width_input_is_normalised(newcomer, person):
    full_width_id = ID.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    verification.verify_identity(newcomer, "陈立新", full_width_id, None)
    assert verification.is_verified(newcomer)


@pytest.mark.parametrize(("name", "id_number"), [
    ("陈立", ID),  # wrong name
    ("陈立新", make_id(birth="19850315", sequence="273")),  # valid ID number, nobody registered with it
])
def test_wrong_name_or_unknown_id_fail_with_the_same_message(newcomer, person, name, id_number):
    with pytest.raises(ValidationError) as error:
        verification.verify_identity(newcomer, name, id_number, None)
    assert error.value.code == "mismatch"
    assert error.value.messages[0] == f"{MISMATCH}，请核对后重试（还可尝试 4 次）。"
    assert not ResidentLink.objects.exists()


def test_not_an_id_number_is_refused_without_counting(newcomer, person):
    with pytest.raises(ValidationError) as error:
        verification.verify_identity(newcomer, "陈立新", "12345", None)
    assert error.value.code == "invalid_id_number"
    assert not VerificationFailure.objects.exists()


def test_five_failures_lock_for_thirty_minutes_then_the_lock_expires(newcomer, person):
    for _attempt in range(4):
        with pytest.raises(ValidationError):
            verification.verify_identity(newcomer, "李四", ID, None)
    with pytest.raises(ValidationError) as fifth:
        verification.verify_identity(newcomer, "李四", ID, None)
    assert fifth.value.code == "locked"
    state = verification.lock_state(newcomer)
    assert state.locked and timedelta(minutes=29) < state.until - timezone.now() <= timedelta(minutes=30)

    # Locked: even the right name and ID are refused.
    with pytest.raises(ValidationError) as locked:
        verification.verify_identity(newcomer, "陈立新", ID, None)
    assert locked.value.code == "locked"
    assert not verification.is_verified(newcomer)

    age_failures(29)
    assert verification.lock_state(newcomer).locked
    age_failures(2)
    assert not verification.lock_state(newcomer).locked
    verification.verify_identity(newcomer, "陈立新", ID, None)
    assert verification.is_verified(newcomer)
    assert not VerificationFailure.objects.exists()  # success forgives


def test_id_bound_to_another_account_is_refused(newcomer, person):
    other = User.objects.create_user(username="jm00000002", password="x")
    verification.verify_identity(other, "陈立新", ID, None)

    with pytest.raises(ValidationError) as error:
        verification.verify_identity(newcomer, "陈立新", ID, None)
    assert error.value.code == "person_bound"
    assert ResidentLink.objects.get().user == other


def test_deceased_person_cannot_be_claimed(newcomer, person):
    person.deceased = True
    person.save()
    with pytest.raises(ValidationError) as error:
        verification.verify_identity(newcomer, "陈立新", ID, None)
    assert error.value.code == "mismatch"


def test_audit_entries_hold_no_id_number_or_phone(newcomer, person):
    with pytest.raises(ValidationError):
        verification.verify_identity(newcomer, "陈立", ID, None)
    verification.verify_identity(newcomer, "陈立新", ID, None)

    actions = list(AuditEntry.objects.values_list("action", "success"))
    assert ("registry.resident.verify_failure", False) in actions
    assert ("registry.resident.verify", True) in actions
    text = audit_text()
    for secret in (ID, ID[-8:], PHONE, newcomer.phone, "陈立新"):
        assert secret not in text


# --- Counter -------------------------------------------------------------------------------------


def test_counter_needs_registry_edit_in_the_persons_area(demo, newcomer):
    neighbour = make_person(grid=NEIGHBOUR_GRID, name="孙晓", id_number=make_id(sequence="555"))

    with pytest.raises(PermissionDenied):  # the grid worker of another grid
        verification.verify_at_counter(demo.users["grid"], newcomer, neighbour, None)
    with pytest.raises(PermissionDenied):  # street staff may view records but not edit them
        verification.verify_at_counter(demo.users["street"], newcomer, neighbour, None)
    assert not ResidentLink.objects.exists()

    link = verification.verify_at_counter(demo.users["community"], newcomer, neighbour, None)
    assert link.method == VerificationMethod.COUNTER and link.verified_by == demo.users["community"]
    newcomer.refresh_from_db()
    assert newcomer.home_area.code == NEIGHBOUR_GRID
    entry = AuditEntry.objects.get(action="registry.resident.counter_verify")
    assert entry.actor == demo.users["community"]
    assert neighbour.id_number not in audit_text() and newcomer.phone not in audit_text()


def test_counter_refuses_a_person_bound_to_another_account(demo, newcomer, person):
    other = User.objects.create_user(username="jm00000003", password="x")
    verification.verify_at_counter(demo.users["grid"], other, person, None)
    with pytest.raises(ValidationError) as error:
        verification.verify_at_counter(demo.users["grid"], newcomer, person, None)
    assert error.value.code == "person_bound"


def test_unbind_by_staff_frees_the_person(demo, newcomer, person):
    link = verification.verify_identity(newcomer, "陈立新", ID, None)
    with pytest.raises(PermissionDenied):
        verification.unbind(demo.users["dept"], link)

    verification.unbind(demo.users["grid"], link, reason="错绑")

    newcomer.refresh_from_db()
    assert not ResidentLink.objects.exists() and newcomer.home_area is None
    assert AuditEntry.objects.filter(action="registry.resident.unbind", reason="错绑").exists()


# --- Pages ---------------------------------------------------------------------------------------


def test_verify_page_binds_and_shows_the_community(demo, client, newcomer, person):
    client.force_login(newcomer)
    assert "提交核验" in client.get("/registry/verify/").content.decode()

    bad = client.post("/registry/verify/", {"real_name": "陈立", "id_number": ID})
    assert bad.status_code == 400 and MISMATCH in bad.content.decode()

    ok = client.post("/registry/verify/", {"real_name": "陈立新", "id_number": ID})
    assert ok.status_code == 302 and ok.url == "/m/"
    home = client.get("/m/").content.decode()
    assert "已核验" in home and "幸福社区" in home and "幸福社区第01网格" in home


def test_mobile_home_of_an_unverified_resident_links_to_verification(demo, client, newcomer):
    client.force_login(newcomer)
    page = client.get("/m/").content.decode()
    assert "未核验" in page and 'href="/registry/verify/"' in page


def test_counter_page_binds_by_phone_and_lists_recent_bindings(demo, client, newcomer, person,
                                                               django_assert_max_num_queries):
    client.force_login(demo.users["community"])
    response = client.post("/registry/counter/", {"phone": newcomer.phone, "real_name": "陈立新", "id_number": ID})
    assert response.status_code == 302
    assert ResidentLink.objects.get().user == newcomer

    for n in range(3):
        user = User.objects.create_user(username=f"jm1000000{n}", password="x")
        verification.verify_at_counter(demo.users["community"], user,
                                       make_person(name=f"测试{n}", id_number=make_id(sequence=f"6{n}1")), None)
    with django_assert_max_num_queries(20):
        page = client.get("/registry/counter/")
    text = page.content.decode()
    assert page.status_code == 200 and "陈立新" in text and "测试2" in text and "窗口核验" in text


def test_counter_page_finds_persons_only_in_scope(demo, client, newcomer):
    make_person(grid=NEIGHBOUR_GRID, name="孙晓", id_number=make_id(sequence="557"))
    client.force_login(demo.users["grid"])
    response = client.post("/registry/counter/", {"phone": newcomer.phone, "real_name": "孙晓",
                                                  "id_number": make_id(sequence="557")})
    assert "在您的辖区内未找到" in response.content.decode()
    assert not ResidentLink.objects.exists()


def test_counter_page_is_for_staff_with_registry_edit(demo, client):
    client.force_login(demo.users["resident"])
    assert client.get("/registry/counter/").status_code == 403
    client.force_login(demo.users["street"])
    assert client.get("/registry/counter/").status_code == 403


# --- Guards for later apps -----------------------------------------------------------------------


def test_require_verified_refuses_unverified_residents(newcomer, person):
    @verification.require_verified
    def vote(request):
        return HttpResponse("voted")

    request = RequestFactory().get("/votes/1/")
    request.user = newcomer
    request.session = {}
    request._messages = type("Messages", (), {"add": lambda *a, **k: None})()
    response = vote(request)
    assert response.status_code == 302 and response.url.startswith("/registry/verify/?next=")
    with pytest.raises(PermissionDenied, match="实名核验"):
        verification.ensure_verified(newcomer)

    verification.verify_identity(newcomer, "陈立新", ID, None)
    request.user = User.objects.get(pk=newcomer.pk)
    assert vote(request).content == b"voted"
    assert verification.ensure_verified(request.user) == person


# --- Demo ----------------------------------------------------------------------------------------


def test_demo_resident_is_bound_to_wang_juming(demo):
    registry_demo.build(demo.district, residents=240)

    link = ResidentLink.objects.select_related("person__area", "user").get(user__username="resident")
    assert link.person.real_name == "王居民" and link.person.phone == "13800000008"
    assert link.person.area.code == "34170200100101" and link.person.id_number.startswith("341702")
    assert link.method == VerificationMethod.COUNTER and link.verified_by.username == "community"
    assert link.person.house is not None
    assert link.user.home_area == Area.objects.get(code="34170200100101")
    # A second build (data already there) keeps the one binding.
    registry_demo.build(demo.district, residents=240)
    assert ResidentLink.objects.count() == 1


def test_an_unverified_resident_is_told_to_verify_on_the_403_page(demo, rf):
    from gongzhi.core.views import permission_denied
    from gongzhi.registry.verification import NotVerified

    request = rf.get("/somewhere/")
    request.user = demo.users["resident"]
    response = permission_denied(request, NotVerified())
    assert response.status_code == 403
    assert "须实名核验" in response.content.decode()
