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
