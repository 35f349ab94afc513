"""Demo topics, bodies and meetings (民事民提、民事民议) of 幸福社区."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone


# --- Topics, bodies and meetings (民事民提、民事民议) -------------------------------------------------

COMMUNITY_SUFFIX = "001001"  # 幸福社区
GRID_SUFFIX = "00100101"  # its first grid, where the demo resident lives

ELEVATOR = "幸福小区老旧楼栋加装电梯"
CHARGING = "增设电动自行车集中充电桩"
PRIVACY = "公开某户家庭的收入情况"


def build_topics(ctx) -> None:
    """幸福社区's 协商委员会 (all seven kinds, from demo persons and organisations), its first grid's
    议事会, a 四位一体 council for one of its estates, and three topics: one accepted with a held
    meeting (attendance, minutes, the opinion formed) and a discussion, one refused with its reason,
    one waiting for screening. Idempotent: what exists is kept. Rows are written directly (no audit
    entries or notices are made up for the past)."""
    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area

    code = ctx.root.code[:6]
    community = Area.objects.filter(code=f"{code}{COMMUNITY_SUFFIX}").first()
    grid = Area.objects.filter(code=f"{code}{GRID_SUFFIX}").first()
    staff = User.objects.filter(username="community").first()
    resident = User.objects.filter(username="resident").first()
    if community is None or grid is None or staff is None or resident is None:
        return
    with transaction.atomic():
        committee = _committee(community)
        _grid_council(grid)
        _property_council(community)
        _topics(community, committee, staff, resident)
    ctx.write("协商议事：议事机构 %d 个，议题 %d 个 / consultation bodies and topics" % _counts(community))


def _counts(community) -> tuple[int, int]:
    from .models import Body, Topic

    return (Body.objects.filter(area__path__startswith=community.path).count(),
            Topic.objects.filter(area__path__startswith=community.path).count())


def _persons(community, count: int, skip: int = 0):
    from gongzhi.registry.models import Person

    return list(Person.objects.filter(area__path__startswith=community.path, deceased=False, moved_out=False,
                                      birth_date__lte=datetime.date(2000, 1, 1))
                .exclude(account_link__isnull=False).order_by("pk")[skip:skip + count])


def _organisation(community, kind: str):
    from gongzhi.registry.models import Organisation

    return Organisation.objects.filter(area__path__startswith=community.path, kind=kind).order_by("pk").first()


def _seat(body, kinds, community, skip: int) -> None:
    """One member per fixed kind: organisations' contacts for 业委会/物业/驻区单位 when the registry has
    them, registry persons otherwise."""
    from .models import BodyMember

    if body.members.exists():
        return
    persons = iter(_persons(community, len(kinds), skip))
    orgs = {"业主委员会": _organisation(community, "owners_committee"),
            "物业": _organisation(community, "property_company"),
            "驻区单位": _organisation(community, "resident_unit")}
    contacts = iter(["陈经理", "刘主任", "孙会长", "周科长"])
    today = timezone.localdate()
    rows = []
    for kind in kinds:
        org = next((o for word, o in orgs.items() if word in kind.name and o is not None), None)
        if org is not None:
            rows.append(BodyMember(body=body, kind=kind, organisation=org, contact_name=next(contacts),
                                   joined_on=today))
            continue
        person = next(persons, None)
        if person is not None:
            rows.append(BodyMember(body=body, kind=kind, person=person, joined_on=today))
    BodyMember.objects.bulk_create(rows)


def _kinds(body_kind: str):
    from .models import MemberKind

    return list(MemberKind.objects.filter(body_kind=body_kind, active=True).order_by("order", "pk"))


def _committee(community):
    from .models import Body

    body, _created = Body.objects.get_or_create(area=community, name=f"{community.name}协商委员会",
                                                defaults={"kind": "committee"})
    _seat(body, _kinds("committee"), community, skip=0)
    return body


def _grid_council(grid):
    from .models import Body

    body, _created = Body.objects.get_or_create(area=grid, name=f"{grid.name}议事会",
                                                defaults={"kind": "grid_council"})
    _seat(body, _kinds("grid_council"), grid, skip=20)
    return body


def _property_council(community):
    from gongzhi.registry.models import Estate

    from .models import Body, BodyMember

    estate = (Estate.objects.filter(area__path__startswith=community.path, property_company__isnull=False)
              .select_related("property_company", "owners_committee").order_by("pk").first())
    if estate is None:
        return None
    body, created = Body.objects.get_or_create(area=community, name=f"{estate.name}物业四位一体联席会",
                                               defaults={"kind": "property_council", "estate": estate})
    if not created or body.members.exists():
        return body
    kinds = {k.name: k for k in _kinds("property_council")}
    person = _persons(community, 1, skip=40)
    unit = _organisation(community, "resident_unit")
    rows = [BodyMember(body=body, kind=kinds.get("物业服务企业"), organisation=estate.property_company,
                       contact_name="陈经理")]
    if estate.owners_committee is not None:
        rows.append(BodyMember(body=body, kind=kinds.get("业主委员会"), organisation=estate.owners_committee,
                               contact_name="刘主任"))
    if unit is not None:
        rows.append(BodyMember(body=body, kind=kinds.get("驻区单位"), organisation=unit, contact_name="周科长"))
    if person:
        rows.append(BodyMember(body=body, kind=kinds.get("居民委员会"), person=person[0], title="居委会主任"))
    BodyMember.objects.bulk_create([r for r in rows if r.kind is not None])
    return body


def _topics(community, committee, staff, resident) -> None:
    from .models import Attendance, CatalogueItem, Comment, Meeting, Support, Topic

    existing = set(Topic.objects.filter(area=community, title__in=(ELEVATOR, CHARGING, PRIVACY))
                   .values_list("title", flat=True))
    now = timezone.now()
    may = CatalogueItem.objects.filter(kind="may", active=True).order_by("order", "pk")
    may_not = CatalogueItem.objects.filter(kind="may_not", active=True).order_by("order", "pk")
    if ELEVATOR not in existing:
        topic = Topic.objects.create(
            area=community, title=ELEVATOR, proposed_by=resident, status="discussing", form="meeting",
            description="小区 1–6 栋为六层老楼，没有电梯，老人上下楼困难，希望社区组织居民协商加装电梯和费用分摊。",
            catalogue_item=may.first(), screened_by=staff, screened_at=now - datetime.timedelta(days=20),
            body=committee, opinion="同意在 3 栋先行试点加装电梯；费用按楼层系数分摊，一层住户不分摊；"
                                    "由业委会牵头申请既有住宅加装电梯补贴。")
        first = Comment.objects.create(topic=topic, author=resident, text="支持加装，费用可以按楼层分摊。")
        Comment.objects.create(topic=topic, parent=first, author=staff, by_staff=True,
                               text="社区已联系住建部门了解补贴政策，会议上一并说明。")
        Comment.objects.create(topic=topic, author=resident, text="（一条含他人电话的发言）",
                               hidden_at=now - datetime.timedelta(days=15), hidden_by=staff,
                               hidden_reason="含他人个人信息")
        from gongzhi.registry.on_behalf import person_of

        Support.objects.get_or_create(topic=topic, user=resident, defaults={"person": person_of(resident)})
        held = timezone.make_aware(datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=10), datetime.time(9)))
        meeting = Meeting.objects.create(
            area=community, topic=topic, body=committee, title="关于老旧楼栋加装电梯的协商会议", form="meeting",
            scheduled_at=held, place="幸福社区党群服务中心议事厅", status="held",
            notice_sent_at=held - datetime.timedelta(days=5), recorded_by=staff,
            minutes="一、社区介绍加装电梯补贴政策；二、3 栋居民代表发言，多数同意加装；"
                    "三、一层住户担心采光，物业承诺优化井道位置；四、形成意见如下。",
            opinion=topic.opinion)
        members = list(committee.members.filter(active=True, topic__isnull=True))
        Attendance.objects.bulk_create([Attendance(meeting=meeting, member=m, person=m.person,
                                                   present=i < len(members) - 1, signed=i < len(members) - 1)
                                        for i, m in enumerate(members)])
        meeting.expected = len(members)
        meeting.present = max(len(members) - 1, 0)
        meeting.save(update_fields=["expected", "present"])
    if PRIVACY not in existing:
        item = may_not.filter(text__contains="隐私").first() or may_not.first()
        Topic.objects.create(
            area=community, title=PRIVACY, proposed_by=resident, status="refused", catalogue_item=item,
            description="怀疑邻居家收入很高却领补贴，希望社区公开他家的收入情况。",
            screened_by=staff, screened_at=now - datetime.timedelta(days=5),
            screen_reason="涉及个人隐私，不属于协商事项。如认为他人违规享受补贴，可向民政部门实名举报，"
                          "社区将协助核查。")
    if CHARGING not in existing:
        Topic.objects.create(
            area=community, title=CHARGING, proposed_by=resident, status="proposed",
            description="楼道里常有人给电动车充电，存在火灾隐患，建议在小区空地增设集中充电桩。")
