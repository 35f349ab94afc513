"""Synthetic community records for the demo district: estates, houses, households, persons, tags,
organisations, facilities and vehicles.

Deterministic: every grid draws from its own ``random.Random`` seeded with the seed and the grid
code, so the same number of residents builds the same people (ages are relative to the day of the
build). Fast: rows are built as plain model instances with explicit primary keys (so houses,
households and persons can point at each other without updates) and written with
``bulk_create`` in batches; only one grid's households are held in memory at a time, so a
million residents stream through in minutes. Encryption and blind indexes are applied by the
fields themselves during the insert (``get_prep_value`` and ``pre_save``).
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from stdnum.cn import ric, uscc

from gongzhi.areas.models import Area, Level
from gongzhi.demo import geography

from . import fulltext, validators
from .choices import (
    Education,
    Employment,
    Ethnicity,
    FacilityCategory,
    Gender,
    HouseUse,
    ManagementMode,
    MoveKind,
    OrganisationKind,
    PoliticalStatus,
    Registration,
    RelationToHead,
    ResidenceStatus,
    VehicleKind,
)
from .models import (
    Building,
    Estate,
    Facility,
    House,
    Household,
    Organisation,
    Person,
    PersonMove,
    PersonTag,
    SpecialGroup,
    Unit,
    Vehicle,
    name_romanisation,
)

DEFAULT_SEED = 341702
BATCH_SIZE = 2000
RESIDENT_NAME = "王居民"
RESIDENT_PHONE = "13800000008"
RESIDENT_GRID_SUFFIX = "00100101"  # grid 01 of the first community of the first street
RESERVED_PHONES = {f"138000000{n:02d}" for n in range(100)}  # the demo accounts' phones

# --- Names ------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦方付邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_WEIGHTS = [7.1, 7.0, 6.6, 5.4, 4.5, 3.1, 2.1, 2.2, 2.0, 1.9, 1.5, 1.5, 1.3, 1.3, 1.3, 1.2, 1.2, 1.1, 1.1,
                    1.1, 1.0, 1.0, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.6, 0.6, 0.6, 0.6, 0.5, 0.5, 0.5, 0.5,
                    0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]
SURNAME_CUM = list(accumulate(_SURNAME_WEIGHTS + [0.3] * (len(SURNAMES) - len(_SURNAME_WEIGHTS))))
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国峰亮成东文志海晨博轩睿泽宏荣新春德永忠祥福生"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英玲桂兰萍红燕梅琳雪慧婷颖洁佳欣怡悦涵雨彤萱思梦琪晴月瑶倩凤云珍莉琴素"
MODERN_MALE = ["子轩", "浩然", "宇轩", "梓豪", "俊熙", "一诺", "沐宸", "浩宇", "子墨", "铭泽", "睿", "皓轩", "奕辰"]
MODERN_FEMALE = ["梓涵", "欣怡", "雨桐", "一诺", "诗涵", "语桐", "可馨", "若汐", "思琪", "梦瑶", "依诺", "芷若", "悦"]

# --- Places -------------------------------------------------------------------------------------

ROADS = [
    "幸福路", "和平路", "长江路", "黄山路", "秋浦路", "翠微路", "池州大道", "清溪大道", "百牙路", "九华路",
    "建设路", "人民路", "长寿路", "杏花村路", "齐山大道", "平天湖路", "东湖路", "湖滨路", "桂花街", "枫林路",
    "新安路", "明珠路", "春晖路", "长青路", "昭明路", "站前路", "滨江路", "金安街", "永明路", "怡景路",
    "清风路", "文苑路", "利民街", "兴业路", "富康路", "光明街", "民生路", "通远路", "青峰路", "红枫路",
    "天堂湖路", "碧山路", "锦江路", "荷花街", "学府路", "玉带路", "杏林路", "白洋路",
]
ESTATE_PREFIXES = [
    "阳光", "锦绣", "翠竹", "金桂", "华府", "丽景", "碧水", "紫荆", "御景", "东湖", "春江", "明珠", "香樟",
    "银杏", "书香", "滨江", "天元", "万象", "绿洲", "秀水", "和园", "清溪", "九华", "秋浦", "杏花", "平湖",
    "新城", "幸福", "康乐", "盛世", "名都", "时代", "兰亭", "翡翠", "金色", "梧桐", "玉兰", "海棠", "桃源",
    "怡和", "嘉禾", "江南", "凤凰", "龙湖", "南山",
]
ESTATE_SUFFIXES = ["小区", "花园", "苑", "家园", "新村", "公寓", "名邸", "雅居", "华庭"]
PROPERTY_SUFFIXES = ["物业服务有限公司", "物业管理有限公司"]
SHOPS = [
    ("便利店", "便利店"), ("超市", "超市"), ("药房", "大药房"), ("餐馆", "小吃店"), ("理发", "美发店"),
    ("水果", "水果店"), ("早点", "早餐店"), ("五金", "五金店"), ("干洗", "洗衣店"), ("快递", "快递驿站"),
    ("烟酒", "烟酒店"), ("面馆", "牛肉面馆"), ("维修", "家电维修部"), ("花店", "鲜花店"),
]
SOCIAL_ORGANISATIONS = ["志愿者协会", "老年人协会", "文体协会", "邻里互助会", "调解服务中心", "社会工作服务站"]
RESIDENT_UNITS = [
    ("12", "中心小学"), ("12", "第二中学"), ("12", "人民医院分院"), ("11", "派出所"), ("91", "供电营业所"),
    ("91", "自来水公司营业厅"), ("91", "农商银行支行"), ("12", "幼儿园"), ("11", "税务所"), ("91", "燃气公司服务站"),
]
FACILITY_NAMES = {
    FacilityCategory.ELDERLY_CARE: ["{community}日间照料中心", "{community}居家养老服务站", "{estate}老年食堂"],
    FacilityCategory.CHILDCARE: ["{estate}托育园", "{community}儿童之家", "{road}婴幼儿照护中心"],
    FacilityCategory.HEALTH: ["{community}卫生服务站", "{road}社区卫生服务中心", "{estate}健康小屋"],
    FacilityCategory.MARKET: ["{road}农贸市场", "{community}菜市场", "{estate}生鲜超市"],
    FacilityCategory.CULTURE: ["{community}文化活动室", "{estate}书屋", "{community}新时代文明实践站"],
    FacilityCategory.SPORTS: ["{estate}健身广场", "{community}全民健身中心", "{road}篮球场"],
    FacilityCategory.CONVENIENCE: ["{community}便民服务点", "{estate}快递驿站", "{road}便民维修点"],
}

# --- People -------------------------------------------------------------------------------------

LOCAL_REGION = "341702"
# Real region codes of migrants' registration: elsewhere in Anhui first, then nearby provinces.
MIGRANT_REGIONS = ["341721", "341722", "341723", "340102", "340104", "340111", "340802", "341102", "340503",
                   "330106", "410102", "320102", "420102", "360102", "320506", "370102"]
_MIGRANT_CUM = list(accumulate([9, 6, 6, 6, 4, 4, 5, 3, 3, 3, 3, 2, 2, 2, 2, 1]))
MINORITIES = [Ethnicity.HUI, Ethnicity.MANCHU, Ethnicity.ZHUANG, Ethnicity.MIAO, Ethnicity.TUJIA, Ethnicity.MONGOL,
              Ethnicity.YI, Ethnicity.DONG, Ethnicity.YAO, Ethnicity.BAI, Ethnicity.TIBETAN, Ethnicity.KOREAN,
              Ethnicity.SHE, Ethnicity.UYGHUR, Ethnicity.LI]
MOBILE_PREFIXES = ["139", "138", "137", "136", "135", "134", "150", "151", "152", "157", "158", "159", "182",
                   "183", "187", "188", "198", "130", "131", "132", "155", "156", "166", "185", "186", "133",
                   "153", "177", "180", "181", "189", "199", "191", "173", "176", "178", "147", "195"]
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PLATE_ALNUM = PLATE_LETTERS + "0123456789"
WORKPLACES = ["上海", "杭州", "苏州", "南京", "合肥", "宁波", "深圳", "广州", "无锡", "温州"]
DISABILITY_TYPES = ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]
_DISABILITY_TYPE_CUM = list(accumulate([14, 22, 1, 38, 7, 12, 6]))

# Estates' management modes: most entrust a property company; older ones run a 准物业 service, are
# managed jointly or by their owners (池州、铜陵 seeds).
MANAGEMENT_MODES = [ManagementMode.ENTRUSTED, ManagementMode.QUASI, ManagementMode.JOINT, ManagementMode.SELF]
_MANAGEMENT_MODE_CUM = list(accumulate([70, 15, 10, 5]))

# Household compositions and their share of owner-occupied households; renters are younger.
OWNER_TYPES = [("family", 29), ("adult_child", 14), ("three_generation", 10), ("elderly_couple", 15),
               ("elderly_alone", 7), ("couple", 8), ("single", 10), ("left_behind", 3)]
RENTER_TYPES = [("single", 35), ("couple", 25), ("family", 40)]
OCCUPIED_SHARE = 0.83  # the rest of the houses are vacant, commercial or other
RENTED_SHARE_OF_OCCUPIED = 0.15 / OCCUPIED_SHARE


@dataclass
class _Member:
    """One person of a household before it becomes a ``Person``."""

    surname: str
    gender: str
    age: int
    relation: str
    region: str = LOCAL_REGION
    given: str = ""
    lodging: bool = False
    absent: bool = False


@dataclass
class _Household:
    kind: str
    renter: bool
    members: list[_Member] = field(default_factory=list)
    ethnicity: str = Ethnicity.HAN
    subsistence: bool | None = None  # drawn once per household, on its first member


@dataclass
class _Counters:
    """State shared across grids: next primary keys and the allocators of unique identifiers."""

    pks: dict[type, int]
    id_sequences: dict[tuple[str, datetime.date, str], int] = field(default_factory=dict)
    phones: int = 0
    uscc: int = 0
    plates: int = 0
    new_energy_plates: int = 0
    estate_names: list[str] = field(default_factory=list)

    def next_pk(self, model: type) -> int:
        self.pks[model] += 1
        return self.pks[model]


class _Writer:
    """Buffers model instances per model and writes each buffer with ``bulk_create`` when full."""

    ORDER = (Organisation, Estate, Building, Unit, House, Household, Person, PersonTag, PersonMove, Facility,
             Vehicle)

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self.buffers: dict[type, list] = {model: [] for model in self.ORDER}
        self.counts: dict[type, int] = dict.fromkeys(self.ORDER, 0)

    def add(self, obj: models.Model) -> None:
        buffer = self.buffers[type(obj)]
        buffer.append(obj)
        if len(buffer) >= self.batch_size:
            self._write(type(obj))

    def _write(self, model: type) -> None:
        buffer = self.buffers[model]
        if buffer:
            model.objects.bulk_create(buffer, batch_size=self.batch_size)
            self.counts[model] += len(buffer)
            self.buffers[model] = []

    def flush(self) -> None:
        for model in self.ORDER:
            self._write(model)


@lru_cache(maxsize=100_000)
def _romanised(name: str) -> tuple[str, str]:
    return name_romanisation(name)  # memoised whole: the demo repeats names


_OWNER_CUM = list(accumulate(w for _k, w in OWNER_TYPES))
_RENTER_CUM = list(accumulate(w for _k, w in RENTER_TYPES))
# Ages of people over 60: about 15% of them are 80 or older, as in the 2020 census.
_ELDERLY_BANDS = [(60, 69, 55), (70, 79, 30), (80, 89, 13), (90, 99, 2)]
_ELDERLY_CUM = list(accumulate(w for *_band, w in _ELDERLY_BANDS))


def _elderly_age(rng: random.Random, minimum: int = 60) -> int:
    while True:
        low, high, _w = rng.choices(_ELDERLY_BANDS, cum_weights=_ELDERLY_CUM)[0]
        age = rng.randint(low, high)
        if age >= minimum:
            return age


@lru_cache(maxsize=None)
def _region_name(code: str) -> str:
    return validators.region_name(code) or ""


def _surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]


def _given_name(rng: random.Random, gender: str, age: int) -> str:
    if age < 16 and rng.random() < 0.6:
        return rng.choice(MODERN_MALE if gender == Gender.MALE else MODERN_FEMALE)
    chars = MALE_CHARS if gender == Gender.MALE else FEMALE_CHARS
    if rng.random() < (0.45 if age >= 50 else 0.2):
        return rng.choice(chars)
    return rng.choice(chars) + rng.choice(chars)


def _other(gender: str) -> str:
    return Gender.FEMALE if gender == Gender.MALE else Gender.MALE


def _compose(rng: random.Random, renter: bool) -> _Household:
    """A household's members (surnames, genders, ages, relations) by household type."""
    types, cum = (RENTER_TYPES, _RENTER_CUM) if renter else (OWNER_TYPES, _OWNER_CUM)
    kind = rng.choices(types, cum_weights=cum)[0][0]
    household = _Household(kind=kind, renter=renter)
    surname = _surname(rng)
    head_gender = Gender.MALE if rng.random() < 0.75 else Gender.FEMALE
    members = household.members

    def head(age: int) -> _Member:
        member = _Member(surname, head_gender, age, RelationToHead.HEAD)
        members.append(member)
        return member

    def spouse(age: int) -> None:
        members.append(_Member(_surname(rng), _other(head_gender), max(20, age + rng.randint(-4, 3)),
                               RelationToHead.SPOUSE))

    def children(parent_age: int, count: int, low: int, high: int, relation: str = RelationToHead.CHILD) -> None:
        for _ in range(count):
            age = rng.randint(low, max(low, min(high, parent_age - 21)))
            members.append(_Member(surname, rng.choice((Gender.MALE, Gender.FEMALE)), age, relation))

    if kind == "family":
        age = rng.randint(26, 46)
        head(age)
        spouse(age)
        children(age, 1 if rng.random() < 0.55 else 2, 0, 20)
    elif kind == "adult_child":
        age = rng.randint(45, 64)
        head(age)
        spouse(age)
        children(age, 1, 18, 34)
    elif kind == "three_generation":
        age = rng.randint(32, 50)
        head(age)
        spouse(age)
        children(age, 1 if rng.random() < 0.6 else 2, 0, 18)
        parent_age = _elderly_age(rng, minimum=max(60, age + 22))
        father = _Member(surname, Gender.MALE, parent_age, RelationToHead.PARENT)
        mother = _Member(_surname(rng), Gender.FEMALE, max(age + 20, parent_age + rng.randint(-4, 1)),
                         RelationToHead.PARENT)
        parents = [father, mother] if rng.random() < 0.5 else [rng.choice((father, mother))]
        lodging = rng.random() < 0.3
        for parent in parents:
            parent.lodging = lodging
            members.append(parent)
    elif kind == "elderly_couple":
        age = _elderly_age(rng)
        head(age)
        members.append(_Member(_surname(rng), _other(head_gender), max(55, age + rng.randint(-5, 2)),
                               RelationToHead.SPOUSE))
    elif kind == "elderly_alone":
        head_gender = Gender.FEMALE if rng.random() < 0.62 else Gender.MALE
        head(_elderly_age(rng, minimum=62))
    elif kind == "couple":
        age = rng.randint(23, 40)
        head(age)
        spouse(age)
    elif kind == "single":
        head(rng.randint(19, 58))
    else:  # left_behind: grandparents raising grandchildren while the parents work elsewhere
        age = rng.randint(55, 76)
        head(age)
        if rng.random() < 0.7:
            members.append(_Member(_surname(rng), _other(head_gender), max(50, age + rng.randint(-4, 2)),
                                   RelationToHead.SPOUSE))
        children(age, 1 if rng.random() < 0.6 else 2, 3, 15, RelationToHead.GRANDCHILD)
    for member in members:
        member.given = _given_name(rng, member.gender, member.age)
    if rng.random() < 0.02:
        household.ethnicity = rng.choice(MINORITIES)
    # Registration: renters are mostly migrants; some owners are registered elsewhere; parents
    # who came to help with the children keep their registration at home (寄住).
    if renter and rng.random() < 0.8:
        region = rng.choices(MIGRANT_REGIONS, cum_weights=_MIGRANT_CUM)[0]
        for member in members:
            member.region = region
    elif not renter and rng.random() < 0.05:
        region = rng.choices(MIGRANT_REGIONS, cum_weights=_MIGRANT_CUM)[0]
        for member in members:
            member.region = region
    for member in members:
        if member.lodging:
            member.region = rng.choices(MIGRANT_REGIONS, cum_weights=_MIGRANT_CUM)[0]
        elif (member.relation == RelationToHead.CHILD and 18 <= member.age <= 34 and member.region == LOCAL_REGION
              and rng.random() < 0.12):
            member.absent = True  # registered here, studying or working elsewhere: 空挂户
    return household


