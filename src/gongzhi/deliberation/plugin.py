"""What the deliberation app brings to the spine (see ``core/plugins.py``): consultation topics,
bodies, meetings, votes with their ledger, implementation and evaluation, 四议两公开."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import ApiMount, AppPlugin, DemoStep, Feature, MenuEntry, Permission, UrlMount

STAFF = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF)

plugin = AppPlugin(
    urls=(UrlMount("deliberation/", "gongzhi.deliberation.urls", order=200),),
    api=(ApiMount("/votes", "gongzhi.deliberation.api:router", order=60),),
    permissions=(
        Permission("DELIBERATION_MANAGE", "deliberation.manage",
                   _("组织协商议事（审核议题、议事机构、会议、表决、落实）"),
                   "Run consultation (screen topics, keep bodies, hold meetings and votes, follow up decisions)",
                   roles=STAFF),
        Permission("DELIBERATION_CONFIGURE", "deliberation.configure", _("配置协商事项目录和议事机构成员类别"),
                   "Configure the consultation catalogue and the member kinds of bodies",
                   roles=(Role.DISTRICT_ADMIN,)),
    ),
    menu=(
        MenuEntry(_("表决"), "deliberation:votes", roles=(*STAFF, Role.RESIDENT), group="participation", order=40,
                  plain=_("投票")),
        MenuEntry(_("议题"), "deliberation:topic_list", roles=(*STAFF, Role.RESIDENT), group="participation",
                  order=10, plain=_("大家商量的事")),
        MenuEntry(_("议事机构"), "deliberation:body_list", perm="deliberation.manage", group="participation",
                  order=20),
        MenuEntry(_("议事会议"), "deliberation:meeting_list", perm="deliberation.manage", group="participation",
                  order=30),
        MenuEntry(_("协商事项目录"), "deliberation:catalogue", perm="deliberation.configure", group="admin",
                  order=240),
        MenuEntry(_("逾期落实任务"), "deliberation:tasks_overdue", perm="deliberation.manage", roles=STAFF,
                  group="participation", order=240),
        MenuEntry(_("四议两公开"), "deliberation:village_list", perm="deliberation.manage", roles=STAFF,
                  group="participation", order=250),
    ),
    demo=(DemoStep("deliberation", "gongzhi.deliberation.plugin:build_demo", after=("registry", "cases")),),
    features=(Feature(_("协商议事与在线表决"),
                      _("民事民提、民事民议、民事民决：一人（户）一票，按法定规则计票，账本公开可核验"), order=40),),
)


def build_demo(ctx) -> None:
    from gongzhi.deliberation import demo

    demo.build(ctx)
