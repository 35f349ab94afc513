"""An ID number registered outside the actor's scope: a neutral, audited, rate-limited refusal.

The refusal never says that (or where) the number is held; the way forward is a move-in request
(``test_move_in_requests.py``).
"""

import pytest
from django.core.exceptions import ValidationError

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.registry import services
from gongzhi.registry.models import Person

from .factories import GRID, OTHER_STREET_GRID, make_id, make_person

pytestmark = pytest.mark.django_db


def register(demo, number: str):
    with pytest.raises(ValidationError) as error:
        services.create_person(actor=demo.users["grid"], area=Area.objects.get(code=GRID), real_name="李四",
                               id_number=number)
    refusal = error.value.error_dict["id_number"][0]
    return refusal.code, refusal.messages[0]


NEUTRAL = ("id_not_registrable", "该身份证号码不能在此登记；如该居民从其他社区迁入，请提交迁入申请")


def test_each_answer_about_another_street_is_audited_and_the_answers_are_limited(demo, settings):
    settings.GONGZHI_ID_ELSEWHERE_LIMIT = 2
    elsewhere = [make_person(grid=OTHER_STREET_GRID, name=f"外{i}", id_number=make_id(sequence=f"7{i}1"))
                 for i in range(3)]
    assert register(demo, elsewhere[0].id_number) == NEUTRAL
    assert register(demo, elsewhere[1].id_number) == NEUTRAL
    entries = AuditEntry.objects.filter(action="registry.person.id_elsewhere", actor=demo.users["grid"])
    assert entries.count() == 2 and not entries.filter(success=True).exists()
    assert elsewhere[0].id_number not in str(entries.first().after)
    # Past the limit every number gets the same answer, registered anywhere or not.
    assert register(demo, elsewhere[2].id_number) == NEUTRAL
    assert register(demo, make_id(sequence="799")) == NEUTRAL
    assert entries.count() == 2 and Person.objects.filter(real_name="李四").count() == 0
    # Edits that do not enter an ID number go on.
    mine = make_person(name="张三")
    services.update_person(actor=demo.users["grid"], person=mine, real_name="张叁")


def test_a_number_held_in_the_actors_own_scope_is_answered_as_before(demo):
    mine = make_person(name="张三")
    assert register(demo, mine.id_number)[0] == "duplicate_id_number"
    assert not AuditEntry.objects.filter(action="registry.person.id_elsewhere").exists()


def _import(user, rows, *, dry_run=False):
    from gongzhi.registry.importing.engine import import_residents

    from .import_helpers import COMMUNITY, csv_bytes

    data = csv_bytes([["姓名", "身份证号码"], *rows])
    return import_residents(actor=user, data=data, filename="people.csv", area_code=COMMUNITY, dry_run=dry_run)


def _row_messages(report) -> dict[int, str]:
    return {error.row: error.message for error in report.errors}


@pytest.mark.parametrize("dry_run", [True, False])
def test_an_import_answers_as_the_form_does_and_spends_the_same_allowance(demo, settings, dry_run):
    """Before: each row held outside the importer's scope said so ("已登记在本区域以外的人员名下"),
    unrecorded and without a limit — a workbook of candidate numbers, even a check, was an oracle."""
    settings.GONGZHI_ID_ELSEWHERE_LIMIT = 2
    community = demo.users["community"]
    elsewhere = [make_person(grid=OTHER_STREET_GRID, name=f"外{i}", id_number=make_id(sequence=f"6{i}1"))
                 for i in range(3)]
    report = _import(community, [
        ["新甲", make_id(sequence="681")],  # row 2: new, before the allowance is spent
        ["外零", elsewhere[0].id_number],
        ["外一", elsewhere[1].id_number],
        ["外二", elsewhere[2].id_number],  # past the limit: the same words, not recorded
        ["新乙", make_id(sequence="682")],  # past the limit: a new number is refused alike
    ], dry_run=dry_run)
    messages = _row_messages(report)
    assert sorted(messages) == [3, 4, 5, 6] and set(messages.values()) == {NEUTRAL[1]}
    assert report.created == 1
    entries = AuditEntry.objects.filter(action="registry.person.id_elsewhere", actor=community)
    assert entries.count() == 2
    assert all(number.id_number not in str(entry.after) for entry in entries for number in elsewhere)
    # The next day's allowance is the form's too: already spent today.
    assert register_as(demo, community, make_id(sequence="683")) == NEUTRAL


def test_an_import_names_a_holder_the_importer_can_see(demo):
    """Street staff importing into one community: a number held in another community of the street
    is a person they can open, so the row says so plainly and nothing is recorded."""
    from gongzhi.accounts.models import RoleAssignment, User
    from gongzhi.accounts.roles import Role

    staff = User.objects.create_user(username="street-registrar", password="x-Long-enough-1")
    RoleAssignment.objects.create(user=staff, role=Role.COMMUNITY_STAFF, area=Area.objects.get(code="341702001"))
    seen = make_person(grid="34170200100201", name="外甲", id_number=make_id(sequence="691"))
    report = _import(staff, [["外甲", seen.id_number]])
    assert "本区域以外" in _row_messages(report)[2]
    assert not AuditEntry.objects.filter(action="registry.person.id_elsewhere").exists()


def register_as(demo, user, number: str):
    with pytest.raises(ValidationError) as error:
        services.create_person(actor=user, area=Area.objects.get(code="34170200100101"), real_name="李四",
                               id_number=number)
    refusal = error.value.error_dict["id_number"][0]
    return refusal.code, refusal.messages[0]