# --- Identifiers --------------------------------------------------------------------------------


def _birth_date(rng: random.Random, age: int, today: datetime.date) -> datetime.date:
    """A birth date at which the person is exactly ``age`` today."""
    latest = _years_before(today, age)
    earliest = _years_before(today, age + 1) + datetime.timedelta(days=1)
    return earliest + datetime.timedelta(days=rng.randrange((latest - earliest).days + 1))


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _id_number(counters: _Counters, region: str, birth: datetime.date, gender: str) -> str:
    """A unique valid 18-digit number: sequences per (region, date, gender) are handed out in turn."""
    while True:
        key = (region, birth, gender)
        k = counters.id_sequences.get(key, 0)
        if k < 500:
            counters.id_sequences[key] = k + 1
            # A permutation of 0..499 so that consecutive people do not get consecutive numbers.
            sequence = 2 * ((k * 37 + 113) % 500) + (1 if gender == Gender.MALE else 0)
            body = f"{region}{birth:%Y%m%d}{sequence:03d}"
            return body + ric.calc_check_digit(body + "0")
        birth -= datetime.timedelta(days=1)


def _phone(counters: _Counters) -> str:
    """A unique plausible mobile number: (prefix, permuted counter) pairs never repeat."""
    while True:
        k = counters.phones
        counters.phones += 1
        prefix = MOBILE_PREFIXES[k % len(MOBILE_PREFIXES)]
        rest = (k // len(MOBILE_PREFIXES) * 7_654_321 + 23_456_789) % 100_000_000
        number = f"{prefix}{rest:08d}"
        if number not in RESERVED_PHONES:
            return number


def _organisation_code(k: int) -> str:
    """A 9-character organisation code (GB 11714) with its check digit."""
    body = f"{(k * 7_919 + 31_415_926) % 100_000_000:08d}"
    total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2)))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _uscc(counters: _Counters, prefix: str) -> str:
    counters.uscc += 1
    body = f"{prefix}{LOCAL_REGION}{_organisation_code(counters.uscc)}"
    return body + uscc.calc_check_digit(body)


