"""Fixed code lists of the community records, following the national standards where one exists.

These are classifications defined by standards (GB 3304 ethnic groups, GB/T 4762 political
status, GB/T 4658 education, GB/T 4761 family relations), not local configuration: local lists
such as the special groups are data (``SpecialGroup``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Ethnicity(models.TextChoices):
    """The 56 ethnic groups, stored as their GB 3304 two-digit codes."""

    HAN = "01", _("汉族")
    MONGOL = "02", _("蒙古族")
    HUI = "03", _("回族")
    TIBETAN = "04", _("藏族")
    UYGHUR = "05", _("维吾尔族")
    MIAO = "06", _("苗族")
    YI = "07", _("彝族")
    ZHUANG = "08", _("壮族")
    BOUYEI = "09", _("布依族")
    KOREAN = "10", _("朝鲜族")
    MANCHU = "11", _("满族")
    DONG = "12", _("侗族")
    YAO = "13", _("瑶族")
    BAI = "14", _("白族")
    TUJIA = "15", _("土家族")
    HANI = "16", _("哈尼族")
    KAZAKH = "17", _("哈萨克族")
    DAI = "18", _("傣族")
    LI = "19", _("黎族")
    LISU = "20", _("傈僳族")
    VA = "21", _("佤族")
    SHE = "22", _("畲族")
    GAOSHAN = "23", _("高山族")
    LAHU = "24", _("拉祜族")
    SHUI = "25", _("水族")
    DONGXIANG = "26", _("东乡族")
    NAXI = "27", _("纳西族")
    JINGPO = "28", _("景颇族")
    KYRGYZ = "29", _("柯尔克孜族")
    TU = "30", _("土族")
    DAUR = "31", _("达斡尔族")
    MULAO = "32", _("仫佬族")
    QIANG = "33", _("羌族")
    BLANG = "34", _("布朗族")
    SALAR = "35", _("撒拉族")
    MAONAN = "36", _("毛南族")
    GELAO = "37", _("仡佬族")
    XIBE = "38", _("锡伯族")
    ACHANG = "39", _("阿昌族")
    PUMI = "40", _("普米族")
    TAJIK = "41", _("塔吉克族")
    NU = "42", _("怒族")
    UZBEK = "43", _("乌孜别克族")
    RUSSIAN = "44", _("俄罗斯族")
    EWENKI = "45", _("鄂温克族")
    DEANG = "46", _("德昂族")
    BONAN = "47", _("保安族")
    YUGUR = "48", _("裕固族")
    GIN = "49", _("京族")
    TATAR = "50", _("塔塔尔族")
    DERUNG = "51", _("独龙族")
    OROQEN = "52", _("鄂伦春族")
    HEZHEN = "53", _("赫哲族")
    MONBA = "54", _("门巴族")
    LHOBA = "55", _("珞巴族")
    JINO = "56", _("基诺族")


class Registration(models.TextChoices):
    """Whether the person's household registration (户口) is in this area."""

    LOCAL = "local", _("户籍")
    NON_LOCAL = "non_local", _("非户籍")


class ResidenceStatus(models.TextChoices):
    PERMANENT = "permanent", _("常住")
    FLOATING = "floating", _("流动")
    LODGING = "lodging", _("寄住")
    REGISTERED_ABSENT = "registered_absent", _("空挂户")


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "cpc_member", _("中共党员")
    CPC_PROBATIONARY = "cpc_probationary", _("中共预备党员")
    CYL_MEMBER = "cyl_member", _("共青团员")
    DEMOCRATIC_PARTY = "democratic_party", _("民主党派成员")
    NON_PARTISAN = "non_partisan", _("无党派人士")
    MASSES = "masses", _("群众")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("大学本科")
    JUNIOR_COLLEGE = "junior_college", _("大学专科")
    VOCATIONAL = "vocational", _("中等职业教育")
    HIGH_SCHOOL = "high_school", _("普通高中")
    JUNIOR_HIGH = "junior_high", _("初中")
    PRIMARY = "primary", _("小学")
    NONE = "none", _("未上过学")
    PRESCHOOL = "preschool", _("学龄前")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("在职")
    SELF_EMPLOYED = "self_employed", _("个体经营")
    FLEXIBLE = "flexible", _("灵活就业")
    FARMING = "farming", _("务农")
    UNEMPLOYED = "unemployed", _("失业")
    RETIRED = "retired", _("离退休")
    STUDENT = "student", _("在校学生")
    NOT_WORKING = "not_working", _("无业")
    OTHER = "other", _("其他")


class RelationToHead(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("（外）祖父母")
    GRANDCHILD = "grandchild", _("（外）孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳、女婿")
    OTHER_RELATIVE = "other_relative", _("其他亲属")
    NON_RELATIVE = "non_relative", _("非亲属")


class MoveKind(models.TextChoices):
    MOVE_IN = "move_in", _("迁入")
    MOVE_OUT = "move_out", _("迁出")
    BIRTH = "birth", _("出生")
    DEATH = "death", _("死亡")


class EstateKind(models.TextChoices):
    ESTATE = "estate", _("小区")
    COMPOUND = "compound", _("院落")


class ManagementMode(models.TextChoices):
    """How an estate is managed (物业管理方式). Old estates without a property company choose 自管, 托管
    or 共管 (池州 seed: "指导居民自主选择自管、托管、共管等物业管理服务方式"); 准物业 is the basic
    service a community organises for them (保洁、保安、保绿、设施维护: 铜陵, 合肥 seeds)."""

    SELF = "self", _("自管")
    ENTRUSTED = "entrusted", _("托管")
    JOINT = "joint", _("共管")
    QUASI = "quasi", _("准物业")


MANAGEMENT_MODE_HELP = {
    ManagementMode.SELF: _("业主或居民自行管理"),
    ManagementMode.ENTRUSTED: _("委托物业服务企业或其他管理人管理"),
    ManagementMode.JOINT: _("社区、业委会和物业服务企业等共同管理"),
    ManagementMode.QUASI: _("社区组织提供保洁、保安、绿化、设施维护等基本物业服务"),
}


class HouseUse(models.TextChoices):
    OWNER_OCCUPIED = "owner_occupied", _("自住")
    RENTED = "rented", _("出租")
    VACANT = "vacant", _("空置")
    COMMERCIAL = "commercial", _("商用")
    OTHER = "other", _("其他")


class OrganisationKind(models.TextChoices):
    RESIDENT_UNIT = "resident_unit", _("驻区单位")
    MERCHANT = "merchant", _("商户")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")
    PROPERTY_COMPANY = "property_company", _("物业公司")
    OWNERS_COMMITTEE = "owners_committee", _("业委会")


class VehicleKind(models.TextChoices):
    SMALL = "small", _("小型汽车")
    LARGE = "large", _("大型汽车")
    MOTORCYCLE = "motorcycle", _("摩托车")
    OTHER = "other", _("其他")


class FacilityCategory(models.TextChoices):
    ELDERLY_CARE = "elderly_care", _("养老")
    CHILDCARE = "childcare", _("托育")
    HEALTH = "health", _("卫生服务")
    MARKET = "market", _("菜场")
    CULTURE = "culture", _("文化")
    SPORTS = "sports", _("体育")
    CONVENIENCE = "convenience", _("便民")


class AttributeType(models.TextChoices):
    """Value types a special group's attribute may have (see ``SpecialGroup.attribute_schema``)."""

    TEXT = "text", _("文本")
    INTEGER = "integer", _("整数")
    DATE = "date", _("日期")
    BOOLEAN = "boolean", _("是/否")
    CHOICE = "choice", _("选项")
