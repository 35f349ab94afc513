"""What the registry app brings to the spine (see ``core/plugins.py``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import ApiMount, AppPlugin, DemoStep, Feature, MenuEntry, Permission, UrlMount

STAFF = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_ADMIN)

plugin = AppPlugin(
    urls=(UrlMount("registry/", "gongzhi.registry.urls", order=170),),
    api=(
        ApiMount("/persons", "gongzhi.registry.api:persons_router", order=30),
        ApiMount("/houses", "gongzhi.registry.api:houses_router", order=31),
        ApiMount("/estates", "gongzhi.registry.api:estates_router", order=32),
        ApiMount("/organisations", "gongzhi.registry.api:organisations_router", order=33),
        ApiMount("/facilities", "gongzhi.registry.api:facilities_router", order=34),
    ),
    permissions=(
        Permission("REGISTRY_VIEW", "registry.view", _("查看社区全息档案"), "View the community records",
                   roles=(Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER)),
        Permission("REGISTRY_EDIT", "registry.edit", _("登记、修改社区全息档案"),
                   "Register and edit the community records", roles=(Role.COMMUNITY_STAFF, Role.GRID_WORKER)),
    ),
    menu=(
        MenuEntry(_("入户走访"), "registry:mobile_households", roles=(Role.GRID_WORKER,), group="records", order=70),
        MenuEntry(_("人口档案"), "registry:person_list", perm="registry.view", group="records", order=150),
        MenuEntry(_("房屋"), "registry:house_list", perm="registry.view", group="records", order=160),
        MenuEntry(_("人口统计"), "registry:statistics", perm="registry.view", group="stats", order=170),
        MenuEntry(_("人员导入"), "registry:import", perm="registry.edit", group="records", order=180),
        MenuEntry(_("窗口核验"), "registry:counter_verify", perm="registry.edit", roles=STAFF, group="records",
                  order=190),
    ),
    demo=(DemoStep("registry", "gongzhi.registry.plugin:build_demo"),),
    features=(Feature(_("全息档案"), _("以房查人，底数清、情况明"), order=10),),
)


def build_demo(ctx) -> None:
    """The demo district's residents, houses and organisations (kept when they exist)."""
    from gongzhi.registry import demo as registry_demo
    from gongzhi.registry.models import House, Organisation, Person

    root = ctx.root
    created = registry_demo.build(root, residents=ctx.residents, progress=ctx.write)
    if created is None:
        ctx.write("居民数据已存在，跳过生成 / residents already exist, not generated again")
    code = root.code[:6]
    ctx.write("人员 %d / persons, 房屋 %d / houses, 组织 %d / organisations" % (
        Person.objects.filter(district_code=code).count(), House.objects.filter(district_code=code).count(),
        Organisation.objects.filter(district_code=code).count()))