def _plate(counters: _Counters, rng: random.Random) -> str:
    if rng.random() < 0.18:
        k = (counters.new_energy_plates * 7_927 + 101) % 680_000
        counters.new_energy_plates += 1
        return f"皖R{'DF'[k // 340_000]}{PLATE_ALNUM[k // 10_000 % 34]}{k % 10_000:04d}"
    k = (counters.plates * 7_927 + 4_242) % 340_000
    counters.plates += 1
    return f"皖R{PLATE_ALNUM[k // 10_000]}{k % 10_000:04d}"


# --- Attributes by age --------------------------------------------------------------------------


def _education(rng: random.Random, age: int) -> str:
    if age < 6:
        return Education.PRESCHOOL
    if age < 12:
        return Education.PRIMARY
    if age < 15:
        return Education.JUNIOR_HIGH
    if age < 18:
        return Education.HIGH_SCHOOL if rng.random() < 0.6 else Education.VOCATIONAL
    r = rng.random()
    if age < 45:
        table = ((0.04, Education.POSTGRADUATE), (0.25, Education.BACHELOR), (0.45, Education.JUNIOR_COLLEGE),
                 (0.58, Education.VOCATIONAL), (0.75, Education.HIGH_SCHOOL), (0.97, Education.JUNIOR_HIGH),
                 (1.0, Education.PRIMARY))
    elif age < 65:
        table = ((0.01, Education.POSTGRADUATE), (0.08, Education.BACHELOR), (0.18, Education.JUNIOR_COLLEGE),
                 (0.26, Education.VOCATIONAL), (0.45, Education.HIGH_SCHOOL), (0.80, Education.JUNIOR_HIGH),
                 (0.97, Education.PRIMARY), (1.0, Education.NONE))
    else:
        table = ((0.03, Education.BACHELOR), (0.07, Education.JUNIOR_COLLEGE), (0.18, Education.HIGH_SCHOOL),
                 (0.40, Education.JUNIOR_HIGH), (0.80, Education.PRIMARY), (1.0, Education.NONE))
    return next(value for limit, value in table if r <= limit)


