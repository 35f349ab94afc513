"""What the areas app brings to the spine (see ``core/plugins.py``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import ApiMount, AppPlugin, MenuEntry, Permission, UrlMount

plugin = AppPlugin(
    urls=(UrlMount("areas/", "gongzhi.areas.urls", order=120),),
    api=(ApiMount("/areas", "gongzhi.areas.api:router", order=20),),
    permissions=(
        Permission("AREAS_VIEW", "areas.view", _("查看区划与网格"), "View areas and grids",
                   roles=(Role.SYSTEM_ADMIN, Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF,
                          Role.GRID_WORKER, Role.DEPARTMENT_STAFF)),
        Permission("AREAS_MANAGE", "areas.manage", _("导入、编辑区划与网格"), "Import and edit areas and grids",
                   roles=(Role.SYSTEM_ADMIN, Role.DISTRICT_ADMIN)),
    ),
    menu=(
        MenuEntry(_("区划与网格"), "areas:tree", perm="areas.view", group="records", order=200),
        MenuEntry(_("网格地图"), "areas:map", perm="areas.view", group="records", order=210),
        MenuEntry(_("区划导入"), "areas:import", perm="areas.manage", group="admin", order=220),
    ),
)
