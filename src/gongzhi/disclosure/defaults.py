"""What the district starts with: the default small-powers catalogue (社区 and 村) and the default
property score sheet. Installed by migration 0003 and by the demo; idempotent (existing rows kept)."""

from __future__ import annotations

# code, name, applies_to, legal basis, responsible, time limit, [(step, actor), ...]
POWER_ITEMS = [
    ("dibao_review", "低保、特困供养申请初审", "both",
     "《社会救助暂行办法》第十一条、第十五条；《最低生活保障审核确认办法》（民发〔2021〕57号）；"
     "《特困人员认定办法》（民发〔2021〕43号）",
     "村（居）民委员会（受乡镇人民政府、街道办事处委托）", "受理后10个工作日内完成入户调查并报送",
     [("居民提出申请", "申请人"), ("受理登记", "村（居）委会"), ("入户调查核实", "村（居）委会工作人员（两人以上）"),
      ("民主评议", "村（居）民代表"), ("张榜公示7天", "村（居）委会"), ("报乡镇（街道）审核", "村（居）委会")]),
    ("hardship_aid", "困难群众临时救助申请初审", "both",
     "《社会救助暂行办法》第四十七条至第四十九条；《民政部 财政部关于进一步加强和改进临时救助工作的意见》",
     "村（居）民委员会", "受理后5个工作日内完成核实并报送；急难情形先行救助",
     [("提出救助申请", "申请人或代为申请人"), ("受理登记", "村（居）委会"), ("核实家庭情况", "村（居）委会工作人员"),
      ("村（居）委会研究", "村（居）委会"), ("公示", "村（居）委会"), ("报乡镇（街道）审批", "村（居）委会")]),
    ("certificate", "出具证明", "both",
     "《国务院办公厅关于做好证明事项清理工作的通知》（国办发〔2018〕47号）；"
     "《村民委员会组织法》《城市居民委员会组织法》",
     "村（居）民委员会", "当场办结；需核实的3个工作日内办结",
     [("提出申请并提交材料", "申请人"), ("核实情况", "村（居）委会经办人"), ("负责人审签", "村（居）委会主任"),
      ("出具证明并登记存档", "村（居）委会经办人")]),
    ("party_member", "发展党员", "both",
     "《中国共产党章程》第一章；《中国共产党发展党员工作细则》",
     "村（社区）党组织", "预备期一年；各环节按细则规定时限",
     [("递交入党申请书", "申请人"), ("确定入党积极分子", "党支部"), ("确定发展对象", "党支部"),
      ("政治审查与集中培训", "党支部、上级党委"), ("支部大会讨论接收预备党员", "党员大会"),
      ("上级党委审批", "乡镇（街道）党（工）委"), ("预备期考察与按期转正", "党支部")]),
    ("public_funds", "惠民资金和公益事业资金使用", "both",
     "《村民委员会组织法》第二十四条；《城市居民委员会组织法》第十七条",
     "村（居）民委员会、村（居）民会议或代表会议", "按年度计划；使用情况每季度公开",
     [("提出使用方案", "村（居）委会"), ("党组织审核", "村（社区）党组织"), ("村（居）民会议或代表会议决定", "村（居）民（代表）"),
      ("组织实施", "村（居）委会"), ("使用情况公开", "村（居）务监督委员会")]),
    ("collective_assets", "集体资产处置", "village",
     "《村民委员会组织法》第二十四条；《农村集体经济组织法》；《农村集体资产管理办法》",
     "村集体经济组织、村民委员会", "决议后30日内公开交易；结果当即公开",
     [("村党组织提议", "村党组织"), ("村“两委”商议", "村“两委”"), ("党员大会审议", "党员大会"),
      ("村民会议或代表会议决议", "村民（代表）会议"), ("决议公开", "村务监督委员会"),
      ("进场公开交易", "村集体经济组织"), ("实施结果公开", "村务监督委员会")]),
    ("village_project", "村级工程项目建设", "village",
     "《村民委员会组织法》第二十四条；《招标投标法》；“四议两公开”工作法",
     "村民委员会", "按项目计划；竣工后15日内公开结果",
     [("项目提议", "村党组织"), ("“四议”决策", "村“两委”、党员大会、村民（代表）会议"), ("公开招标或比选", "村民委员会"),
      ("签订合同", "村民委员会"), ("施工监督", "村务监督委员会"), ("竣工验收", "村民委员会、村民代表"),
      ("结果公开", "村务监督委员会")]),
    ("homestead_review", "宅基地申请初审", "village",
     "《土地管理法》第六十二条；《农业农村部 自然资源部关于规范农村宅基地审批管理的通知》（农经发〔2019〕6号）",
     "村民委员会、村民小组", "受理后20日内完成审查并报送",
     [("农户提出申请", "申请户"), ("村民小组会议讨论", "村民小组"), ("公示", "村民小组"),
      ("村级组织审查", "村民委员会"), ("报乡镇人民政府审批", "村民委员会")]),
]

# name, description, max points
SCORE_SHEET = [
    ("环境卫生", "公共区域清扫保洁、垃圾分类与清运", 20),
    ("秩序维护", "门岗值守、巡逻、车辆停放管理", 20),
    ("设施设备维护", "电梯、消防、供水供电等共用设施设备的维护", 20),
    ("绿化养护", "绿地修剪、补植、病虫害防治", 15),
    ("服务态度与投诉处理", "服务礼仪、报修响应、投诉处理及时率", 15),
    ("信息公开与档案管理", "收费标准、公共收益和维修资金使用的公示", 10),
]


def install(PowerItem=None, PowerStep=None, ScoreCriterion=None) -> None:
    """Install the default catalogue and score sheet where missing (a code or name already present
    is kept as the district configured it). Models may be passed in by a migration."""
    if PowerItem is None:
        from .models import PowerItem, PowerStep, ScoreCriterion
    for sort, (code, name, applies_to, basis, responsible, limit, steps) in enumerate(POWER_ITEMS, start=1):
        item, created = PowerItem.objects.get_or_create(code=code, defaults={
            "name": name, "applies_to": applies_to, "legal_basis": basis, "responsible": responsible,
            "time_limit": limit, "sort": sort * 10})
        if created:
            PowerStep.objects.bulk_create([PowerStep(item=item, order=i, title=title, actor=actor)
                                           for i, (title, actor) in enumerate(steps, start=1)])
    for sort, (name, description, points) in enumerate(SCORE_SHEET, start=1):
        ScoreCriterion.objects.get_or_create(name=name, defaults={
            "description": description, "max_points": points, "sort": sort * 10})