def _employment(rng: random.Random, age: int) -> str:
    if age < 6:
        return ""
    if age < 18 or (age < 23 and rng.random() < 0.5):
        return Employment.STUDENT
    r = rng.random()
    if age < 60:
        table = ((0.62, Employment.EMPLOYED), (0.72, Employment.SELF_EMPLOYED), (0.84, Employment.FLEXIBLE),
                 (0.88, Employment.UNEMPLOYED), (0.90, Employment.FARMING), (1.0, Employment.NOT_WORKING))
    else:
        table = ((0.82, Employment.RETIRED), (0.87, Employment.FLEXIBLE), (1.0, Employment.NOT_WORKING))
    return next(value for limit, value in table if r <= limit)


def _political_status(rng: random.Random, age: int) -> str:
    r = rng.random()
    if age < 14:
        return PoliticalStatus.MASSES
    if age <= 28 and r < 0.35:
        return PoliticalStatus.CYL_MEMBER
    if age >= 18:
        if r > 0.92:
            return PoliticalStatus.CPC_MEMBER
        if r > 0.917:
            return PoliticalStatus.CPC_PROBATIONARY
        if r > 0.915:
            return PoliticalStatus.DEMOCRATIC_PARTY
    return PoliticalStatus.MASSES


# --- The build ----------------------------------------------------------------------------------


@dataclass
class _Grid:
    area: Area
    community: Area
    roads: list[str]
    bounds: tuple[float, float, float, float]
    patch: geography.Patch | None = None  # the cell, to place estates, buildings and facilities in
    plan: geography.LocalPlan | None = None  # where its local streets cross


def _grids(district: Area) -> list[_Grid]:
    areas = list(Area.objects.filter(path__startswith=district.path).order_by("path"))
    communities = [a for a in areas if a.level == Level.COMMUNITY]
    roads_of = {c.pk: [ROADS[(i * 4 + j) % len(ROADS)] for j in range(4)] for i, c in enumerate(communities)}
    by_pk = {a.pk: a for a in areas}
    grids = []
    for area in areas:
        if area.level != Level.GRID:
            continue
        ring = area.geometry["coordinates"][0]
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        bounds = (min(lons), min(lats), max(lons), max(lats))
        # The demo's own grids: the roads around them and their cell; others: a rectangle.
        patch = geography.patch_for(area.code, area.geometry)
        roads = geography.road_names_of(area.code) if patch is not None else roads_of[area.parent_id]
        grids.append(_Grid(area, by_pk[area.parent_id], roads, bounds,
                           patch or geography.rect_patch(*bounds), geography.local_plan(area.code)))
    return grids


def build(district: Area, residents: int = 20000, *, seed: int = DEFAULT_SEED, batch_size: int = BATCH_SIZE,
          progress: Callable[[str], None] | None = None) -> dict[str, int] | None:
    """Fill ``district`` with ``residents`` synthetic persons and their places; ``None`` if it has some.

    Returns the number of rows created per kind (``persons``, ``houses``, ``organisations``…).
    """
    code = district.code[:6]
    if Person.objects.filter(district_code=code).exists():
        bind_demo_resident(district)
        return None
    grids = _grids(district)
    if not grids or residents <= 0:
        return {}
    today = datetime.date.today()
    groups = {g.code: g for g in SpecialGroup.objects.filter(active=True)}
    explicit = (Organisation, Estate, Building, Unit, House, Household, Person)
    counters = _Counters(pks={m: m.objects.aggregate(top=Max("pk"))["top"] or 0 for m in explicit})
    first_person_pk = counters.pks[Person]
    name_rng = random.Random(f"{seed}:estates")
    counters.estate_names = [p + s for p in ESTATE_PREFIXES for s in ESTATE_SUFFIXES]
    name_rng.shuffle(counters.estate_names)
    writer = _Writer(batch_size)
    share, extra = divmod(residents, len(grids))
    with transaction.atomic():
        for index, grid in enumerate(grids):
            rng = random.Random(f"{seed}:{grid.area.code}")
            _build_grid(grid, share + (1 if index < extra else 0), rng, counters, writer, groups, today)
            if progress and (index + 1) % 30 == 0:
                progress(f"{index + 1}/{len(grids)} grids, {writer.counts[Person]} persons written")
        writer.flush()
        # The persons written are indexed for "contains" search in one statement (their ids follow
        # the largest present, which after a wipe is below the index's watermark).
        fulltext.flush(above=first_person_pk)
        _reset_sequences(explicit)
        bind_demo_resident(district)
    names = {Organisation: "organisations", Estate: "estates", Building: "buildings", Unit: "units",
             House: "houses", Household: "households", Person: "persons", PersonTag: "tags",
             PersonMove: "moves", Facility: "facilities", Vehicle: "vehicles"}
    return {names[model]: count for model, count in writer.counts.items()}


