"""Everything the parcels app brings to the spine, declared here and nowhere else."""

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import ApiMount, AppPlugin, DemoStep, MenuEntry, MenuGroup, Permission, UrlMount

plugin = AppPlugin(
    urls=(UrlMount("parcels/", "tests.spine.parcels.urls"),),
    api=(ApiMount("/parcels", "tests.spine.parcels.api:router"),),
    permissions=(
        Permission("PARCELS_VIEW", "parcels.view", "查看地块", "View parcels",
                   roles=(Role.COMMUNITY_STAFF, Role.STREET_STAFF)),
        Permission("PARCELS_EDIT", "parcels.edit", "登记地块", "Register parcels", roles=(Role.COMMUNITY_STAFF,)),
    ),
    menu_groups=(MenuGroup("land", "土地", order=25),),
    menu=(
        MenuEntry("地块台账", "parcels:list", perm="parcels.view", group="land", order=300),
        MenuEntry("地块登记", "parcels:list", perm="parcels.edit", group="land", order=310),
    ),
    demo=(DemoStep("parcels", "tests.spine.parcels.plugin:build_demo", after=("cases",)),),
)


def build_demo(ctx) -> None:
    ctx.write(f"地块 0 / parcels in {ctx.root.code}")
