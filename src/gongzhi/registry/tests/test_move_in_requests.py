"""Move-in requests (迁入申请): the deliberate, audited step instead of a free "registered elsewhere"."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.notices.models import Notice
from gongzhi.registry import selectors, services
from gongzhi.registry.choices import MoveKind
from gongzhi.registry.models import House, MoveInRequest, MoveInStatus, Person

from .factories import GRID, NEIGHBOUR_GRID, OTHER_STREET_GRID, make_id, make_person

pytestmark = pytest.mark.django_db

NEUTRAL = "该身份证号码不能在此登记；如该居民从其他社区迁入，请提交迁入申请"
OTHER_COMMUNITY = "341702002001"
REASON = "本人已在本社区购房居住，申请迁入登记"
LIST = reverse("registry:move_in_list")


@pytest.fixture
def holder_staff(demo):
    """Community staff of the community holding the person (in another street)."""
    user = User.objects.create_user(username="other_community", password="x-Demo@12345", real_name="冯书记")
    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_STAFF, area=Area.objects.get(code=OTHER_COMMUNITY))
    return user


@pytest.fixture
def elsewhere(demo):
    return make_person(grid=OTHER_STREET_GRID, name="外迁人", id_number=make_id(sequence="731"))


def submit(demo, number, *, user="grid", area=GRID, reason=REASON, name="外迁人"):
    return services.submit_move_in_request(actor=demo.users[user], area=Area.objects.get(code=area),
                                           id_number=number, real_name=name, reason=reason)


def register_page(client, number):
    house = House.objects.create(area=Area.objects.get(code=GRID), address="幸福路88号")
    return client.post(reverse("registry:mobile_move_in", args=[house.pk]),
                       {"real_name": "外迁人", "id_number": number, "phone": ""})


def test_registration_refusal_is_the_same_neutral_message_for_held_elsewhere_and_past_the_limit(
        demo, elsewhere, login_as, settings):
    settings.GONGZHI_ID_ELSEWHERE_LIMIT = 1
    client = login_as("grid")
    held = register_page(client, elsewhere.id_number)
    assert held.status_code == 400
    body = held.content.decode()
    assert NEUTRAL in body and 'data-testid="offer-move-in"' in body
    holding = Area.objects.get(code=OTHER_STREET_GRID)
    assert holding.name not in body and holding.parent.name not in body
    # Past the daily limit a number held nowhere gets the very same answer.
    free = register_page(client, make_id(sequence="799"))
    assert free.status_code == 400 and NEUTRAL in free.content.decode()
    assert Person.objects.filter(real_name="外迁人").count() == 1


def test_api_registration_gets_the_neutral_message(demo, elsewhere, client, api_token):
    response = client.post("/api/v1/persons", {"area": GRID, "real_name": "外迁人", "id_number": elsewhere.id_number},
                           content_type="application/json", **api_token("grid"))
    assert response.status_code == 422
    assert response.json()["detail"]["id_number"] == [NEUTRAL]
    assert Person.objects.with_id_number(elsewhere.id_number).get().pk == elsewhere.pk


def test_request_is_audited_and_the_requester_learns_only_that_it_was_filed(demo, elsewhere, login_as):
    client = login_as("grid")
    response = client.post(LIST, {"area": GRID, "real_name": "外迁人", "id_number": elsewhere.id_number,
                                  "reason": REASON}, follow=True)
    body = response.content.decode()
    assert "已提交" in body
    move_in = MoveInRequest.objects.get()
    assert move_in.holding_area.code == OTHER_STREET_GRID and move_in.person == elsewhere
    holding = Area.objects.get(code=OTHER_STREET_GRID)
    for shown in (holding.name, holding.parent.name, OTHER_STREET_GRID):
        assert shown not in body
    entry = AuditEntry.objects.get(action=services.MOVE_IN_SUBMIT_ACTION, actor=demo.users["grid"])
    assert elsewhere.id_number not in str(entry.after) and entry.after["outcome"] == "filed"


def test_a_number_held_nowhere_needs_no_request(demo, login_as):
    client = login_as("grid")
    response = client.post(LIST, {"area": GRID, "real_name": "新居民", "id_number": make_id(sequence="798"),
                                  "reason": REASON}, follow=True)
    assert "可以直接登记" in response.content.decode()
    assert not MoveInRequest.objects.exists()
    assert AuditEntry.objects.get(action=services.MOVE_IN_SUBMIT_ACTION).after["outcome"] == "not_held"


def test_requests_are_limited_per_actor_per_day(demo, settings):
    settings.GONGZHI_ID_ELSEWHERE_LIMIT = 2
    people = [make_person(grid=OTHER_STREET_GRID, name=f"外{i}", id_number=make_id(sequence=f"74{i}"))
              for i in range(2)]
    submit(demo, people[0].id_number)
    assert submit(demo, make_id(sequence="797")) is None  # a "no need" answer counts too
    with pytest.raises(ValidationError) as error:
        submit(demo, people[1].id_number)
    assert error.value.error_dict["id_number"][0].code == "move_in_limit"
    assert MoveInRequest.objects.count() == 1
    # Another worker's allowance is their own.
    assert submit(demo, people[1].id_number, user="community").status == MoveInStatus.PENDING


def test_reason_must_be_given(demo, elsewhere):
    with pytest.raises(ValidationError) as error:
        submit(demo, elsewhere.id_number, reason="迁入")
    assert error.value.error_dict["reason"][0].code == "reason_too_short"
    assert not MoveInRequest.objects.exists()


def test_a_pending_duplicate_is_refused(demo, elsewhere):
    submit(demo, elsewhere.id_number)
    with pytest.raises(ValidationError) as error:
        submit(demo, elsewhere.id_number, user="community")
    assert error.value.error_dict["id_number"][0].code == "move_in_pending"
    assert MoveInRequest.objects.count() == 1


def test_a_number_in_the_requesters_own_scope_is_a_plain_duplicate(demo):
    mine = make_person(grid=NEIGHBOUR_GRID, name="邻居")
    with pytest.raises(ValidationError) as error:
        submit(demo, mine.id_number, user="community", area=GRID)
    assert error.value.error_dict["id_number"][0].code == "duplicate_id_number"


def test_only_the_holders_staff_see_and_decide_the_request(demo, elsewhere, holder_staff, client, login_as):
    move_in = submit(demo, elsewhere.id_number)
    client.force_login(holder_staff)
    page = client.get(LIST).content.decode()
    assert 'data-testid="move-in-to-decide"' in page and REASON in page
    for username in ("grid", "community", "street"):
        other = login_as(username)
        assert 'data-testid="move-in-to-decide"' not in other.get(LIST).content.decode()
        assert other.post(reverse("registry:move_in_accept", args=[move_in.pk])).status_code == 404
        assert other.post(reverse("registry:move_in_decline", args=[move_in.pk]), {"note": "不同意"}).status_code == 404
        with pytest.raises(Http404):
            selectors.move_in_request_to_decide(demo.users[username], move_in.pk)
    with pytest.raises(PermissionDenied):
        services.accept_move_in_request(actor=demo.users["grid"], move_in=move_in)
    move_in.refresh_from_db()
    assert move_in.status == MoveInStatus.PENDING


def test_accept_moves_the_person_and_notifies_the_requester(demo, elsewhere, holder_staff, client):
    move_in = submit(demo, elsewhere.id_number)
    client.force_login(holder_staff)
    client.post(reverse("registry:move_in_accept", args=[move_in.pk]), {"note": "同意"})
    elsewhere.refresh_from_db()
    assert elsewhere.area.code == GRID and not elsewhere.moved_out
    assert [m.kind for m in elsewhere.moves.order_by("pk")] == [MoveKind.MOVE_OUT, MoveKind.MOVE_IN]
    move_in.refresh_from_db()
    assert move_in.status == MoveInStatus.ACCEPTED and move_in.decided_by == holder_staff
    notice = Notice.objects.get(recipient=demo.users["grid"])
    assert "外迁人" in notice.title and "已同意迁入" in notice.title
    assert AuditEntry.objects.filter(action="registry.move_in.accepted", actor=holder_staff).exists()
    # Now in the requester's scope; deciding twice is refused.
    assert selectors.person_for(demo.users["grid"], elsewhere.pk) == elsewhere
    with pytest.raises(ValidationError):
        services.accept_move_in_request(actor=holder_staff, move_in=move_in)


def test_decline_needs_a_note_and_notifies(demo, elsewhere, holder_staff, login_as):
    move_in = submit(demo, elsewhere.id_number)
    with pytest.raises(ValidationError):
        services.decline_move_in_request(actor=holder_staff, move_in=move_in, note=" ")
    services.decline_move_in_request(actor=holder_staff, move_in=move_in, note="本人仍在本社区居住")
    elsewhere.refresh_from_db()
    assert elsewhere.area.code == OTHER_STREET_GRID
    notice = Notice.objects.get(recipient=demo.users["grid"])
    assert "未同意" in notice.title and notice.body == "本人仍在本社区居住"
    page = login_as("grid").get(LIST).content.decode()
    assert "本人仍在本社区居住" in page and "冯书记" not in page
    # Declined, the same number may be asked for again.
    assert submit(demo, elsewhere.id_number).status == MoveInStatus.PENDING


def test_the_requester_may_withdraw_their_own_pending_request(demo, elsewhere, login_as):
    move_in = submit(demo, elsewhere.id_number)
    assert login_as("community").post(reverse("registry:move_in_withdraw", args=[move_in.pk])).status_code == 404
    login_as("grid").post(reverse("registry:move_in_withdraw", args=[move_in.pk]))
    move_in.refresh_from_db()
    assert move_in.status == MoveInStatus.WITHDRAWN


def test_the_list_page_query_count_does_not_grow_with_the_requests(demo, holder_staff, client):
    client.force_login(holder_staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    people = [make_person(grid=OTHER_STREET_GRID, name=f"外{i}", id_number=make_id(sequence=f"75{i}"))
              for i in range(4)]
    submit(demo, people[0].id_number)
    queries()  # the first page of a session warms its caches
    one = queries()
    for person in people[1:]:
        submit(demo, person.id_number, user="community")
    assert queries() == one


def test_the_holding_staff_are_told_of_a_new_request(demo):
    """Before: the holding community learnt of a request only by opening the list."""
    from gongzhi.notices.models import Notice
    from gongzhi.registry import services

    from .factories import OTHER_STREET_GRID, make_id, make_person

    held = make_person(grid=OTHER_STREET_GRID, name="王五", id_number=make_id(sequence="931"))
    staff = User.objects.create_user(username="other-community", password="x-Long-enough-1")
    RoleAssignment.objects.create(user=staff, role=Role.COMMUNITY_STAFF, area=Area.objects.get(code="341702002001"))
    bystander = User.objects.create_user(username="bystander", password="x-Long-enough-1")
    RoleAssignment.objects.create(user=bystander, role=Role.COMMUNITY_STAFF, area=Area.objects.get(code="341702002002"))
    move_in = services.submit_move_in_request(actor=demo.users["grid"], area=Area.objects.get(code="34170200100101"),
                                              id_number=held.id_number, real_name="王五",
                                              reason="已在本社区租房居住三个月，申请迁入登记")
    told = Notice.objects.filter(kind="move_in")
    assert move_in is not None and told.exists()
    holding_path = held.area.path
    for notice in told.select_related("recipient"):
        areas = [a.area.path for a in notice.recipient.role_assignments.select_related("area") if a.area]
        assert any(holding_path.startswith(p) for p in areas), (notice.recipient, areas)
        assert "王五" not in notice.title and "王*" in notice.title
    assert told.filter(recipient=staff).exists()
    assert not told.filter(recipient__in=[demo.users["grid"], bystander]).exists()
