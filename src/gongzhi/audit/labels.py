"""Chinese names for the audit log's action codes and for the programs that act without an account.

Entries store stable codes (``login.success``, ``cases.accept``); people read these names. One
table for the page, its filter and the Excel export. A case step (``cases.<action>``) is named
after the step in the workflow's transition table, so a new step is named where it is defined.
``tests`` check that every code the source records has a name here.
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy as _

# Groups by the code's first part, in the order the filter lists them.
GROUPS = {
    "login": _("登录"),
    "token": _("接口令牌登录"),
    "account": _("账号"),
    "manage": _("系统管理"),
    "areas": _("区划与网格"),
    "registry": _("社区档案"),
    "personal": _("个人信息查看"),
    "cases": _("网格事件"),
    "deliberation": _("协商议事"),
    "disclosure": _("居务公开"),
    "jobs": _("后台任务"),
    "privacy": _("数据加密"),
    "security": _("安全防护"),
    "audit": _("审计日志"),
    "demo": _("演示数据"),
    "backup": _("备份与恢复"),
}

ACTIONS = {
    # Signing in: the login page (login.*) and POST /api/v1/auth/token (token.*).
    "login.success": _("登录成功"),
    "login.failure": _("登录失败（账号或密码错误）"),
    "login.refused": _("登录被拒绝"),
    "login.otp_failure": _("登录失败（两步验证码错误）"),
    "token.failure": _("接口令牌登录失败（账号或密码错误）"),
    "token.refused": _("接口令牌登录被拒绝"),
    "token.otp_failure": _("接口令牌登录失败（两步验证码错误）"),
    "logout": _("退出登录"),
    "security.rate_limited": _("操作过于频繁，已限制"),
    "account.create": _("创建账号"),
    "account.signup": _("居民注册"),
    "account.signup_code": _("发送注册验证码"),
    "account.role_assign": _("分配角色"),
    "account.password_change": _("修改密码"),
    "account.lock": _("账号锁定（连续登录失败）"),
    "account.unlock": _("解除账号锁定"),
    "account.2fa_enable": _("启用两步验证"),
    "account.2fa_reset": _("重置两步验证"),
    "account.token_create": _("创建接口令牌"),
    "account.token_revoke": _("吊销接口令牌"),
    "account.tokens_revoke": _("吊销全部接口令牌"),
    "manage.add": _("系统管理：新增"),
    "manage.change": _("系统管理：修改"),
    "manage.delete": _("系统管理：删除"),
    "areas.import": _("导入区划与网格"),
    "areas.export": _("导出区划与网格"),
    "areas.basemap_import": _("导入底图图层"),
    "areas.basemap_delete": _("删除底图图层"),
    "registry.person.create": _("新增人员"),
    "registry.person.update": _("修改人员信息"),
    "registry.person.move": _("人员迁移"),
    "registry.person.tag": _("标记特殊人群"),
    "registry.person.untag": _("取消特殊人群标记"),
    "registry.person.id_search": _("按身份证号查找人员"),
    "registry.person.id_elsewhere": _("查询证件号是否在他处登记"),
    "registry.house.create": _("新增房屋"),
    "registry.house.update": _("修改房屋"),
    "registry.household.create": _("新增户"),
    "registry.household.head": _("变更户主"),
    "registry.organisation.create": _("新增单位"),
    "registry.organisation.update": _("修改单位"),
    "registry.facility.create": _("新增服务设施"),
    "registry.facility.update": _("修改服务设施"),
    "registry.vehicle.create": _("新增车辆"),
    "registry.vehicle.update": _("修改车辆"),
    "registry.import_residents": _("导入居民花名册"),
    "registry.import_error_report": _("下载导入错误报告"),
    "registry.export_persons": _("导出人员名单"),
    "registry.move_in.submit": _("提交迁入申请"),
    "registry.move_in.accepted": _("同意迁入申请"),
    "registry.move_in.declined": _("不同意迁入申请"),
    "registry.move_in.withdrawn": _("撤回迁入申请"),
    "registry.resident.verify": _("居民实名核验通过"),
    "registry.resident.verify_failure": _("居民实名核验未通过"),
    "registry.resident.verify_refused": _("居民实名核验被拒绝"),
    "registry.resident.counter_verify": _("社区窗口实名核验"),
    "registry.resident.unbind": _("解除居民实名绑定"),
    "personal.reveal": _("查看完整个人信息"),
    "personal.reveal_denied": _("查看完整个人信息被拒绝"),
    "cases.report": _("上报事件"),
    "cases.export": _("导出事件"),
    "cases.export_cases": _("导出事件"),
    "cases.bulletin_export": _("导出每周通报"),
    "cases.patrol_start": _("开始巡查"),
    "cases.patrol_end": _("结束巡查"),
    "cases.category_create": _("新增事件类别"),
    "cases.category_update": _("修改事件类别"),
    "cases.rule_create": _("新增派遣规则"),
    "cases.rule_update": _("修改派遣规则"),
    "cases.rule_delete": _("删除派遣规则"),
    "cases.calendar_update": _("修改工作日历"),
    "cases.calendar_install": _("导入法定节假日"),
    "cases.loop_settings": _("修改事件办理设置"),
    "cases.open311_request": _("Open311 接口上报事件"),
    "cases.open311_key_issue": _("发放 Open311 接口密钥"),
    "cases.open311_key_revoke": _("吊销 Open311 接口密钥"),
    "deliberation.vote_create": _("发起表决"),
    "deliberation.vote_cancel": _("撤销表决"),
    "deliberation.ballot": _("网上投票"),
    "deliberation.paper_ballot": _("录入纸质选票"),
    "deliberation.tally": _("录入现场计票结果"),
    "deliberation.vote_tally": _("表决计票"),
    "deliberation.household_representative": _("户主指定户代表"),
    "deliberation.household_representative_on_behalf": _("工作人员代户主指定户代表"),
    "notices.announcement_save": _("保存公告"),
    "notices.announcement_schedule": _("定时发布公告"),
    "notices.announcement_publish": _("发布公告"),
    "notices.announcement_withdraw": _("撤回公告"),
    "services.item_create": _("新增服务事项"),
    "services.item_update": _("修改服务事项"),
    "services.certificate_issue": _("出具证明"),
    "services.certificate_revoke": _("撤销证明"),
    "services.application_submit": _("提交服务申请"),
    "services.application_correction": _("一次性告知补正"),
    "services.application_resubmit": _("补正后重新提交"),
    "services.application_step": _("服务申请环节办理"),
    "services.application_decide": _("服务申请办结"),
    "services.application_rate": _("评价服务申请"),
    "disclosure.item_create": _("新建公开事项草稿"),
    "disclosure.item_update": _("修改公开事项"),
    "disclosure.item_publish": _("公开事项"),
    "disclosure.item_withdraw": _("撤回公开事项"),
    "disclosure.question_ask": _("居民就公开事项提问"),
    "disclosure.question_ask_on_behalf": _("工作人员代居民就公开事项提问"),
    "disclosure.question_answer": _("答复居民提问"),
    "disclosure.ledger_add": _("登记收支凭证"),
    "disclosure.ledger_reverse": _("登记冲销凭证"),
    "disclosure.statement_publish": _("公开月度财务报表"),
    "disclosure.statement_export": _("导出月度财务报表"),
    "jobs.download": _("下载后台任务生成的文件"),
    "privacy.rotate_key": _("轮换数据加密密钥"),
    "audit.export": _("导出审计日志"),
    "audit.purge": _("清理过期审计日志"),
    "demo.setup": _("生成演示数据"),
    "backup.create": _("创建数据备份"),
    "backup.restore": _("从备份恢复数据"),
    "disclosure.power_item_create": _("新增小微权力事项"),
    "disclosure.power_item_update": _("修改小微权力事项"),
    "disclosure.power_exercise_log": _("登记小微权力运行记录"),
    "disclosure.criterion_save": _("保存物业考评项目"),
    "disclosure.property_weight": _("修改物业考评权重"),
    "disclosure.evaluation_save": _("保存物业季度考评"),
    "disclosure.evaluation_publish": _("公布物业季度考评结果"),
    "disclosure.property_rate": _("居民评价物业服务"),
    "disclosure.property_rate_on_behalf": _("工作人员代居民评价物业服务"),
    # Consultation (deliberation): topics, the catalogue, bodies and meetings.
    "deliberation.topic.propose": _("提出协商议题"),
    "deliberation.topic.propose_on_behalf": _("工作人员代居民提出协商议题"),
    "deliberation.topic.accept": _("受理协商议题"),
    "deliberation.topic.refuse": _("不予受理协商议题"),
    "deliberation.topic.support": _("附议协商议题"),
    "deliberation.topic.support_on_behalf": _("工作人员代居民附议协商议题"),
    "deliberation.comment.post": _("议题讨论发言"),
    "deliberation.comment.post_on_behalf": _("工作人员代居民在议题讨论中发言"),
    "deliberation.comment.hide": _("屏蔽议题讨论发言"),
    "deliberation.catalogue.create": _("新增协商事项目录条目"),
    "deliberation.catalogue.update": _("修改协商事项目录条目"),
    "deliberation.settings.meeting_day": _("设置每月协商议事日"),
    "deliberation.body.create": _("设立议事机构"),
    "deliberation.member.add": _("添加议事机构成员"),
    "deliberation.member.remove": _("移出议事机构成员"),
    "deliberation.meeting.schedule": _("安排议事会议"),
    "deliberation.meeting.notify": _("发送议事会议通知"),
    "deliberation.meeting.invite": _("增加参会成员"),
    "deliberation.meeting.attendance": _("登记议事会议出席"),
    "deliberation.meeting.minutes": _("记录议事会议纪要和意见"),
    "deliberation.meeting.cancel": _("取消议事会议"),
    # Implementation and evaluation (民事民办, 民事民评) and 四议两公开.
    "deliberation.task.create": _("添加协商落实任务"),
    "deliberation.task.update": _("更新协商落实任务进展"),
    "deliberation.task.case": _("协商落实任务转为网格事件"),
    "deliberation.topic.done": _("协商议题落实办结"),
    "deliberation.evaluate": _("居民评价协商落实结果"),
    "deliberation.evaluate_on_behalf": _("工作人员代居民评价协商落实结果"),
    "deliberation.village.start": _("新建四议两公开事项"),
    "deliberation.village.step": _("记录四议两公开环节"),
}

# Programs that write entries without an account: commands, scheduled tasks, the Open311 intake.
OPERATORS = {
    "demo_setup": _("演示数据初始化程序"),
    "open311": _("Open311 接口"),
    "open311_key command": _("Open311 密钥管理命令"),
    "purge_audit": _("审计日志定期清理"),
    "purge_audit_log": _("审计日志定期清理"),
    "import_residents": _("居民花名册导入任务"),
    "manage.py import_areas": _("区划导入命令"),
    "command-line": _("命令行"),
    "system": _("系统"),
    "signup": _("居民注册页面"),
    "rotate_data_key": _("密钥轮换命令"),
    "backup command": _("备份命令"),
    "restore command": _("恢复命令"),
}
# Entries whose operator name is what somebody typed into a sign-in form, not a program.
TYPED_NAME_PREFIXES = ("login.", "token.", "account.lock")


def _case_step(step: str) -> str | None:
    from gongzhi.cases.workflow import TRANSITIONS

    transition = TRANSITIONS.get(step)
    return str(transition.label) if transition is not None else None


def action_label(code: str) -> str:
    """The Chinese name of an action code; an unknown code is named by its group."""
    if code in ACTIONS:
        return str(ACTIONS[code])
    group, _dot, rest = code.partition(".")
    if group == "cases" and rest:
        step = _case_step(rest)
        if step:
            return gettext("事件办理：%(step)s") % {"step": step}
    if group in GROUPS:
        return gettext("%(group)s：其他操作") % {"group": GROUPS[group]}
    return gettext("其他操作")


action_label_lazy = lazy(action_label, str)


def operator_label(*, action: str, actor_name: str, actor=None) -> str:
    """Who acted, as a person reads it: the account's name, a program's name, or the typed name."""
    if actor is not None:
        real_name = getattr(actor, "real_name", "")
        return f"{real_name}（{actor_name}）" if real_name and actor_name else (real_name or actor_name)
    if not actor_name:
        return "—"
    if action.startswith(TYPED_NAME_PREFIXES):
        return actor_name
    if actor_name in OPERATORS:
        return str(OPERATORS[actor_name])
    program, _colon, key = actor_name.partition(":")
    if program == "open311" and key:
        return gettext("Open311 接口（密钥 %(prefix)s）") % {"prefix": key}
    return actor_name


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter's options: each group (all its actions, by code prefix) and its named actions."""
    grouped = []
    for group, group_label in GROUPS.items():
        options = [(f"{group}.", gettext("全部“%(group)s”操作") % {"group": group_label})]
        options += sorted(((code, str(label)) for code, label in ACTIONS.items()
                           if code.partition(".")[0] == group and "." in code), key=lambda o: o[0])
        if group == "cases":
            from gongzhi.cases.workflow import TRANSITIONS

            options += [(f"cases.{step}", action_label(f"cases.{step}")) for step in TRANSITIONS]
        grouped.append((str(group_label), options))
    grouped[0][1].append(("logout", str(ACTIONS["logout"])))
    return grouped
