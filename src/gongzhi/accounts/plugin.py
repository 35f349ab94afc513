"""What the accounts app brings to the spine (see ``core/plugins.py``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import ApiMount, AppPlugin, MenuEntry, Permission, UrlMount

plugin = AppPlugin(
    urls=(
        UrlMount("accounts/", "gongzhi.accounts.urls", order=110),
        UrlMount("manage/", "gongzhi.accounts.admin_site:admin_site.urls", order=900),
    ),
    api=(ApiMount("/", "gongzhi.accounts.api:router", order=10),),
    permissions=(
        Permission("ACCOUNTS_MANAGE", "accounts.manage", _("管理账号、角色与部门"),
                   "Manage accounts, roles and departments", roles=(Role.SYSTEM_ADMIN,)),
        Permission("ACCOUNTS_UNLOCK", "accounts.unlock", _("解除账号锁定"), "Lift login lockouts",
                   roles=(Role.SYSTEM_ADMIN,)),
    ),
    menu=(MenuEntry(_("账号管理"), "accounts:user_list", perm="accounts.manage", group="admin", order=230),),
)
