"""Roles and the permission matrix, read by code, pages and docs/permissions.md.

The roles are declared here; each app declares its permissions, and which roles hold them, in its
own ``plugin.py`` (``core.plugins.Permission``): ``Perm`` and ``MATRIX`` read those declarations.

等保 2.0 separates the system administrator, the security administrator and the audit
administrator (三员分立): the system admin manages accounts and configuration but cannot read
the audit log; the security auditor reads the audit log and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import plugins
from gongzhi.core.plugins import Permission


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_AUDITOR = "security_auditor", _("安全审计员")
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    STREET_STAFF = "street_staff", _("街道指挥中心")
    COMMUNITY_STAFF = "community_staff", _("社区工作者")
    GRID_WORKER = "grid_worker", _("网格员")
    DEPARTMENT_STAFF = "department_staff", _("职能部门")
    RESIDENT = "resident", _("居民")


# A role's name where it is held in a town, a township or a village (镇、乡、村); elsewhere its label.
PLACE_LABELS = {
    (Role.STREET_STAFF, "town"): _("镇指挥中心"),
    (Role.STREET_STAFF, "township"): _("乡指挥中心"),
    (Role.COMMUNITY_STAFF, "village"): _("村干部"),
    (Role.RESIDENT, "village"): _("村民"),
}


def role_label(role: str, area=None) -> str:
    """The role's name where it is held: 镇指挥中心 in a town, 村干部 and 村民 in a village.

    ``area`` is an ``Area`` or a materialised path; a path is read by its codes (no query).
    """
    from gongzhi.areas.models import CODE_LENGTH, Area, is_village_code, kind_from_code

    place = ""
    if isinstance(area, Area):
        place = "village" if area.in_village else area.kind
    elif area:
        code = area.strip("/").rsplit("/", 1)[-1]
        level = next((lv for lv, length in CODE_LENGTH.items() if length == len(code)), None)
        if level is not None:
            place = "village" if is_village_code(code) else (kind_from_code(code, level) or "")
    return str(PLACE_LABELS.get((role, place), Role(role).label))


# English descriptions for docs/permissions.md (the Chinese labels above are the msgids).
ROLE_ENGLISH: dict[str, str] = {
    Role.SYSTEM_ADMIN: "System administrator",
    Role.SECURITY_AUDITOR: "Security auditor",
    Role.DISTRICT_ADMIN: "District administrator",
    Role.STREET_STAFF: "Street command centre",
    Role.COMMUNITY_STAFF: "Community staff",
    Role.GRID_WORKER: "Grid worker",
    Role.DEPARTMENT_STAFF: "Department staff",
    Role.RESIDENT: "Resident",
}


class PermValue(str):
    """A permission code (``"cases.view"``) that also knows its ``name`` (``CASES_VIEW``), its Chinese
    ``label`` and its ``english`` description; it compares and hashes as the plain code."""

    name: str
    label: Any
    english: str

    def __new__(cls, declaration: Permission) -> PermValue:
        value = super().__new__(cls, declaration.code)
        value.name, value.label, value.english = declaration.name, declaration.label, declaration.english
        return value

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Perm.{self.name}"

    def __reduce__(self):
        return (str, (str.__str__(self),))


class _Permissions:
    """The permissions every installed app declares (``<app>/plugin.py``), as ``PermValue`` objects."""

    def __init__(self, generation: int):
        self.generation = generation
        decl = plugins.declarations()
        self.values = [PermValue(p) for p in decl.permissions]
        self.by_name = {v.name: v for v in self.values}
        self.by_code = {v.value: v for v in self.values}
        self.matrix = {role: frozenset(v for v, p in zip(self.values, decl.permissions) if role in p.roles)
                       for role in Role}


_permissions: _Permissions | None = None


def _current() -> _Permissions:
    global _permissions
    generation = plugins.current_generation()
    if _permissions is None or _permissions.generation != generation:
        _permissions = _Permissions(generation)
    return _permissions


class _PermType(type):
    """``Perm.CASES_VIEW``, ``Perm("cases.view")``, ``for perm in Perm``, ``code in Perm``: what the
    ``TextChoices`` enum offered, read from the apps' declarations instead of one central list."""

    def __getattr__(cls, name: str) -> PermValue:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return _current().by_name[name]
        except KeyError:
            raise AttributeError(f"no permission named {name} is declared by an installed app") from None

    def __call__(cls, code: str) -> PermValue:
        try:
            return _current().by_code[code]
        except KeyError:
            raise ValueError(f"{code!r} is not a declared permission") from None

    def __iter__(cls) -> Iterator[PermValue]:
        return iter(_current().values)

    def __len__(cls) -> int:
        return len(_current().values)

    def __contains__(cls, code: object) -> bool:
        return code in _current().by_code

    @property
    def choices(cls) -> list[tuple[str, Any]]:
        return [(v.value, v.label) for v in _current().values]


class Perm(metaclass=_PermType):
    """Permissions, named ``<domain>.<verb>``. Each app declares its own in its ``plugin.py``
    (``core.plugins.Permission``); ``Perm.CASES_VIEW`` reads them."""


class _LazyMapping(Mapping):
    def __init__(self, build):
        self._build = build

    def __getitem__(self, key):
        return self._build()[key]

    def __iter__(self):
        return iter(self._build())

    def __len__(self):
        return len(self._build())

    def __repr__(self):
        return repr(dict(self._build()))


# Role -> permissions, from the roles each declared permission names. Area-bound permissions apply
# inside the role's assigned area only.
MATRIX: Mapping[str, frozenset[str]] = _LazyMapping(lambda: _current().matrix)
# English descriptions for docs/permissions.md (the Chinese labels are the msgids).
PERM_ENGLISH: Mapping[str, str] = _LazyMapping(lambda: {v.value: v.english for v in _current().values})


# Three-admin separation (三员分立): these roles are never held by the same account.
SEPARATED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_AUDITOR})


def violates_separation(roles) -> bool:
    return len(set(roles) & SEPARATED_ROLES) > 1


# Roles whose idle sessions expire fastest and who must use two factors when required.
PRIVILEGED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_AUDITOR, Role.DISTRICT_ADMIN, Role.STREET_STAFF})
TWO_FACTOR_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.SYSTEM_ADMIN, Role.SECURITY_AUDITOR})
STAFF_ROLES = frozenset(set(Role) - {Role.RESIDENT})
# Roles whose home is the phone-sized layout.
MOBILE_ROLES = frozenset({Role.GRID_WORKER, Role.RESIDENT})

# Home page per role, in priority order when a user holds several roles.
ROLE_HOME = [
    (Role.SYSTEM_ADMIN, "accounts:user_list"),
    (Role.SECURITY_AUDITOR, "audit:log"),
    (Role.DISTRICT_ADMIN, "core:console"),
    (Role.STREET_STAFF, "core:console"),
    (Role.COMMUNITY_STAFF, "core:console"),
    (Role.DEPARTMENT_STAFF, "core:console"),
    (Role.GRID_WORKER, "core:mobile_home"),
    (Role.RESIDENT, "core:mobile_home"),
]
