"""What the service hall ships with: the district's admission list (准入清单) in its three parts, the
certificate list (证明事项清单) and a first catalogue of service items. Plain data; the district edits it
on the configuration pages (perm ``services.configure``).

Where the content comes from:
- the seeds (../shared/seeds): 池州's 2020 draft《关于进一步提升城乡社区治理水平的若干意见》("实行社区工作
  事项准入制度……清单之外事项进入社区须经县级以上(含县级)社区治理领导机构研究同意,不得将社区作为行政执法、
  拆迁拆违、环境整治、城市管理、招商引资等事项责任主体……全面清理各职能部门要求基层群众性自治组织出具的各类
  证明,杜绝'万能章'现象", "前台一窗受理,后台协同办理", "全区域通办"), the community work plans ("凡由基层
  政府及其派出机构履行的法定职责,不得要求村(居)民委员会承担", "对法律法规有明确规定要求社区提供的证明,方可
  由社区提供") and 长宁's plan ("严格居民区协助行政事务准入机制");
- the laws and national documents cited on each entry: 《城市居民委员会组织法》 for the duties,
  《民政部等六部门关于改进和规范基层群众性自治组织出具证明工作的指导意见》(民发〔2020〕20号) and its
  《不应由基层群众性自治组织出具证明事项清单(第一批)》 for the certificates, and the benefit rules
  (《社会救助暂行办法》, 国发〔2015〕52号, 《老年人权益保障法》…) for the items.

Legal bases are cited by name, and by article where known; where a district's own standard decides
(amounts, age tiers), the text says so. Conditions use only the rules ``eligibility`` checks against the
population registry (min_age, max_age, registration, group, any_group); the rest is in words.
"""

from __future__ import annotations

# Who adds an entry to each part. Duties are set by law; what a community helps with, or must never be
# given, is decided by the district's community-governance leading body (the seeds' "县级以上(含县级)
# 社区治理领导机构研究同意"), its office work done by the 社会工作部 and the 民政局.
LAW_APPROVER = "区委社会工作部、区民政局"
LEADING_BODY = "区社区治理领导机构（区委社会工作部、区民政局承办）"
# The certificate list is the 司法行政 department's (证明事项清理), kept with the 民政局 (民发〔2020〕20号).
CERTIFICATE_APPROVER = "区司法局、区民政局"

ORGANIC_LAW = "《中华人民共和国城市居民委员会组织法》"
ASSIST_CLAUSE = (f"{ORGANIC_LAW}第三条第（五）项（协助人民政府或者它的派出机关做好与居民利益有关的公共卫生、"
                 "计划生育、优抚救济、青少年教育等项工作）")
NO_ENFORCEMENT = ("《关于进一步提升城乡社区治理水平的若干意见（征求意见稿）》（池州，2020）：“不得将社区作为行政执法、"
                  "拆迁拆违、环境整治、城市管理、招商引资等事项责任主体”；《中共中央 国务院关于加强基层治理体系和"
                  "治理能力现代化建设的意见》（2021年）")
CERTIFICATES_RULE = ("《民政部 国家发展改革委 公安部 司法部 人力资源社会保障部 国家卫生健康委关于改进和规范基层"
                     "群众性自治组织出具证明工作的指导意见》（民发〔2020〕20号）")

