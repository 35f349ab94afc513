"""The demo step and the public pages over the demo: readable without login, and no demo person's ID
number, phone or name anywhere in their HTML (every page of the exercises, every community shown)."""

from __future__ import annotations

import re

import pytest

from gongzhi.disclosure import demo as powers_demo
from gongzhi.disclosure.models import EvaluationStatus, PowerExercise, PropertyEvaluation
from gongzhi.registry import demo as registry_demo
from gongzhi.registry.models import Person

from .conftest import COMMUNITY, VILLAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(demo):
    registry_demo.build(demo.district, residents=900)
    assert powers_demo.build(demo.district, progress=lambda line: None)
    return demo


def test_the_demo_step_builds_exercises_and_a_published_quarter_once(built):
    assert PowerExercise.objects.filter(area__code=COMMUNITY).count() == powers_demo.EXERCISES_EACH
    assert PowerExercise.objects.filter(area__code=VILLAGE).count() == powers_demo.EXERCISES_EACH
    assert PowerExercise.objects.filter(subject__isnull=False).exists()
    village_items = set(PowerExercise.objects.filter(area__code=VILLAGE).values_list("item__applies_to", flat=True))
    assert "neighbourhood" not in village_items
    published = PropertyEvaluation.objects.filter(status=EvaluationStatus.PUBLISHED)
    assert published.exists() and all(e.total is not None and e.scores.count() == 6 for e in published)
    assert published.filter(rating_count__gt=0).exists()
    assert not powers_demo.build(built.district, progress=lambda line: None)  # once
    assert PowerExercise.objects.count() == 2 * powers_demo.EXERCISES_EACH


def _pages(client, code: str) -> list[str]:
    html = [client.get(f"/disclosure/{code}/property/")]
    first = client.get(f"/disclosure/{code}/powers/")
    html.append(first)
    pages = int(re.search(r"第 1 / (\d+) 页", first.content.decode()).group(1)) if "第 1 /" in first.content.decode() \
        else 1
    html += [client.get(f"/disclosure/{code}/powers/", {"page": n}) for n in range(2, pages + 1)]
    html.append(client.get(f"/disclosure/{code}/powers/", {"q": "申请"}))
    assert all(r.status_code == 200 for r in html)
    return [r.content.decode() for r in html]


def test_the_public_pages_hold_no_personal_data(client, built):
    persons = list(Person.objects.all())
    assert len(persons) > 800
    subjects = {e.subject_id for e in PowerExercise.objects.filter(subject__isnull=False)}
    assert subjects
    texts = _pages(client, COMMUNITY) + _pages(client, VILLAGE)
    assert any("published-result" in t for t in texts)  # results of the demo's estates are shown
    body = "\n".join(texts)
    visible = re.sub(r"<[^>]+>", " ", body)
    for person in persons:
        for value in (person.id_number, person.phone):
            assert not value or value not in body, person.pk
        assert person.real_name not in visible, (person.pk, person.real_name)
    assert "周书记" not in visible and "黄支书" not in visible  # nor staff names
