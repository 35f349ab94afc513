"""Navigation by role: each entry names the permission (or roles) that shows it.

Later apps append entries here (cases, registry, …) so the menu grows without touching templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.permissions import user_perms
from gongzhi.accounts.roles import Perm, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str | None = None
    roles: tuple[str, ...] = ()

    def visible(self, user) -> bool:
        roles = user.roles() if getattr(user, "is_authenticated", False) else frozenset()
        return self.visible_with(user_perms(user), roles)

    def visible_with(self, perms: frozenset[str], roles: frozenset[str]) -> bool:
        """Whether a user holding ``perms`` through ``roles`` sees this entry."""
        if self.perm and self.perm not in perms:
            return False
        if self.roles and not roles & set(self.roles):
            return False
        return True


NAV = [
    NavItem(_("工作台"), "core:console", perm=Perm.CONSOLE_VIEW),
    NavItem(_("我的"), "core:mobile_home", roles=(Role.GRID_WORKER, Role.RESIDENT)),
    NavItem(_("随手拍"), "cases:report", perm=Perm.CASES_REPORT, roles=(Role.RESIDENT, Role.GRID_WORKER)),
    NavItem(_("我的上报"), "cases:mine", roles=(Role.RESIDENT,)),
    NavItem(_("我的任务"), "cases:tasks", roles=(Role.GRID_WORKER,)),
    NavItem(_("巡查走访"), "cases:patrols", roles=(Role.GRID_WORKER,)),
    NavItem(_("入户走访"), "registry:mobile_households", roles=(Role.GRID_WORKER,)),
    NavItem(_("事件办理"), "cases:queue", perm=Perm.CASES_VIEW,
            roles=(Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_ADMIN)),
    NavItem(_("部门待办"), "cases:inbox", roles=(Role.DEPARTMENT_STAFF,)),
    NavItem(_("督办台"), "cases:supervision", perm=Perm.CASES_SUPERVISE),
    NavItem(_("事件地图"), "cases:map", perm=Perm.CASES_VIEW,
            roles=(Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_ADMIN)),
    NavItem(_("事件统计"), "cases:stats",
            roles=(Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_ADMIN, Role.DEPARTMENT_STAFF)),
    NavItem(_("定期通报"), "cases:bulletin", perm=Perm.CASES_VIEW,
            roles=(Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_ADMIN)),
    NavItem(_("事件配置"), "cases:catalogue", perm=Perm.CASES_CONFIGURE),
    NavItem(_("人口档案"), "registry:person_list", perm=Perm.REGISTRY_VIEW),
    NavItem(_("房屋"), "registry:house_list", perm=Perm.REGISTRY_VIEW),
    NavItem(_("人口统计"), "registry:statistics", perm=Perm.REGISTRY_VIEW),
    NavItem(_("人员导入"), "registry:import", perm=Perm.REGISTRY_EDIT),
    NavItem(_("窗口核验"), "registry:counter_verify", perm=Perm.REGISTRY_EDIT, roles=(Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_ADMIN)),
    NavItem(_("区划与网格"), "areas:tree", perm=Perm.AREAS_VIEW),
    NavItem(_("网格地图"), "areas:map", perm=Perm.AREAS_VIEW),
    NavItem(_("区划导入"), "areas:import", perm=Perm.AREAS_MANAGE),
    NavItem(_("账号管理"), "accounts:user_list", perm=Perm.ACCOUNTS_MANAGE),
    NavItem(_("审计日志"), "audit:log", perm=Perm.AUDIT_VIEW),
    NavItem(_("通知"), "notices:inbox"),
]


def nav_for(user, current_path: str) -> list[dict]:
    """Visible entries; the one whose URL is the longest prefix of the current path is active."""
    roles = user.roles() if getattr(user, "is_authenticated", False) else frozenset()
    entries = _entries(user_perms(user), roles, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    items = [{"label": label, "url": url, "active": False} for label, url in entries]
    matches = [i for i in items if current_path.startswith(i["url"])]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items


@lru_cache(maxsize=256)
def _entries(perms: frozenset[str], roles: frozenset[str], urlconf, script_prefix: str) -> tuple[tuple, ...]:
    """The menu of whoever holds ``perms`` through ``roles``: it depends on nothing else, so each
    combination's entries and URLs are worked out once per process, not on every page."""
    return tuple((item.label, reverse(item.url_name, urlconf=urlconf))
                 for item in NAV if item.visible_with(perms, roles))