ADMISSION: list[dict] = [
    # 依法履职事项: the residents' committee's own duties (《城市居民委员会组织法》第三条、第四条、第十条).
    {"code": "publicity", "name": "宣传宪法、法律、法规和国家的政策，维护居民的合法权益", "part": "duty",
     "legal_basis": f"{ORGANIC_LAW}第三条第（一）项", "approved_by": LAW_APPROVER,
     "note": "含教育居民履行依法应尽的义务、爱护公共财产、开展社会主义精神文明建设活动", "sort": 10},
    {"code": "public_affairs", "name": "办理本居住地区居民的公共事务和公益事业", "part": "duty",
     "legal_basis": f"{ORGANIC_LAW}第三条第（二）项", "approved_by": LAW_APPROVER,
     "note": "", "sort": 20},
    {"code": "mediation", "name": "调解民间纠纷", "part": "duty",
     "legal_basis": f"{ORGANIC_LAW}第三条第（三）项；《中华人民共和国人民调解法》第八条（居民委员会设立人民调解委员会）",
     "approved_by": LAW_APPROVER, "note": "", "sort": 30},
    {"code": "public_order", "name": "协助维护社会治安", "part": "duty",
     "legal_basis": f"{ORGANIC_LAW}第三条第（四）项", "approved_by": LAW_APPROVER,
     "note": "协助，不作为治安管理、行政执法的责任主体", "sort": 40},
    {"code": "residents_views", "name": "向人民政府或者它的派出机关反映居民的意见、要求和提出建议", "part": "duty",
     "legal_basis": f"{ORGANIC_LAW}第三条第（六）项", "approved_by": LAW_APPROVER,
     "note": "", "sort": 50},
    {"code": "community_services", "name": "开展便民利民的社区服务活动", "part": "duty",
     "legal_basis": f"{ORGANIC_LAW}第四条", "approved_by": LAW_APPROVER,
     "note": "", "sort": 60},
    {"code": "residents_meeting", "name": "召集和主持居民会议，向居民会议负责并报告工作", "part": "duty",
     "legal_basis": f"{ORGANIC_LAW}第十条", "approved_by": LAW_APPROVER,
     "note": "涉及全体居民利益的重要问题，必须提请居民会议讨论决定", "sort": 70},
    {"code": "guardianship", "name": "指定监护人和担任监护人", "part": "duty",
     "legal_basis": "《中华人民共和国民法典》第三十一条（对监护人的确定有争议的，由被监护人住所地的居民委员会、"
                    "村民委员会或者民政部门指定监护人）、第三十二条",
     "approved_by": LAW_APPROVER, "note": "", "sort": 80},
    {"code": "fire_safety", "name": "开展群众性的消防工作", "part": "duty",
     "legal_basis": "《中华人民共和国消防法》第三十二条（确定消防安全管理人，组织制定防火安全公约，进行防火安全检查）",
     "approved_by": LAW_APPROVER, "note": "", "sort": 90},

    # 协助政府事项: what communities help the government with, each admitted by the leading body.
    {"code": "longevity_allowance", "name": "高龄津贴申请受理初审", "part": "assist",
     "legal_basis": f"《中华人民共和国老年人权益保障法》第三十三条；{ASSIST_CLAUSE}",
     "approved_by": LEADING_BODY, "note": "区民政局提供经费和必要工作条件（费随事转）", "sort": 110},
    {"code": "elder_card", "name": "老年人优待证申请受理", "part": "assist",
     "legal_basis": f"《中华人民共和国老年人权益保障法》第五章“社会优待”；{ASSIST_CLAUSE}",
     "approved_by": LEADING_BODY, "note": "", "sort": 120},
    {"code": "disability_subsidies", "name": "残疾人两项补贴申请受理（代为申请）", "part": "assist",
     "legal_basis": "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）；"
                    f"{ASSIST_CLAUSE}",
     "approved_by": LEADING_BODY, "note": "审核审定由街道、区残联、区民政局负责，社区不作审核结论", "sort": 130},
    {"code": "dibao", "name": "最低生活保障申请受理及入户调查", "part": "assist",
     "legal_basis": "《社会救助暂行办法》第十一条；《最低生活保障审核确认办法》（民发〔2021〕57号）；" + ASSIST_CLAUSE,
     "approved_by": LEADING_BODY, "note": "受街道办事处委托受理；入户调查由街道组织，社区协助", "sort": 140},
    {"code": "temporary_aid", "name": "临时救助申请受理和情况核实", "part": "assist",
     "legal_basis": "《社会救助暂行办法》第四十七条、第四十八条；《国务院关于全面建立临时救助制度的通知》"
                    f"（国发〔2014〕47号）；{ASSIST_CLAUSE}",
     "approved_by": LEADING_BODY, "note": "情况紧急的，先行救助、事后补办", "sort": 150},
    {"code": "residence_proof", "name": "居住证明出具（申领居住证）", "part": "assist",
     "legal_basis": f"《居住证暂行条例》第九条；{CERTIFICATES_RULE}",
     "approved_by": LEADING_BODY, "note": "只对证明事项清单内的“居住证明”；其他证明见负面事项", "sort": 160},
    {"code": "employment_registration", "name": "就业失业登记受理", "part": "assist",
     "legal_basis": "《中华人民共和国就业促进法》；《就业服务与就业管理规定》（就业和失业登记）",
     "approved_by": LEADING_BODY, "note": "依托社区劳动保障服务站，登记由街道公共就业服务平台办理", "sort": 170},
    {"code": "birth_registration", "name": "生育登记服务", "part": "assist",
     "legal_basis": f"《中华人民共和国人口与计划生育法》第十二条；{ASSIST_CLAUSE}",
     "approved_by": LEADING_BODY, "note": "不得要求居民提供婚育状况证明", "sort": 180},
    {"code": "resident_pension", "name": "城乡居民基本养老保险参保登记受理", "part": "assist",
     "legal_basis": "《中华人民共和国社会保险法》第二十条至第二十二条；《国务院关于建立统一的城乡居民基本养老保险"
                    "制度的意见》（国发〔2014〕8号）",
     "approved_by": LEADING_BODY, "note": "", "sort": 190},
    {"code": "public_health", "name": "协助做好公共卫生和传染病防控", "part": "assist",
     "legal_basis": f"{ASSIST_CLAUSE}；《中华人民共和国传染病防治法》",
     "approved_by": LEADING_BODY, "note": "", "sort": 200},
    {"code": "special_care", "name": "协助做好优抚对象和退役军人服务", "part": "assist",
     "legal_basis": f"{ASSIST_CLAUSE}；《中华人民共和国退役军人保障法》",
     "approved_by": LEADING_BODY, "note": "", "sort": 210},

    # 负面/禁入事项: never given to a community, whoever asks.
    {"code": "law_enforcement", "name": "行政执法事项（作为责任主体）", "part": "banned",
     "legal_basis": NO_ENFORCEMENT, "approved_by": LEADING_BODY,
     "note": "社区可以发现、报告（吹哨），执法由职能部门负责", "sort": 310},
    {"code": "demolition", "name": "拆迁拆违（作为责任主体）", "part": "banned",
     "legal_basis": NO_ENFORCEMENT, "approved_by": LEADING_BODY, "note": "", "sort": 320},
    {"code": "environment_rectification", "name": "环境整治（作为责任主体）", "part": "banned",
     "legal_basis": NO_ENFORCEMENT, "approved_by": LEADING_BODY,
     "note": "居民自治发起的环境整治（居民会议决定）属公共事务，不在此列", "sort": 330},
    {"code": "city_management", "name": "城市管理（作为责任主体）", "part": "banned",
     "legal_basis": NO_ENFORCEMENT, "approved_by": LEADING_BODY, "note": "", "sort": 340},
    {"code": "investment_promotion", "name": "招商引资", "part": "banned",
     "legal_basis": NO_ENFORCEMENT, "approved_by": LEADING_BODY, "note": "", "sort": 350},
    {"code": "tax_collection", "name": "税费征缴", "part": "banned",
     "legal_basis": "《中华人民共和国税收征收管理法》第二十九条（除税务机关、税务人员以及经税务机关依照法律、行政法规"
                    "委托的单位和人员外，任何单位和个人不得进行税款征收活动）；社区工作方案：“凡由基层政府及其派出机构"
                    "履行的法定职责，不得要求村(居)民委员会承担”",
     "approved_by": LEADING_BODY, "note": "", "sort": 360},
    {"code": "unlisted_certificates", "name": "出具证明事项清单以外的证明", "part": "banned",
     "legal_basis": f"{CERTIFICATES_RULE}及其《不应由基层群众性自治组织出具证明事项清单（第一批）》",
     "approved_by": CERTIFICATE_APPROVER,
     "note": "如亲属关系证明、无犯罪记录证明、婚姻状况证明、健在证明、居民财产证明等，杜绝“万能章”", "sort": 370},
    {"code": "unlisted_ledgers", "name": "填报台账报表目录清单以外的台账报表", "part": "banned",
     "legal_basis": "《关于进一步提升城乡社区治理水平的若干意见（征求意见稿）》（池州，2020）：“以县(区)为单位建立社区"
                    "台账和材料报表目录清单，推行工作台账电子化”",
     "approved_by": LEADING_BODY, "note": "台账从系统数据生成（电子台账），不再手工重复填报", "sort": 380},
    {"code": "government_statutory_duties", "name": "由基层政府及其派出机构履行的法定职责", "part": "banned",
     "legal_basis": "社区工作方案：“凡由基层政府及其派出机构履行的法定职责，不得要求村(居)民委员会承担”；"
                    "依法需要社区协助的，须列入协助政府事项，并“费随事转”",
     "approved_by": LEADING_BODY, "note": "", "sort": 390},
]

