"""Data scope: no user ever sees an area outside their assignments; out of scope answers 404."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.accounts.models import Department, RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas import selectors
from gongzhi.areas.models import Area, Level

pytestmark = pytest.mark.django_db

AREA_ROLES = [role for role in Role if role != Role.DEPARTMENT_STAFF]
CHILD_DIGITS = {Level.STREET: 3, Level.COMMUNITY: 3, Level.GRID: 2}
NEXT_LEVEL = {Level.DISTRICT: Level.STREET, Level.STREET: Level.COMMUNITY, Level.COMMUNITY: Level.GRID}


@st.composite
def trees(draw):
    """Nodes ``(code, level, parent_index)`` of 1–2 districts with up to 3 children per node.

    Child numbers are drawn at random (not 1, 2, 3…) so codes share prefixes in varied ways, and
    every code extends its parent's code by the digits of its level, as GB/T 2260 codes do.
    """
    nodes: list[tuple[str, str, int | None]] = []
    district_numbers = draw(st.lists(st.integers(110000, 119999), min_size=1, max_size=2, unique=True))

    def grow(index: int, code: str, level: str, depth_budget: int) -> None:
        child_level = NEXT_LEVEL.get(level)
        if child_level is None or depth_budget == 0:
            return
        digits = CHILD_DIGITS[child_level]
        numbers = draw(st.lists(st.integers(1, 10 ** digits - 1), max_size=3, unique=True))
        for number in numbers:
            child_code = f"{code}{number:0{digits}d}"
            nodes.append((child_code, child_level, index))
            grow(len(nodes) - 1, child_code, child_level, depth_budget - 1)

    for number in district_numbers:
        nodes.append((str(number), Level.DISTRICT, None))
        grow(len(nodes) - 1, str(number), Level.DISTRICT, 3)
    return nodes


@st.composite
def worlds(draw):
    nodes = draw(trees())
    node_index = st.integers(0, len(nodes) - 1)
    departments = draw(st.lists(
        st.fixed_dictionaries({"serves": st.sets(node_index, max_size=3), "active": st.booleans()}), max_size=3))
    assignment = st.one_of(
        st.tuples(st.sampled_from(AREA_ROLES), node_index),
        *([st.tuples(st.just(Role.DEPARTMENT_STAFF), st.integers(0, len(departments) - 1))] if departments else []),
    )
    users = draw(st.lists(
        st.fixed_dictionaries({"active": st.booleans(), "assignments": st.lists(assignment, max_size=3)}),
        min_size=1, max_size=4))
    return nodes, departments, users


def expected_codes(nodes, departments, user_spec) -> set[str]:
    """What the user may see, computed by walking the tree in Python (no paths, no SQL)."""
    if not user_spec["active"]:
        return set()
    children = defaultdict(list)
    for index, (_code, _level, parent) in enumerate(nodes):
        if parent is not None:
            children[parent].append(index)

    def subtree(index: int) -> set[int]:
        found = {index}
        for child in children[index]:
            found |= subtree(child)
        return found

    visible: set[int] = set()
    for role, target in user_spec["assignments"]:
        if role == Role.DEPARTMENT_STAFF:
            if departments[target]["active"]:
                for served in departments[target]["serves"]:
                    visible |= subtree(served)
        else:
            visible |= subtree(target)
    return {nodes[i][0] for i in visible}


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds())
def test_no_user_ever_sees_an_area_outside_their_assignments(world):
    nodes, departments, users = world
    # Each example runs in a savepoint that is rolled back, so examples never see each other's rows.
    with transaction.atomic():
        areas: list[Area] = []
        for code, level, parent in nodes:
            areas.append(Area.objects.create(code=code, name=f"区域{code}", level=level,
                                             parent=areas[parent] if parent is not None else None))
        depts = []
        for n, spec in enumerate(departments):
            dept = Department.objects.create(code=f"D{n}", name=f"部门{n}", is_active=spec["active"])
            dept.serves.set([areas[i] for i in spec["serves"]])
            depts.append(dept)
        for n, spec in enumerate(users):
            user = User.objects.create(username=f"user{n}", is_active=spec["active"])
            for role, target in spec["assignments"]:
                if role == Role.DEPARTMENT_STAFF:
                    RoleAssignment.objects.get_or_create(user=user, role=role, area=None, department=depts[target])
                else:
                    RoleAssignment.objects.get_or_create(user=user, role=role, area=areas[target], department=None)

        for n, spec in enumerate(users):
            user = User.objects.get(username=f"user{n}")
            expected = expected_codes(nodes, departments, spec)
            assert set(Area.objects.visible_to(user).values_list("code", flat=True)) == expected
            for area in areas:
                if area.code in expected:
                    assert selectors.area_for(user, area.code).pk == area.pk
                else:
                    with pytest.raises(Http404):
                        selectors.area_for(user, area.code)
        transaction.set_rollback(True)


def test_grid_worker_gets_404_for_another_grids_page(demo, login_as):
    client = login_as("grid")
    assert client.get("/areas/34170200100101/").status_code == 200
    response = client.get("/areas/34170200100102/")
    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.content.decode()
    assert client.get("/areas/341702001/").status_code == 404  # the street above: not theirs either
    assert client.get("/areas/34170200100102/geojson/").status_code == 404


def test_street_staff_get_404_for_the_next_street(demo, login_as):
    client = login_as("street")
    assert client.get("/areas/341702001001/").status_code == 200
    assert client.get("/areas/341702002/").status_code == 404
    assert client.get("/areas/341702002001/").status_code == 404


def test_department_staff_see_exactly_the_areas_their_department_serves(demo, client, api_token):
    served = Area.objects.filter(code__in=["341702001001", "341702003"])
    dept = Department.objects.create(code="WS", name="区卫生健康委")
    dept.serves.set(served)
    user = User.objects.create(username="health")
    RoleAssignment.objects.create(user=user, role=Role.DEPARTMENT_STAFF, department=dept)

    visible = set(Area.objects.visible_to(user).values_list("code", flat=True))
    expected = set(Area.objects.filter(path__startswith=served[0].path).values_list("code", flat=True)) | set(
        Area.objects.filter(path__startswith=served[1].path).values_list("code", flat=True))
    assert visible == expected
    assert len(visible) == (1 + 10) + (1 + 4 + 40)

    client.force_login(user)
    assert client.get("/areas/341702003002/").status_code == 200
    assert client.get("/areas/341702001002/").status_code == 404
    assert client.get("/areas/341702/").status_code == 404
    body = client.get("/api/v1/areas?page_size=100").json()
    assert body["count"] == len(expected)
    assert client.get("/api/v1/areas/341702002").status_code == 404


def test_inactive_department_sees_nothing(demo):
    user = demo.users["dept"]
    assert Area.objects.visible_to(user).count() == 151
    Department.objects.filter(code="CG").update(is_active=False)
    assert not Area.objects.visible_to(User.objects.get(pk=user.pk)).exists()


def test_resident_sees_their_community_only(demo):
    codes = set(Area.objects.visible_to(demo.users["resident"]).values_list("code", flat=True))
    assert "341702001001" in codes and len(codes) == 11
    assert all(code.startswith("341702001001") for code in codes)


# The account models define the scope itself, so they are the only area-bound models exempt.
SCOPE_DEFINING = {"accounts.User", "accounts.RoleAssignment", "accounts.Department"}


def test_every_area_bound_model_reads_through_visible_to():
    from django.apps import apps

    from gongzhi.areas.scope import AreaScopedQuerySet

    unscoped = []
    for model in apps.get_models():
        if model._meta.label in SCOPE_DEFINING:
            continue
        bound = [f.name for f in model._meta.get_fields()
                 if f.concrete and getattr(f, "related_model", None) is Area]
        if bound and not isinstance(model._default_manager.all(), AreaScopedQuerySet):
            unscoped.append(f"{model._meta.label} ({', '.join(bound)})")
    assert unscoped == [], "area-bound models must use AreaScopedQuerySet (.visible_to): " + ", ".join(unscoped)
