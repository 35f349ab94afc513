"""What the core app brings to the spine (see ``core/plugins.py``): the health check, the API, the
home pages, the console permission and the groups of the main menu."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import AppPlugin, MenuEntry, MenuGroup, Permission, UrlMount

plugin = AppPlugin(
    urls=(
        UrlMount("", "gongzhi.core.health_urls", order=0),
        UrlMount("api/v1/", "gongzhi.core.api:urls", order=20),
        UrlMount("map/tiles/", "gongzhi.core.maps.urls", order=30),  # the raster base layer (MBTiles)
        UrlMount("", "gongzhi.core.urls", order=1000),  # the catch-all prefix, last
    ),
    permissions=(
        Permission("CONSOLE_VIEW", "console.view", _("使用工作台"), "Use the staff console",
                   roles=(Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.DEPARTMENT_STAFF)),
    ),
    menu_groups=(
        MenuGroup("cases", pgettext_lazy("menu", "事件"), order=10, plain=_("反映问题")),
        MenuGroup("participation", pgettext_lazy("menu", "议事"), order=15, plain=_("社区大家事")),
        MenuGroup("records", pgettext_lazy("menu", "台账"), order=20),
        MenuGroup("stats", pgettext_lazy("menu", "统计"), order=30),
        MenuGroup("admin", pgettext_lazy("menu", "管理"), order=40),
    ),
    menu=(
        MenuEntry(_("工作台"), "core:console", perm="console.view", order=10),
        MenuEntry(_("我的"), "core:mobile_home", roles=(Role.GRID_WORKER, Role.RESIDENT), order=20),
    ),
)