# The certificate list. ``body`` is printed with str.format: {holder}, {address}, {purpose}, {issuer}, {date}.
CERTIFICATE_KINDS: list[dict] = [
    {"code": "residence", "name": "居住证明", "sort": 10, "on_list": True, "valid_days": 90,
     "approved_by": CERTIFICATE_APPROVER,
     "legal_basis": "《居住证暂行条例》第九条（申领居住证须提交居住地住址证明）；本区基层群众性自治组织出具证明事项"
                    f"清单（依{CERTIFICATES_RULE}制定）。仅限借住、寄住等无法提供房屋租赁合同、房屋产权证明文件、"
                    "购房合同或出租人、用人单位、就读学校出具的住宿证明的居民申领居住证时使用。",
     "body": "经本委员会核实，{holder}现居住在{address}，情况属实。\n"
             "本证明仅用于{purpose}，他用无效。"},
    # The designation itself does not lapse; the model requires a validity, so the printed copy is
    # bounded to a year (see the report on valid_days).
    {"code": "guardian_designation", "name": "指定监护人证明", "sort": 20, "on_list": True, "valid_days": 365,
     "approved_by": CERTIFICATE_APPROVER,
     "legal_basis": "《中华人民共和国民法典》第三十一条：对监护人的确定有争议的，由被监护人住所地的居民委员会、"
                    "村民委员会或者民政部门指定监护人；有关当事人对指定不服的，可以向人民法院申请指定监护人。",
     "body": "根据《中华人民共和国民法典》第三十一条，经本委员会审查并尊重被监护人的真实意愿，"
             "指定{holder}（住{address}）担任监护人。\n指定事项：{purpose}。"},
    # Cleared: kept so the register of past issues still names them, and so the page that refuses them
    # can say why. They are never issued (``on_list`` False); ``body`` is the old wording, for the record.
    {"code": "kinship", "name": "亲属关系证明", "sort": 910, "on_list": False, "valid_days": 90,
     "approved_by": CERTIFICATE_APPROVER,
     "legal_basis": f"已取消：{CERTIFICATES_RULE}《不应由基层群众性自治组织出具证明事项清单（第一批）》所列“亲属关系证明”。"
                    "社区不得出具；由办事部门通过户籍、婚姻登记等信息共享核验，或由申请人书面承诺。",
     "body": "兹证明{holder}（住{address}）与________系________关系。\n本证明用于{purpose}。"},
    {"code": "alive", "name": "健在证明（生存状况证明）", "sort": 920, "on_list": False, "valid_days": 90,
     "approved_by": CERTIFICATE_APPROVER,
     "legal_basis": f"已取消：{CERTIFICATES_RULE}《不应由基层群众性自治组织出具证明事项清单（第一批）》所列“健在证明”。"
                    "社区不得出具；养老金领取资格由社会保险经办机构通过数据比对、人脸识别等方式认证，"
                    "境外居住的由驻外使领馆或公证机构证明。",
     "body": "兹证明{holder}（住{address}）至今健在。\n本证明用于{purpose}。"},
    {"code": "hardship", "name": "家庭经济困难证明", "sort": 930, "on_list": False, "valid_days": 90,
     "approved_by": CERTIFICATE_APPROVER,
     "legal_basis": f"已取消：{CERTIFICATES_RULE}《不应由基层群众性自治组织出具证明事项清单（第一批）》所列“居民财产证明”等。"
                    "社区不得出具；社会救助对象的家庭经济状况由民政部门通过居民家庭经济状况核对认定（《社会救助暂行办法》"
                    "第六十条），学生资助等改由申请人书面承诺。",
     "body": "兹证明{holder}（住{address}）家庭经济困难。\n本证明用于{purpose}。"},
]


