"""What the services app brings to the spine (see ``core/plugins.py``): the service hall (一网通办 ·
一窗受理 · 全区通办), its catalogue held to the admission list (准入清单), and certificates that anyone
can verify by their QR code."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import ApiMount, AppPlugin, DemoStep, Feature, MenuEntry, MenuGroup, Permission, UrlMount

STAFF = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF)

plugin = AppPlugin(
    urls=(UrlMount("services/", "gongzhi.services.urls", order=220),),
    api=(ApiMount("", "gongzhi.services.api:router", order=220),),
    menu_groups=(MenuGroup("services", pgettext_lazy("menu", "服务"), order=18, plain=_("办事")),),
    permissions=(
        Permission("SERVICES_HANDLE", "services.handle", _("受理和办理服务申请"),
                   "Accept and handle applications for service items",
                   roles=(*STAFF, Role.DEPARTMENT_STAFF)),
        Permission("SERVICES_CERTIFY", "services.certify", _("出具和撤销证明，查看证明登记簿"),
                   "Issue and revoke certificates and read the register of certificates", roles=STAFF),
        Permission("SERVICES_CONFIGURE", "services.configure", _("配置服务事项、准入清单和证明事项清单"),
                   "Configure the service items, the admission list and the certificate list",
                   roles=(Role.DISTRICT_ADMIN,)),
    ),
    menu=(
        MenuEntry(_("服务事项"), "services:catalogue", roles=(*STAFF, Role.RESIDENT), group="services", order=10,
                  plain=_("可以办的事")),
        MenuEntry(_("我的申请"), "services:mine", roles=(Role.RESIDENT,), group="services", order=12,
                  plain=_("我办的事")),
        MenuEntry(_("服务申请"), "services:applications", perm="services.handle", group="services", order=20),
        MenuEntry(_("证明登记簿"), "services:certificates", perm="services.certify", group="services", order=30),
        MenuEntry(_("准入清单"), "services:admission", roles=STAFF, group="services", order=40),
    ),
    features=(Feature(_("一网通办"), _("事项清单、网上申请、窗口受理、全区通办，办理进度可查，证明扫码核验"), order=70),),
    demo=(DemoStep("services", "gongzhi.services.plugin:build_demo", after=("registry",)),),
)


def build_demo(ctx) -> None:
    """The default catalogue, admission list and certificate list, and certificates issued by 幸福社区
    (one of them revoked); kept when they exist."""
    from gongzhi.services import demo

    if not demo.build(ctx.root, progress=ctx.write):
        ctx.write("服务大厅数据已存在，跳过生成 / service hall data exist, not generated again")