DEMO_RESIDENT_USERNAME = "resident"
DEMO_COUNTER_STAFF = "community"  # 周书记 of 幸福社区 verifies the demo resident at the counter


def bind_demo_resident(district: Area):
    """Bind the demo ``resident`` account to 王居民 (counter verification by the community staff).

    Idempotent, and a no-op when the demo accounts or the person are missing (tests that build
    records without accounts). Returns the binding or ``None``.
    """
    from gongzhi.accounts.models import User

    from .models import ResidentLink
    from .verification import verify_at_counter

    user = User.objects.filter(username=DEMO_RESIDENT_USERNAME).first()
    staff = User.objects.filter(username=DEMO_COUNTER_STAFF).first()
    grid = f"{district.code[:6]}{RESIDENT_GRID_SUFFIX}"
    person = (Person.objects.with_phone(RESIDENT_PHONE).filter(real_name=RESIDENT_NAME, area__code=grid)
              .select_related("area").first())
    if user is None or staff is None or person is None:
        return None
    existing = ResidentLink.objects.filter(user=user).first()
    if existing is not None:
        return existing
    if ResidentLink.objects.filter(person=person).exists():
        return None
    return verify_at_counter(staff, user, person)


def _reset_sequences(model_list) -> None:
    """Move the id sequences past the explicit keys (PostgreSQL; SQLite follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _area_fields(grid: _Grid) -> dict:
    return {"area_id": grid.area.pk, "district_code": grid.area.code[:6]}


def _build_grid(grid: _Grid, target: int, rng: random.Random, counters: _Counters, writer: _Writer,
                groups: dict[str, SpecialGroup], today: datetime.date) -> None:
    area = _area_fields(grid)
    is_resident_grid = grid.area.code.endswith(RESIDENT_GRID_SUFFIX)
    # 1. Households until the grid's share of residents is reached (the last one trimmed).
    households: list[_Household] = []
    total = 0
    while total < target:
        household = _compose(rng, renter=rng.random() < RENTED_SHARE_OF_OCCUPIED)
        if is_resident_grid and not households:
            household = _resident_household(rng)
        household.members = household.members[:target - total]
        households.append(household)
        total += len(household.members)
    # 2. Estates, buildings, units and rooms enough for the households plus the empty houses.
    houses_needed = max(1, math.ceil(len(households) / OCCUPIED_SHARE))
    rooms = _layout(grid, rng, counters, writer, houses_needed, area)
    occupied = sorted(rng.sample(range(len(rooms)), len(households))) if len(rooms) >= len(households) else []
    rng.shuffle(households)
    owner_heads: list[int] = []
    slot_of = dict(zip(occupied, households))
    for position, room in enumerate(rooms):
        household = slot_of.get(position)
        if household is None:
            _empty_house(room, rng, owner_heads, writer, area)
        else:
            _occupy(room, household, rng, counters, writer, groups, owner_heads, area, today, grid)
    _organisations_and_facilities(grid, rng, counters, writer, area, rooms, target)


def _resident_household(rng: random.Random) -> _Household:
    """The demo resident 王居民's family, so the resident account has a person to verify against."""
    household = _Household(kind="family", renter=False)
    household.members = [
        _Member("王", Gender.MALE, 41, RelationToHead.HEAD, given="居民"),
        _Member("李", Gender.FEMALE, 39, RelationToHead.SPOUSE, given="秀英"),
        _Member("王", Gender.FEMALE, 12, RelationToHead.CHILD, given="梓涵"),
    ]
    return household


@dataclass
class _Room:
    house_pk: int
    address: str
    floor: int
    estate_name: str
    road: str
    building_pk: int
    unit_pk: int
    room: str


SLOT_U, SLOT_V = 76.0, 46.0  # metres a building takes in its estate's rows (with the spacing between)
ROAD_SETBACK = 32.0  # metres from a road's centre line to an estate's fence
ESTATE_INSET = 14.0  # metres from the fence to the first row