def _material(name: str, *, held_by: str = "", original: bool = True, copies: int = 0, required: bool = True,
              note: str = "") -> dict:
    return {"name": name, "original": original, "copies": copies, "held_by": held_by, "required": required,
            "note": note}


def _step(name: str, level: str, days: int, department_code: str = "") -> dict:
    return {"name": name, "level": level, "department_code": department_code, "days": days}


# Materials the population registry already holds are shown as "系统已有" and never asked for again.
# Each call returns a fresh dict, so no two items share one.
def _id_card() -> dict:
    return _material("居民身份证", held_by="id_card", note="系统核验身份信息，免于提交复印件")


def _household_book(**fields) -> dict:
    return _material("居民户口簿", held_by="household", **{"note": "系统核验户籍信息，免于提交复印件", **fields})


def _residence(note: str, **fields) -> dict:
    return _material("居住登记信息", held_by="residence", note=note, **fields)


def _bank_card() -> dict:
    return _material("本人社会保障卡或银行卡", original=False, copies=1, note="用于发放资金")


def _proxy() -> dict:
    return _material("代办人身份证及委托书", required=False, note="本人行动不便、由家属或社区工作人员代办的")


def _photo(**fields) -> dict:
    return _material("近期一寸免冠彩色照片", **{"note": "可现场拍摄或上传电子照片", **fields})


