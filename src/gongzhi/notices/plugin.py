"""What the notices app brings to the spine (see ``core/plugins.py``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import AppPlugin, DemoStep, MenuEntry, Permission, UrlMount

plugin = AppPlugin(
    urls=(UrlMount("notices/", "gongzhi.notices.urls", order=150),),
    permissions=(
        Permission("NOTICES_SEND", "notices.send", _("向辖区发送通知"), "Send notices within one's area",
                   roles=(Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF)),
    ),
    # Everyone's inbox, in sight at every width, with the number of unread notices.
    menu=(MenuEntry(_("通知"), "notices:inbox", order=250, pinned=True,
                    counter="gongzhi.notices.selectors:unread_count"),
          MenuEntry(_("公告"), "notices:announcements", perm="notices.send", group="services", order=50),
          MenuEntry(_("公告栏"), "notices:board", roles=(Role.RESIDENT, Role.GRID_WORKER), group="services", order=14,
                    plain=_("社区公告"))),
    demo=(DemoStep("announcements", "gongzhi.notices.plugin:build_demo", after=("registry",)),),
)


def build_demo(ctx) -> None:
    """A community's announcement to its residents and a street's to its grid workers (kept when they exist)."""
    from gongzhi.notices import demo

    if not demo.build(ctx.root, progress=ctx.write):
        ctx.write("公告已存在，跳过生成 / announcements exist, not generated again")
