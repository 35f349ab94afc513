"""What the cases app brings to the spine (see ``core/plugins.py``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import ApiMount, AppPlugin, DemoStep, Feature, MenuEntry, Permission, UrlMount

STAFF = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_ADMIN)
DISTRICT_STREET = (Role.DISTRICT_ADMIN, Role.STREET_STAFF)

plugin = AppPlugin(
    urls=(
        # The Open311 intake takes the most requests of all: tried right after the health check.
        UrlMount("open311/v2/", "gongzhi.cases.open311_urls", order=10),
        UrlMount("cases/", "gongzhi.cases.urls", order=180),
    ),
    api=(
        ApiMount("/cases", "gongzhi.cases.api:router", order=40),
        ApiMount("/departments", "gongzhi.cases.api:departments_router", order=41),
    ),
    permissions=(
        Permission("CASES_REPORT", "cases.report", _("上报事件"), "Report cases",
                   roles=(Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER,
                          Role.RESIDENT)),
        Permission("CASES_VIEW", "cases.view", _("查看辖区事件"), "View the cases of one's area",
                   roles=(Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER)),
        Permission("CASES_ACCEPT", "cases.accept", _("受理事件（立案、不予立案、合并、交网格或社区处置）"),
                   "Accept cases (file, reject, merge, hand to a grid or community)",
                   roles=(Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF)),
        Permission("CASES_DISPATCH", "cases.dispatch", _("派遣事件到职能部门"), "Dispatch cases to departments",
                   roles=DISTRICT_STREET),
        # Departments see the cases dispatched to them (``Case.objects.visible_to``), not their areas' cases.
        Permission("CASES_HANDLE", "cases.handle", _("处置事件并反馈"), "Handle cases and report back",
                   roles=(Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.DEPARTMENT_STAFF)),
        Permission("CASES_VERIFY", "cases.verify", _("核查处置结果"), "Verify the handling of cases",
                   roles=(Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER)),
        Permission("CASES_SUPERVISE", "cases.supervise", _("督办事件（审批延期、挂账、结案）"),
                   "Supervise cases (decide extensions, suspend, close)", roles=DISTRICT_STREET),
        Permission("CASES_CONFIGURE", "cases.configure", _("配置事件类别、派遣规则、工作日历与 Open311 密钥"),
                   "Configure case categories, routing, the working calendar and Open311 keys",
                   roles=(Role.DISTRICT_ADMIN,)),
    ),
    menu=(
        MenuEntry(_("随手拍"), "cases:report", perm="cases.report", roles=(Role.RESIDENT, Role.GRID_WORKER),
                  group="cases", order=30, plain=_("拍照反映问题")),
        MenuEntry(_("我的上报"), "cases:mine", roles=(Role.RESIDENT,), group="cases", order=40,
                  plain=_("我反映过的问题")),
        MenuEntry(_("我的任务"), "cases:tasks", roles=(Role.GRID_WORKER,), group="cases", order=50),
        MenuEntry(_("巡查走访"), "cases:patrols", roles=(Role.GRID_WORKER,), group="cases", order=60),
        MenuEntry(_("事件办理"), "cases:queue", perm="cases.view", roles=STAFF, group="cases", order=80),
        MenuEntry(_("部门待办"), "cases:inbox", roles=(Role.DEPARTMENT_STAFF,), group="cases", order=90),
        MenuEntry(_("督办台"), "cases:supervision", perm="cases.supervise", group="cases", order=100),
        MenuEntry(_("事件地图"), "cases:map", perm="cases.view", roles=STAFF, group="cases", order=110),
        MenuEntry(_("事件统计"), "cases:stats", roles=(*STAFF, Role.DEPARTMENT_STAFF), group="stats", order=120),
        MenuEntry(_("定期通报"), "cases:bulletin", perm="cases.view", roles=STAFF, group="stats", order=130),
        MenuEntry(_("事件配置"), "cases:catalogue", perm="cases.configure", group="admin", order=140),
    ),
    demo=(DemoStep("cases", "gongzhi.cases.plugin:build_demo", after=("registry",)),),
    features=(Feature(_("一网统管"), _("小事不出网格，大事不出社区"), order=20),
              Feature(_("办理可查"), _("上报后随时查看办理进度，办结后评价"), order=30)),
)


def build_demo(ctx) -> None:
    """Ninety days of case history (kept when cases exist)."""
    from gongzhi.cases import demo as cases_demo

    built = cases_demo.build(ctx.root, progress=ctx.write)
    if built is None:
        ctx.write("事件数据已存在，跳过生成 / cases already exist, not generated again")
