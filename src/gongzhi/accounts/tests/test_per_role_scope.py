"""A permission holds only where the role that grants it is assigned (not wherever any role is)."""

import pytest

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm, Role
from gongzhi.areas.models import Area

pytestmark = pytest.mark.django_db


def fresh(user):
    from gongzhi.accounts.models import User

    return User.objects.get(pk=user.pk)


def test_resident_role_elsewhere_does_not_extend_a_community_workers_rights(demo):
    worker = demo.users["community"]  # community staff of 341702001001
    other_community = Area.objects.get(code="341702002001")
    RoleAssignment.objects.create(user=worker, role=Role.RESIDENT, area=other_community)
    worker = fresh(worker)
    own = Area.objects.get(code="341702001001")

    assert has_perm(worker, Perm.PERSONAL_UNMASK, own)
    assert not has_perm(worker, Perm.PERSONAL_UNMASK, other_community)
    assert not has_perm(worker, Perm.REGISTRY_EDIT, other_community)


def test_department_permissions_hold_in_the_areas_it_serves(demo):
    dept_user = demo.users["dept"]
    assert has_perm(dept_user, Perm.AREAS_VIEW, Area.objects.get(code="34170200300410"))
    assert not has_perm(dept_user, Perm.PERSONAL_UNMASK, Area.objects.get(code="341702"))
