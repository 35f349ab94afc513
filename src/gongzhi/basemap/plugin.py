"""What the base map app brings to the spine (see ``core/plugins.py``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import ApiMount, AppPlugin, DemoStep, UrlMount

plugin = AppPlugin(
    urls=(UrlMount("basemap/", "gongzhi.basemap.urls", order=175),),
    api=(ApiMount("/basemap", "gongzhi.basemap.api:router", order=36),),
    demo=(DemoStep("basemap", "gongzhi.basemap.plugin:build_demo", after=("registry",)),),
)

IMPORT_ROLES = (Role.DISTRICT_ADMIN,)


def build_demo(ctx) -> None:
    """The demo district's roads, river, water, green space and fields (kept when they exist)."""
    from gongzhi.basemap import demo

    count = demo.build(ctx.root)
    ctx.write("底图要素 %d / base map features" % count)
