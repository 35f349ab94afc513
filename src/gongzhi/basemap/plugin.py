"""What the base map app brings to the spine (see ``core/plugins.py``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.plugins import ApiMount, AppPlugin, DemoStep, MenuEntry, UrlMount

plugin = AppPlugin(
    urls=(UrlMount("areas/map/layers/", "gongzhi.basemap.urls", order=119),),
    api=(ApiMount("/basemap", "gongzhi.basemap.api:router", order=36),),
    menu=(MenuEntry(_("底图图层"), "basemap:layers", perm="areas.manage", group="admin", order=225),),
    demo=(DemoStep("basemap", "gongzhi.basemap.plugin:build_demo", after=("registry",)),),
)


def build_demo(ctx) -> None:
    """The demo district's roads, river, water, green space and fields (kept when they exist)."""
    from gongzhi.basemap import demo

    count = demo.build(ctx.root)
    ctx.write("底图要素 %d / base map features" % count)
