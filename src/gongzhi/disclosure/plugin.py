"""What the disclosure app brings to the spine (see ``core/plugins.py``): 居务/村务公开, 居财居管,
the small-powers list and the property evaluation, with public pages readable without login."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import AppPlugin, DemoStep, Feature, MenuEntry, Permission, UrlMount

STAFF = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF)

plugin = AppPlugin(
    urls=(UrlMount("disclosure/", "gongzhi.disclosure.urls", order=210),),
    permissions=(
        Permission("DISCLOSURE_PUBLISH", "disclosure.publish", _("发布和撤回公开事项、财务、小微权力运行记录"),
                   "Publish and withdraw disclosures, finances and exercises of small powers", roles=STAFF),
        Permission("DISCLOSURE_CONFIGURE", "disclosure.configure", _("配置公开类别、小微权力清单和物业考评表"),
                   "Configure disclosure kinds, the small-powers list and the property score sheet",
                   roles=(Role.DISTRICT_ADMIN,)),
    ),
    menu=(
        MenuEntry(_("小微权力"), "disclosure:powers", perm="disclosure.publish", group="participation", order=60),
        MenuEntry(_("物业考评"), "disclosure:property", perm="disclosure.publish", group="participation", order=62),
        MenuEntry(_("物业评价"), "disclosure:property_rate", roles=(Role.RESIDENT,), group="participation",
                  order=64, plain=_("给物业打分")),
        MenuEntry(_("小微权力清单配置"), "disclosure:power_catalogue", perm="disclosure.configure", group="admin",
                  order=150),
        MenuEntry(_("物业考评表配置"), "disclosure:property_sheet", perm="disclosure.configure", group="admin",
                  order=152),
        MenuEntry(_("居务公开"), "disclosure:manage", perm="disclosure.publish", roles=STAFF, group="participation",
                  order=50),
        MenuEntry(_("居财居管"), "disclosure:finances", perm="disclosure.publish", roles=STAFF, group="participation",
                  order=52),
        MenuEntry(_("公开栏"), "disclosure:index", roles=(Role.RESIDENT,), group="participation", order=54,
                  plain=_("社区公开的事")),
    ),
    features=(Feature(_("居务公开"), _("居（村）务、党务、财务按时公开，无需登录即可查阅和提问"), order=60),),
    demo=(DemoStep("disclosure_items", "gongzhi.disclosure.plugin:build_demo", after=("registry",)),
          DemoStep("disclosure_powers", "gongzhi.disclosure.plugin:build_powers_demo", after=("registry",))),
)


def build_demo(ctx) -> None:
    """A year of published items and monthly statements for 幸福社区 and 青山村 (kept when they exist)."""
    from gongzhi.disclosure import demo_items as demo

    built = demo.build(ctx.root, progress=ctx.write)
    if built is None:
        ctx.write("公开事项已存在，跳过生成 / disclosures already exist, not generated again")


def build_powers_demo(ctx) -> None:
    """The default catalogue and score sheet, exercises of 幸福社区 and 青山村, and a published quarter of
    property evaluations for the estates of 幸福社区 (kept when exercises exist)."""
    from gongzhi.disclosure import demo

    if not demo.build(ctx.root, progress=ctx.write):
        ctx.write("小微权力数据已存在，跳过生成 / small-powers data exist, not generated again")