class _Site:
    """Where one estate's buildings go: rows of slots in its block, filled west to east, north to
    south, each building a rotated rectangle of its real size."""

    def __init__(self, grid: _Grid, block: tuple[float, float, float, float]):
        self.patch, self.block = grid.patch, block
        self.width_m, self.height_m = grid.patch.size_m()
        u0, v0, u1, v1 = block
        self.cols = max(1, int(((u1 - u0) * self.width_m - 2 * ESTATE_INSET) // SLOT_U))
        self.rows = max(1, int(((v1 - v0) * self.height_m - 2 * ESTATE_INSET) // SLOT_V))
        self.used = 0

    def footprint(self, floors: int, units: int) -> dict | None:
        if self.used >= self.cols * self.rows:
            return None  # the block is full: the building stays without a footprint
        row, col = divmod(self.used, self.cols)
        self.used += 1
        u0, v0, _u1, _v1 = self.block
        u = u0 + (ESTATE_INSET + (col + 0.5) * SLOT_U) / self.width_m
        v = v0 + (ESTATE_INSET + (row + 0.5) * SLOT_V) / self.height_m
        centre, bearing = self.patch.frame(u, v)
        if floors >= 18 and units == 2:
            return geography.rectangle(centre, bearing, 25.0, 25.0)  # a tower (点式高层)
        return geography.rectangle(centre, bearing, 20.0 * units + 4.0, 12.0)  # a slab (板楼)

    def outline(self) -> dict:
        u0, v0, u1, v1 = self.block
        cols = min(max(self.used, 1), self.cols)
        rows = max(1, math.ceil(self.used / self.cols))
        du = max(2 * ESTATE_INSET + cols * SLOT_U, 110.0) / self.width_m
        dv = max(2 * ESTATE_INSET + rows * SLOT_V, 90.0) / self.height_m
        return {"type": "Polygon", "coordinates": [self.patch.ring(u0, v0, min(u0 + du, u1), min(v0 + dv, v1))]}


def estate_sites(grid: _Grid, count: int) -> list[_Site]:
    """The blocks of ``grid`` its ``count`` estates stand in (the others stay parks or fields)."""
    width_m, height_m = grid.patch.size_m()
    blocks = geography.blocks(grid.plan, ROAD_SETBACK / width_m, ROAD_SETBACK / height_m)
    chosen = geography.estate_blocks(grid.area.code, count)
    return [_Site(grid, blocks[b]) for b in chosen]


def _layout(grid: _Grid, rng: random.Random, counters: _Counters, writer: _Writer, houses_needed: int,
            area: dict) -> list[_Room]:
    estates_count = rng.choice((1, 2, 2, 3))
    estates = []
    sites = estate_sites(grid, estates_count)
    estate_rows = []
    for _ in range(estates_count):
        name = counters.estate_names[(counters.pks[Estate]) % len(counters.estate_names)]
        if counters.pks[Estate] >= len(counters.estate_names):
            name += f"{counters.pks[Estate] // len(counters.estate_names) + 1}期"
        road = rng.choice(grid.roads)
        number = rng.randint(1, 399)
        company_pk = counters.next_pk(Organisation)
        writer.add(Organisation(pk=company_pk, kind=OrganisationKind.PROPERTY_COMPANY,
                                name=f"池州市{name[:2]}{rng.choice(PROPERTY_SUFFIXES)}",
                                uscc=_uscc(counters, "91"), contact=_full_name(rng), phone=_landline(rng),
                                address=f"{road}{number}号", **area))
        estate_pk = counters.next_pk(Estate)
        committee_pk = None
        if rng.random() < 0.4:
            committee_pk = counters.next_pk(Organisation)
            writer.add(Organisation(pk=committee_pk, kind=OrganisationKind.OWNERS_COMMITTEE,
                                    name=f"{name}业主委员会", contact=_full_name(rng), phone=_mobile_like(rng),
                                    address=f"{road}{number}号 {name}", **area))
        # How the estate is run, drawn apart from the main generator (which the rest of the demo follows).
        mode = random.Random(f"estate-mode:{estate_pk}").choices(MANAGEMENT_MODES, cum_weights=_MANAGEMENT_MODE_CUM)[0]
        # Written after its buildings, when its outline (around the rows they fill) is known.
        estate_rows.append(Estate(pk=estate_pk, name=name, address=f"{road}{number}号",
                                  property_company_id=None if mode == ManagementMode.SELF else company_pk,
                                  owners_committee_id=committee_pk, management_mode=mode, **area))
        estates.append({"pk": estate_pk, "name": name, "road": road, "number": number, "buildings": 0,
                        "site": sites[len(estates)]})
    rooms: list[_Room] = []
    turn = 0
    while len(rooms) < houses_needed:
        estate = estates[turn % len(estates)]
        turn += 1
        estate["buildings"] += 1
        floors = rng.choice((6, 6, 7, 11, 18, 18))
        units = 2 if floors < 11 else rng.choice((2, 3))
        # The last building of a grid is sized to what is still needed, so few houses stand empty.
        remaining = houses_needed - len(rooms)
        if remaining < units * 2 * 3:
            units = 1
        floors = min(floors, math.ceil(remaining / (units * 2)))
        building_pk = counters.next_pk(Building)
        building_name = f"{estate['buildings']}栋"
        prefix = f"{estate['road']}{estate['number']}号 {estate['name']} {building_name}"
        footprint = estate["site"].footprint(floors, units)
        centre = _centre(footprint)
        writer.add(Building(pk=building_pk, estate_id=estate["pk"], name=building_name, floors=floors,
                            address=prefix, footprint=footprint, centroid_lon=centre[0], centroid_lat=centre[1],
                            **area))
        for u in range(1, units + 1):
            unit_pk = counters.next_pk(Unit)
            writer.add(Unit(pk=unit_pk, building_id=building_pk, name=f"{u}单元", **area))
            for floor in range(1, floors + 1):
                for door in (1, 2):
                    room = f"{floor}{door:02d}"
                    rooms.append(_Room(counters.next_pk(House), f"{prefix}{u}单元{room}室", floor, estate["name"],
                                       estate["road"], building_pk, unit_pk, room))
    for estate, row in zip(estates, estate_rows):
        row.outline = estate["site"].outline()
        row.centroid_lon, row.centroid_lat = _centre(row.outline)
        writer.add(row)
    return rooms


def _centre(geometry: dict | None) -> tuple[float | None, float | None]:
    """The mean of a polygon's corners (its centroid for the rectangles and quadrilaterals built here)."""
    if not geometry:
        return None, None
    ring = geometry["coordinates"][0][:-1]
    return round(sum(p[0] for p in ring) / len(ring), 6), round(sum(p[1] for p in ring) / len(ring), 6)


def _full_name(rng: random.Random) -> str:
    gender = rng.choice((Gender.MALE, Gender.FEMALE))
    return _surname(rng) + _given_name(rng, gender, 40)


def _landline(rng: random.Random) -> str:
    return f"0566-{rng.randint(2, 8)}{rng.randint(0, 999_999):06d}"


def _mobile_like(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"


def _floor_area(rng: random.Random) -> Decimal:
    return Decimal(f"{rng.triangular(45, 160, 92):.2f}")


def _house(room: _Room, use: str, rng: random.Random, area: dict, **fields) -> House:
    return House(pk=room.house_pk, building_id=room.building_pk, unit_id=room.unit_pk, room=room.room,
                 address=room.address, floor_area=_floor_area(rng), use=use, **area, **fields)


def _empty_house(room: _Room, rng: random.Random, owner_heads: list[int], writer: _Writer, area: dict) -> None:
    r = rng.random()
    if room.floor == 1 and r < 0.35:
        use = HouseUse.COMMERCIAL  # shops on the ground floor
    else:
        use = HouseUse.VACANT if r < 0.85 else HouseUse.COMMERCIAL if r < 0.93 else HouseUse.OTHER
    owner = rng.choice(owner_heads) if owner_heads and rng.random() < 0.5 else None
    writer.add(_house(room, use, rng, area, owner_id=owner))


def _occupy(room: _Room, household: _Household, rng: random.Random, counters: _Counters, writer: _Writer,
            groups: dict[str, SpecialGroup], owner_heads: list[int], area: dict, today: datetime.date,
            grid: _Grid) -> None:
    household_pk = counters.next_pk(Household)
    person_pks = [counters.next_pk(Person) for _ in household.members]
    head_pk = person_pks[0]
    if household.renter:
        lease_start = today - datetime.timedelta(days=rng.randint(20, 700))
        # Current leases: renewed yearly, so the end lies after today.
        years = (today - lease_start).days // 365 + rng.choice((1, 1, 2))
        lease_end = lease_start + datetime.timedelta(days=365 * years)
        check = today - datetime.timedelta(days=rng.randint(0, 40))
        owner = rng.choice(owner_heads) if owner_heads and rng.random() < 0.7 else None
        writer.add(_house(room, HouseUse.RENTED, rng, area, owner_id=owner, tenant_id=head_pk,
                          lease_start=lease_start, lease_end=lease_end, last_rental_check=check))
        moved_in = lease_start
    else:
        writer.add(_house(room, HouseUse.OWNER_OCCUPIED, rng, area, owner_id=head_pk))
        owner_heads.append(head_pk)
        moved_in = today - datetime.timedelta(days=rng.randint(200, 7000))
    writer.add(Household(pk=household_pk, number=f"{grid.area.code[6:]}{household_pk:07d}", head_id=head_pk,
                         house_id=room.house_pk, **area))
    head = household.members[0]
    for pk, member in zip(person_pks, household.members):
        birth = _birth_date(rng, member.age, today)
        id_number = _id_number(counters, member.region, birth, member.gender)
        if member.surname + member.given == RESIDENT_NAME:
            phone = RESIDENT_PHONE
        elif member.age >= 16 and rng.random() < (0.7 if member.age >= 75 else 0.96):
            phone = _phone(counters)
        else:
            phone = ""
        name = member.surname + member.given
        pinyin, initials = _romanised(name)
        local = member.region == LOCAL_REGION and not member.lodging
        if member.absent:
            residence = ResidenceStatus.REGISTERED_ABSENT
        elif member.lodging:
            residence = ResidenceStatus.LODGING
        elif local or not household.renter:
            residence = ResidenceStatus.PERMANENT
        else:
            residence = ResidenceStatus.FLOATING
        employment = _employment(rng, member.age)
        writer.add(Person(
            pk=pk, real_name=name, name_pinyin=pinyin, name_initials=initials, gender=member.gender,
            birth_date=birth, id_number=id_number, id_last4=id_number[-4:], phone=phone, phone_last4=phone[-4:],
            ethnicity=household.ethnicity, registration=Registration.LOCAL if local else Registration.NON_LOCAL,
            residence_status=residence, political_status=_political_status(rng, member.age),
            education=_education(rng, member.age), employment=employment, house_id=room.house_pk,
            household_id=household_pk, relation_to_head=member.relation, **area,
        ))
        if not local and residence != ResidenceStatus.PERMANENT:
            writer.add(PersonMove(person_id=pk, kind=MoveKind.MOVE_IN, date=_after_birth(birth, moved_in),
                                  place=_region_name(member.region)))
        age = member.age
        for group_code, attributes, since in _tags(rng, household, member, head, employment, today, birth):
            group = groups.get(group_code)
            if group is None:
                continue
            try:
                cleaned = group.clean_attributes(attributes)
            except ValidationError:
                continue  # an administrator changed the group's schema: leave the tag out
            writer.add(PersonTag(person_id=pk, group_id=group.pk, attributes=cleaned, since=since))
        if member is head and age >= 22 and rng.random() < (0.16 if household.renter else 0.32):
            kind = VehicleKind.SMALL if rng.random() < 0.92 else VehicleKind.MOTORCYCLE
            writer.add(Vehicle(plate=_plate(counters, rng), kind=kind, owner_id=pk, **area))


def _after_birth(birth: datetime.date, day: datetime.date) -> datetime.date:
    """``day``, but never within a month of the birth: a record dated on (or just after) the birth
    date would show a masked viewer the birth date, and with it the ID number's hidden digits."""
    earliest = birth + datetime.timedelta(days=31)
    return day if earliest > datetime.date.today() else max(earliest, day)  # a newborn: as drawn


def _tags(rng: random.Random, household: _Household, member: _Member, head: _Member, employment: str,
          today: datetime.date, birth: datetime.date):
    """``(group code, attributes, since)`` of the special groups a member belongs to."""
    age = member.age
    disabled = False
    if age >= 80:
        yield "oldest_old", {"longevity_allowance": rng.random() < 0.95}, _years_before(birth, -80)
    if household.kind == "elderly_alone" and age >= 60:
        yield "living_alone_elderly", {
            "emergency_contact": f"{member.surname}{_given_name(rng, Gender.FEMALE, 45)}（子女）",
            "visit_frequency": rng.choice(("每日", "每周", "每周", "每月")),
        }, today - datetime.timedelta(days=rng.randint(30, 2000))
    if rng.random() < (0.12 if age >= 60 else 0.045):
        disabled = True
        yield "disabled", {
            "disability_type": rng.choices(DISABILITY_TYPES, cum_weights=_DISABILITY_TYPE_CUM)[0],
            "grade": rng.choices(("一级", "二级", "三级", "四级"), cum_weights=(10, 30, 60, 100))[0],
        }, _after_birth(birth, today - datetime.timedelta(days=rng.randint(100, 9000)))
    if _subsistence(household, rng):
        special = household.kind == "elderly_alone" and rng.random() < 0.4
        yield "subsistence", {"category": "特困" if special else "低保",
                              "monthly_amount": rng.randint(680, 820) if not special else rng.randint(900, 1100)}, \
            _after_birth(birth, today - datetime.timedelta(days=rng.randint(30, 1500)))
    if household.kind == "left_behind" and member.relation == RelationToHead.GRANDCHILD and age < 16:
        # 国发〔2016〕13号: both parents work away, or one does and the other cannot look after the child.
        extra = _extra_rng(member, birth)
        yield "left_behind_child", {
            "left_behind_type": "父母双方外出务工" if extra.random() < 0.85 else "一方外出务工、另一方无监护能力",
            "guardian": head.surname + head.given,
            "guardian_relation": ("祖父" if head.gender == Gender.MALE else "祖母")
            if head.surname == member.surname else ("外祖父" if head.gender == Gender.MALE else "外祖母"),
            "parents_workplace": rng.choice(WORKPLACES),
        }, today - datetime.timedelta(days=rng.randint(30, 1000))
    if household.kind == "left_behind" and member.relation in (RelationToHead.HEAD, RelationToHead.SPOUSE) \
            and age >= 60:
        extra = _extra_rng(member, birth)
        yield "left_behind_elderly", {
            "living_arrangement": "与孙辈同住", "children_workplace": extra.choice(WORKPLACES),
            "visit_frequency": extra.choice(("每周", "每周", "每月")),
        }, today - datetime.timedelta(days=extra.randint(60, 2000))
    if age < 18 and (household.subsistence or disabled):
        # 国发〔2016〕36号: children in difficulty through poverty, disability or a lack of care.
        extra = _extra_rng(member, birth)
        kind = "多种困境" if household.subsistence and disabled else "家庭贫困" if household.subsistence else "自身残疾"
        yield "children_in_difficulty", {"difficulty_type": kind, "guardian": head.surname + head.given}, \
            _after_birth(birth, today - datetime.timedelta(days=extra.randint(30, 1500)))
    if member.relation == RelationToHead.SPOUSE and member.gender == Gender.FEMALE and 20 <= age < 60 \
            and household.kind in ("family", "three_generation") and head.gender == Gender.MALE:
        extra = _extra_rng(member, birth)
        if extra.random() < 0.03:  # the husband works away; she stays with the children
            yield "left_behind_women", {
                "husband_workplace": extra.choice(WORKPLACES),
                "children_in_care": sum(m.relation == RelationToHead.CHILD and m.age < 18 for m in household.members),
                "caring_for_elderly": household.kind == "three_generation",
            }, today - datetime.timedelta(days=extra.randint(100, min(3000, (age - 18) * 365)))
    if member.gender == Gender.MALE and 24 <= age <= 80 and rng.random() < 0.04:
        discharge = _years_before(birth, -rng.randint(20, min(age, 24)))
        yield "veteran", {"discharge_date": discharge.isoformat(), "entitled_group": rng.random() < 0.1}, discharge
    if age >= 18 and rng.random() < 0.001:
        yield "correction_released", {
            "category": rng.choice(("社区矫正对象", "刑满释放人员")),
            "period_end": (today + datetime.timedelta(days=rng.randint(-900, 600))).isoformat(),
        }, today - datetime.timedelta(days=rng.randint(30, 900))
    if age >= 16 and rng.random() < 0.004:
        risk = rng.choices(("0级", "1级", "2级", "3级"), cum_weights=(50, 80, 95, 100))[0]
        guardian = head.surname + head.given if member is not head else ""
        yield "mental_disorder", {"risk_level": risk, "guardian": guardian}, \
            today - datetime.timedelta(days=rng.randint(100, 3000))
    if employment == Employment.UNEMPLOYED:
        yield "unemployed", {"registered": rng.random() < 0.7}, today - datetime.timedelta(days=rng.randint(10, 600))


def _extra_rng(member: _Member, birth: datetime.date) -> random.Random:
    """A generator for the details of the groups added in issue 12, seeded by the member alone: drawing
    from the main one would change every person generated after the first such tag."""
    return random.Random(f"{member.surname}{member.given}:{birth.isoformat()}:{member.relation}")


def _subsistence(household: _Household, rng: random.Random) -> bool:
    """Whether a household receives subsistence (decided once, on its first member)."""
    if household.subsistence is None:
        household.subsistence = rng.random() < (0.09 if household.kind == "elderly_alone" else 0.018)
    return household.subsistence


def _organisations_and_facilities(grid: _Grid, rng: random.Random, counters: _Counters, writer: _Writer,
                                  area: dict, rooms: list[_Room], persons: int) -> None:
    community = grid.community.name

    def point() -> tuple[float, float]:
        # On the frontage of the grid's north–south local street, between the road and the estates.
        side, along = rng.uniform(-1, 1), rng.uniform(0.08, 0.92)
        u = grid.plan.u + math.copysign(18.0 / grid.patch.size_m()[0], side)
        lon, lat = grid.patch.at(u, along)
        return round(lon, 6), round(lat, 6)

    def address() -> str:
        return f"{rng.choice(grid.roads)}{rng.randint(1, 399)}号"

    for _ in range(2 + persons // 500 + rng.randint(0, 2)):
        _label, kind = rng.choice(SHOPS)
        owner = _full_name(rng)
        writer.add(Organisation(pk=counters.next_pk(Organisation), kind=OrganisationKind.MERCHANT,
                                name=f"{owner[:1]}记{kind}" if rng.random() < 0.5 else f"{community[:2]}{kind}",
                                uscc=_uscc(counters, "92"), contact=owner, phone=_mobile_like(rng),
                                address=address(), **area))
    if grid.area.code.endswith("01"):  # the first grid of each community hosts its social organisations
        for org in rng.sample(SOCIAL_ORGANISATIONS, 2):
            writer.add(Organisation(pk=counters.next_pk(Organisation), kind=OrganisationKind.SOCIAL_ORGANISATION,
                                    name=f"{community}{org}", uscc=_uscc(counters, "52"), contact=_full_name(rng),
                                    phone=_landline(rng), address=address(), **area))
    if rng.random() < 0.4:
        prefix, unit = rng.choice(RESIDENT_UNITS)
        writer.add(Organisation(pk=counters.next_pk(Organisation), kind=OrganisationKind.RESIDENT_UNIT,
                                name=f"{community[:2]}{unit}", uscc=_uscc(counters, prefix),
                                contact=_full_name(rng), phone=_landline(rng), address=address(), **area))
    categories = [FacilityCategory.CONVENIENCE] + [c for c in FacilityCategory.values
                                                   if c != FacilityCategory.CONVENIENCE and rng.random() < 0.4]
    for category in categories:
        lon, lat = point()
        road = rng.choice(grid.roads)
        estate = rng.choice(rooms).estate_name if rooms else community
        name = rng.choice(FACILITY_NAMES[category]).format(community=community, estate=estate, road=road)
        writer.add(Facility(category=category, name=name, address=f"{road}{rng.randint(1, 399)}号", lon=lon, lat=lat,
                            **area))
