"""Roles and the permission matrix: one declaration, read by code, pages and docs/permissions.md.

等保 2.0 separates the system administrator, the security administrator and the audit
administrator (三员分立): the system admin manages accounts and configuration but cannot read
the audit log; the security auditor reads the audit log and nothing else.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class Perm(models.TextChoices):
    """Permissions, named ``<domain>.<verb>``. Later apps add theirs here."""

    AREAS_VIEW = "areas.view", _("查看区划与网格")
    AREAS_MANAGE = "areas.manage", _("导入、编辑区划与网格")
    ACCOUNTS_MANAGE = "accounts.manage", _("管理账号、角色与部门")
    ACCOUNTS_UNLOCK = "accounts.unlock", _("解除账号锁定")
    AUDIT_VIEW = "audit.view", _("查阅、导出审计日志")
    PERSONAL_UNMASK = "personal.unmask", _("查看未脱敏个人信息（须填写事由）")
    NOTICES_SEND = "notices.send", _("向辖区发送通知")
    CONSOLE_VIEW = "console.view", _("使用工作台")
    REGISTRY_VIEW = "registry.view", _("查看社区全息档案")
    REGISTRY_EDIT = "registry.edit", _("登记、修改社区全息档案")
    CASES_REPORT = "cases.report", _("上报事件")
    CASES_VIEW = "cases.view", _("查看辖区事件")
    CASES_ACCEPT = "cases.accept", _("受理事件（立案、不予立案、合并、交网格或社区处置）")
    CASES_DISPATCH = "cases.dispatch", _("派遣事件到职能部门")
    CASES_HANDLE = "cases.handle", _("处置事件并反馈")
    CASES_VERIFY = "cases.verify", _("核查处置结果")
    CASES_SUPERVISE = "cases.supervise", _("督办事件（审批延期、挂账、结案）")
    CASES_CONFIGURE = "cases.configure", _("配置事件类别、派遣规则、工作日历与 Open311 密钥")


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
PERM_ENGLISH: dict[str, str] = {
    Perm.AREAS_VIEW: "View areas and grids",
    Perm.AREAS_MANAGE: "Import and edit areas and grids",
    Perm.ACCOUNTS_MANAGE: "Manage accounts, roles and departments",
    Perm.ACCOUNTS_UNLOCK: "Lift login lockouts",
    Perm.AUDIT_VIEW: "Read and export the audit log",
    Perm.PERSONAL_UNMASK: "See unmasked personal information (a reason is required)",
    Perm.NOTICES_SEND: "Send notices within one's area",
    Perm.CONSOLE_VIEW: "Use the staff console",
    Perm.REGISTRY_VIEW: "View the community records",
    Perm.REGISTRY_EDIT: "Register and edit the community records",
    Perm.CASES_REPORT: "Report cases",
    Perm.CASES_VIEW: "View the cases of one's area",
    Perm.CASES_ACCEPT: "Accept cases (file, reject, merge, hand to a grid or community)",
    Perm.CASES_DISPATCH: "Dispatch cases to departments",
    Perm.CASES_HANDLE: "Handle cases and report back",
    Perm.CASES_VERIFY: "Verify the handling of cases",
    Perm.CASES_SUPERVISE: "Supervise cases (decide extensions, suspend, close)",
    Perm.CASES_CONFIGURE: "Configure case categories, routing, the working calendar and Open311 keys",
}

# Role -> permissions. Area-bound permissions apply inside the role's assigned area only.
MATRIX: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset({Perm.AREAS_VIEW, Perm.AREAS_MANAGE, Perm.ACCOUNTS_MANAGE, Perm.ACCOUNTS_UNLOCK}),
    Role.SECURITY_AUDITOR: frozenset({Perm.AUDIT_VIEW}),
    Role.DISTRICT_ADMIN: frozenset(
        {Perm.AREAS_VIEW, Perm.AREAS_MANAGE, Perm.PERSONAL_UNMASK, Perm.NOTICES_SEND, Perm.CONSOLE_VIEW,
         Perm.REGISTRY_VIEW, Perm.CASES_REPORT, Perm.CASES_VIEW, Perm.CASES_ACCEPT, Perm.CASES_DISPATCH,
         Perm.CASES_VERIFY, Perm.CASES_SUPERVISE, Perm.CASES_CONFIGURE}
    ),
    Role.STREET_STAFF: frozenset(
        {Perm.AREAS_VIEW, Perm.PERSONAL_UNMASK, Perm.NOTICES_SEND, Perm.CONSOLE_VIEW, Perm.REGISTRY_VIEW,
         Perm.CASES_REPORT, Perm.CASES_VIEW, Perm.CASES_ACCEPT, Perm.CASES_DISPATCH, Perm.CASES_VERIFY,
         Perm.CASES_SUPERVISE}
    ),
    Role.COMMUNITY_STAFF: frozenset(
        {Perm.AREAS_VIEW, Perm.PERSONAL_UNMASK, Perm.NOTICES_SEND, Perm.CONSOLE_VIEW, Perm.REGISTRY_VIEW,
         Perm.REGISTRY_EDIT, Perm.CASES_REPORT, Perm.CASES_VIEW, Perm.CASES_ACCEPT, Perm.CASES_HANDLE,
         Perm.CASES_VERIFY}
    ),
    Role.GRID_WORKER: frozenset({Perm.AREAS_VIEW, Perm.REGISTRY_VIEW, Perm.REGISTRY_EDIT, Perm.CASES_REPORT,
                                 Perm.CASES_VIEW, Perm.CASES_HANDLE, Perm.CASES_VERIFY}),
    # Departments see the cases dispatched to them (``Case.objects.visible_to``), not their areas' cases.
    Role.DEPARTMENT_STAFF: frozenset({Perm.AREAS_VIEW, Perm.CONSOLE_VIEW, Perm.CASES_HANDLE}),
    Role.RESIDENT: frozenset({Perm.CASES_REPORT}),
}

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