# Department codes of steps are accounts.Department codes (the demo's: CG 城管, ZJ 住建, SJ 市场监管,
# YJ 应急, MZ 民政, GA 公安). There is none yet for 残联, 人社 or 卫健: those steps leave it blank.
MZ = "MZ"

SERVICE_ITEMS: list[dict] = [
    {"code": "longevity_allowance", "name": "高龄津贴", "theme": "养老服务", "sort": 10,
     "legal_basis": "《中华人民共和国老年人权益保障法》第三十三条（国家鼓励地方建立八十周岁以上低收入老年人高龄津贴"
                    "制度）；本区高龄津贴发放办法",
     "description": "高龄津贴按月发放至本人社会保障卡或银行卡。本区户籍老人年满80周岁的，所在社区可上门协助申请；"
                    "身份证、户口簿信息由系统核验，无需再交复印件。",
     "admission": "longevity_allowance", "accept_at": "community", "district_wide": False,
     "conditions": [{"rule": "registration", "value": "local"}, {"rule": "min_age", "value": 80}],
     "conditions_text": "具有本区户籍、年满80周岁（含80周岁）的老年人，不审查收入。本区按80～89周岁、90～99周岁、"
                        "100周岁以上三档发放，标准由区民政局按年度公布。",
     "form_fields": [
         {"name": "account_bank", "label": "发放账户开户行", "type": "text", "required": True},
         {"name": "account_number", "label": "社会保障卡或银行卡号", "type": "text", "required": True,
          "sensitive": "account"},
         {"name": "agent", "label": "代办人", "type": "person", "required": False},
     ],
     "time_limit_days": 20, "fee": "不收费", "certificate_kind": None,
     "materials": [_id_card(), _household_book(), _bank_card(), _proxy()],
     "steps": [_step("受理初审", "community", 5), _step("审核", "street", 5), _step("审批", "department", 10, MZ)]},

    {"code": "elder_card", "name": "老年人优待证", "theme": "养老服务", "sort": 20,
     "legal_basis": "《中华人民共和国老年人权益保障法》第五章“社会优待”（对常住在本行政区域内的外埠老年人给予同等优待）",
     "description": "凭优待证享受本区公共交通、公园景区、公共文化场馆等优待。可在区内任一社区办理，办结后到受理社区领取或邮寄。",
     "admission": "elder_card", "accept_at": "community", "district_wide": True,
     "conditions": [{"rule": "min_age", "value": 60}],
     "conditions_text": "年满60周岁（含60周岁）的老年人；本区户籍和常住本区的外埠老年人同等办理。",
     "form_fields": [
         {"name": "photo", "label": "一寸免冠彩色照片", "type": "file", "required": True},
         {"name": "delivery", "label": "领取方式", "type": "choice", "required": True,
          "choices": [["pickup", "到受理社区领取"], ["post", "邮寄到家"]]},
     ],
     "time_limit_days": 5, "fee": "不收费", "certificate_kind": None,
     "materials": [_id_card(), _photo(),
                   _residence("非本区户籍老年人：系统核验在本区的居住登记", required=False)],
     "steps": [_step("受理", "community", 1), _step("审核制证", "department", 3, MZ)]},

    {"code": "disability_subsidies", "name": "残疾人两项补贴（困难残疾人生活补贴和重度残疾人护理补贴）",
     "theme": "助残服务", "sort": 30,
     "legal_basis": "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
     "description": "残疾人本人或其监护人、委托人可在区内任一社区申请，社区代为提交街道；补贴按月发放。"
                    "已登记的残疾类别、等级和低保情况由系统核验，无需再交残疾人证复印件。",
     "admission": "disability_subsidies", "accept_at": "community", "district_wide": True,
     "conditions": [{"rule": "registration", "value": "local"}, {"rule": "group", "value": "disabled"}],
     "conditions_text": "具有本区户籍、持有第二代《中华人民共和国残疾人证》的残疾人：困难残疾人生活补贴发给最低生活保障"
                        "家庭中的残疾人；重度残疾人护理补贴发给残疾等级为一级、二级且需要长期照护的重度残疾人（有条件的地方"
                        "可扩大到非重度智力、精神残疾人或其他残疾人，以区民政局公布的范围为准）。符合条件的可同时享受两项补贴。",
     "form_fields": [
         {"name": "subsidy", "label": "申请补贴", "type": "choice", "required": True,
          "choices": [["living", "困难残疾人生活补贴"], ["care", "重度残疾人护理补贴"], ["both", "两项补贴"]]},
         {"name": "account_number", "label": "社会保障卡或银行卡号", "type": "text", "required": True,
          "sensitive": "account"},
         {"name": "guardian", "label": "监护人或代办人", "type": "person", "required": False},
     ],
     "time_limit_days": 20, "fee": "不收费", "certificate_kind": None,
     "materials": [_id_card(), _household_book(),
                   _material("第二代《中华人民共和国残疾人证》", held_by="group",
                             note="系统核验已登记的残疾类别、等级"),
                   _material("最低生活保障对象登记", held_by="group", required=False,
                             note="申请生活补贴的，系统核验低保登记"),
                   _bank_card(), _proxy()],
     "steps": [_step("受理（代为申请）", "community", 1), _step("初审", "street", 5), _step("审核（区残联）", "department", 7),
               _step("审定", "department", 7, MZ)]},

    {"code": "dibao", "name": "最低生活保障申请（受理初审）", "theme": "社会救助", "sort": 40,
     "legal_basis": "《社会救助暂行办法》第九条至第十三条；《最低生活保障审核确认办法》（民发〔2021〕57号）",
     "description": "以家庭为单位申请，由共同生活的家庭成员中的一人提出。申请须书面申报家庭收入、财产，并签署家庭经济"
                    "状况核对授权书；街道组织入户调查，审核结果公示。",
     "admission": "dibao", "accept_at": "community", "district_wide": False,
     "conditions": [{"rule": "registration", "value": "local"}],
     "conditions_text": "共同生活的家庭成员人均收入低于本区城乡最低生活保障标准，且家庭财产状况符合本区规定的本区户籍"
                        "家庭（《社会救助暂行办法》第九条）。低保标准由区人民政府公布。",
     "form_fields": [
         {"name": "family_size", "label": "共同生活家庭人口", "type": "number", "required": True},
         {"name": "monthly_income", "label": "家庭月总收入（元）", "type": "number", "required": True},
         {"name": "reason", "label": "申请理由", "type": "text", "required": True},
         {"name": "consent_form", "label": "家庭经济状况核对授权书（签字）", "type": "file", "required": True},
     ],
     "time_limit_days": 30, "fee": "不收费", "certificate_kind": None,
     "materials": [_id_card(), _household_book(),
                   _material("家庭收入和财产状况书面申报", note="由申请人如实填写，不需社区或单位出具收入证明"),
                   _material("家庭经济状况核对授权书", note="共同生活家庭成员签字"),
                   _material("重病诊断证明等材料", original=False, copies=1, required=False,
                             note="家庭成员患重病的；残疾情况系统核验，无需提交残疾人证"),
                   _bank_card()],
     "steps": [_step("受理（受街道委托）", "community", 2), _step("入户调查（社区协助）", "street", 10),
               _step("家庭经济状况核对", "department", 5, MZ), _step("审核、公示", "street", 5),
               _step("审核确认", "department", 8, MZ)]},

    {"code": "temporary_aid", "name": "临时救助", "theme": "社会救助", "sort": 50,
     "legal_basis": "《社会救助暂行办法》第四十七条、第四十八条；《国务院关于全面建立临时救助制度的通知》（国发〔2014〕47号）",
     "description": "本区户籍或在本区居住的困难家庭可在区内任一社区申请。情况紧急的，先行救助，事后补办手续。",
     "admission": "temporary_aid", "accept_at": "community", "district_wide": True,
     "conditions": [],
     "conditions_text": "因火灾、交通事故等意外事件，家庭成员突发重大疾病等原因，导致基本生活暂时出现严重困难的家庭；"
                        "因生活必需支出突然增加超出家庭承受能力，导致基本生活暂时出现严重困难的最低生活保障家庭；"
                        "遭遇其他特殊困难的家庭（《社会救助暂行办法》第四十七条）。",
     "form_fields": [
         {"name": "cause", "label": "困难原因", "type": "choice", "required": True,
          "choices": [["accident", "火灾、交通事故等意外事件"], ["illness", "家庭成员突发重大疾病"],
                      ["expense", "生活必需支出突然增加"], ["other", "其他特殊困难"]]},
         {"name": "situation", "label": "困难情况说明", "type": "text", "required": True},
         {"name": "urgent", "label": "是否情况紧急", "type": "choice", "required": True,
          "choices": [["yes", "紧急，需先行救助"], ["no", "不紧急"]]},
         {"name": "evidence", "label": "相关票据或事故材料", "type": "file", "required": False},
     ],
     "time_limit_days": 15, "fee": "不收费", "certificate_kind": None,
     "materials": [_id_card(),
                   _household_book(required=False, note="本区户籍的，系统核验"),
                   _residence("非本区户籍、在本区居住的，系统核验", required=False),
                   _material("医疗费用票据、事故认定书等相关材料", original=False, copies=1, required=False,
                             note="能说明困难原因的材料；没有的，如实书面说明即可"),
                   _bank_card()],
     "steps": [_step("受理", "community", 1), _step("情况核实（入户）", "community", 4), _step("审核", "street", 5),
               _step("审批", "department", 5, MZ)]},

    {"code": "residence_proof", "name": "居住证明（申领居住证）", "theme": "户籍和居住", "sort": 60,
     "legal_basis": "《居住证暂行条例》第九条；本区基层群众性自治组织出具证明事项清单“居住证明”",
     "description": "社区核实居住情况后出具居住证明，证明带编号和二维码，可扫码核验。能提供房屋租赁合同、房屋产权证明"
                    "等材料的，直接向公安派出所申领居住证，无需本证明。",
     "admission": "residence_proof", "accept_at": "community", "district_wide": False,
     "conditions": [{"rule": "registration", "value": "non_local"}],
     "conditions_text": "非本区户籍、在本社区居住，申领居住证时无法提供房屋租赁合同、房屋产权证明文件、购房合同或出租人、"
                        "用人单位、就读学校出具的住宿证明的居民（如借住亲友住房）。",
     "form_fields": [
         {"name": "purpose", "label": "用途", "type": "choice", "required": True,
          "choices": [["residence_permit", "申领居住证"]]},
         {"name": "since", "label": "起始居住日期", "type": "date", "required": True},
         {"name": "host", "label": "房屋所有人（借住的）", "type": "person", "required": False},
     ],
     "time_limit_days": 3, "fee": "不收费", "certificate_kind": "residence",
     "materials": [_id_card(),
                   _residence("系统核验在本社区的居住登记"),
                   _material("房屋所有人同意借住的书面说明", required=False, note="借住亲友住房的，由房屋所有人签字")],
     "steps": [_step("核实居住情况", "community", 2), _step("审签并出具证明", "community", 1)]},

    {"code": "employment_registration", "name": "就业失业登记（《就业创业证》）", "theme": "就业服务", "sort": 70,
     "legal_basis": "《中华人民共和国就业促进法》；《就业服务与就业管理规定》（就业和失业登记）",
     "description": "已就业的办理就业登记，失业的在常住地办理失业登记，登记信息记入《就业创业证》（可用电子证）。"
                    "可在区内任一社区提交，不需社区出具就业状况证明。",
     "admission": "employment_registration", "accept_at": "community", "district_wide": True,
     # The upper bound (the statutory retirement age) differs by gender and is being raised step by step;
     # the rules cannot say so, so only the lower bound is checked.
     "conditions": [{"rule": "min_age", "value": 16}],
     "conditions_text": "年满16周岁、在法定劳动年龄内的劳动者：与用人单位建立劳动关系或从事个体经营、灵活就业的，"
                        "办理就业登记；有劳动能力和就业要求、处于无业状态的，办理失业登记。",
     "form_fields": [
         {"name": "kind", "label": "登记类别", "type": "choice", "required": True,
          "choices": [["employee", "单位就业"], ["self_employed", "个体经营"], ["flexible", "灵活就业"],
                      ["unemployed", "失业登记"]]},
         {"name": "employer", "label": "用人单位或经营场所", "type": "text", "required": False},
         {"name": "since", "label": "就业（失业）日期", "type": "date", "required": True},
     ],
     "time_limit_days": 5, "fee": "不收费", "certificate_kind": None,
     "materials": [_id_card(),
                   _material("劳动合同或营业执照等就业材料", original=False, copies=1, required=False,
                             note="办理就业登记的；失业登记无需提交"),
                   _photo(required=False, note="申领纸质《就业创业证》的")],
     "steps": [_step("受理", "community", 1), _step("审核登记", "street", 4)]},

    {"code": "birth_registration", "name": "生育登记服务", "theme": "卫生健康", "sort": 80,
     "legal_basis": "《中华人民共和国人口与计划生育法》第十二条、第十八条（一对夫妻可以生育三个子女）；"
                    "《中共中央 国务院关于优化生育政策促进人口长期均衡发展的决定》（2021年）",
     "description": "怀孕后至子女出生后均可办理，可在区内任一社区提交。不需社区出具婚育状况证明。",
     "admission": "birth_registration", "accept_at": "community", "district_wide": True,
     "conditions": [],
     "conditions_text": "夫妻生育子女的（一对夫妻可以生育三个子女），夫妻一方户籍或现居住地在本区即可办理。",
     "form_fields": [
         {"name": "spouse", "label": "配偶", "type": "person", "required": True},
         {"name": "child_order", "label": "本次生育", "type": "choice", "required": True,
          "choices": [["1", "一孩"], ["2", "二孩"], ["3", "三孩"]]},
         {"name": "due_date", "label": "预产期或出生日期", "type": "date", "required": True},
     ],
     "time_limit_days": 3, "fee": "不收费", "certificate_kind": None,
     "materials": [_material("夫妻双方居民身份证", held_by="id_card", note="系统核验身份信息，免于提交复印件"),
                   _household_book(required=False),
                   _material("结婚证", required=False, note="已共享婚姻登记信息的免于提交")],
     "steps": [_step("受理", "community", 1), _step("登记", "street", 2)]},

    {"code": "resident_pension", "name": "城乡居民基本养老保险参保登记", "theme": "社会保障", "sort": 90,
     "legal_basis": "《中华人民共和国社会保险法》第二十条至第二十二条；《国务院关于建立统一的城乡居民基本养老保险制度的"
                    "意见》（国发〔2014〕8号）",
     "description": "在户籍地参保，按年缴费，缴费档次自选；年满60周岁、累计缴费满15年的按月领取养老金。",
     "admission": "resident_pension", "accept_at": "community", "district_wide": False,
     "conditions": [{"rule": "registration", "value": "local"}, {"rule": "min_age", "value": 16}],
     "conditions_text": "年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保险制度覆盖范围的"
                        "本区户籍城乡居民。",
     "form_fields": [
         {"name": "contribution", "label": "缴费档次（元/年）", "type": "number", "required": True},
     ],
     "time_limit_days": 5, "fee": "不收费", "certificate_kind": None,
     "materials": [_id_card(), _household_book(),
                   _material("社会保障卡", original=False, copies=0, required=False, note="已申领的，用于缴费和待遇发放")],
     "steps": [_step("受理", "community", 1), _step("审核录入", "street", 2),
               _step("参保登记（区社保经办机构）", "department", 2)]},
]
