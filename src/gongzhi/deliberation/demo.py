"""Demo consultation data: an open household vote of 幸福社区 the demo ``resident`` (王居民, head of
his household) can take part in, and a closed owners' vote of his estate with its ledger and result.

Idempotent: a vote already there (same title and area) is not made again.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.registry.models import House, Person

from . import votes
from .models import Electorate, Rule, Vote

COMMUNITY_SUFFIX = "001001"  # 幸福社区
OPEN_VOTE = "幸福社区老旧小区改造：加装电梯与雨污分流"
CLOSED_VOTE = "小区公共收益用于更换监控设备"
STAFF = "community"
RESIDENT_NAME = "王居民"


def build(ctx) -> None:
    community = Area.objects.filter(code=f"{ctx.root.code[:6]}{COMMUNITY_SUFFIX}").first()
    staff = User.objects.filter(username=STAFF).first()
    if community is None or staff is None:
        return
    from .demo_follow import build_follow_up, build_villages
    from .demo_topics import build_topics

    build_topics(ctx)
    _village_bodies(ctx)
    _open_household_vote(ctx, community, staff)
    _closed_owners_vote(ctx, community, staff)
    build_follow_up(ctx)
    build_villages(ctx)


VILLAGE_SUFFIX = "101201"  # 青山村
VILLAGE_BODIES = (("representatives", "青山村村民代表会议", 15), ("two_committees", "青山村两委", 7))


def _village_bodies(ctx) -> None:
    """青山村's 村民代表会议 and 两委, from adults of the village, so a representatives' vote and the
    两委 step of 四议两公开 have their members (kept when they exist)."""
    from .models import Body, BodyMember, BodyKind

    village = Area.objects.filter(code=f"{ctx.root.code[:6]}{VILLAGE_SUFFIX}").first()
    if village is None:
        return
    adults = list(Person.objects.current().filter(area__path__startswith=village.path,
                                                  birth_date__lte=votes.adult_cutoff(timezone.localdate()))
                  .order_by("pk").values_list("pk", flat=True)[:40])
    if not adults:
        return
    offset = 0
    for kind, name, size in VILLAGE_BODIES:
        body, created = Body.objects.get_or_create(area=village, name=name, defaults={"kind": BodyKind(kind)})
        if created:
            BodyMember.objects.bulk_create([BodyMember(body=body, person_id=pk, title="村民代表" if kind == "representatives"
                                                       else "两委委员") for pk in adults[offset:offset + size]])
            ctx.write(f"议事机构：{name}（{len(adults[offset:offset + size])} 人）")
        offset += size


def _exists(title: str, area) -> bool:
    return Vote.objects.filter(title=title, area__path__startswith=area.path).exists()


def _open_household_vote(ctx, community, staff) -> None:
    if _exists(OPEN_VOTE, community):
        return
    now = timezone.now()
    draft = votes.VoteDraft(
        title=OPEN_VOTE, area=community, electorate=Electorate.HOUSEHOLDS, rule=Rule.HOUSEHOLDS_60,
        options=list(votes.YES_NO_ABSTAIN), opens=now - datetime.timedelta(days=2),
        closes=now + datetime.timedelta(days=12), secret=True,
        description="拟对社区内老旧住宅加装电梯并实施雨污分流改造。按老旧小区改造规定，须经范围内全体住户百分之六十以上同意方可实施。"
                    "每户一票，由户主或户代表投票。")
    vote = votes.create_vote(actor=staff, draft=draft)
    ctx.write(f"表决：{vote.title}（{vote.roll_count} 户）")


def _closed_owners_vote(ctx, community, staff) -> None:
    resident = Person.objects.filter(real_name=RESIDENT_NAME, area__path__startswith=community.path,
                                     house__building__isnull=False).select_related("house__building__estate").first()
    if resident is None or _exists(CLOSED_VOTE, community):
        return
    estate = resident.house.building.estate
    if not House.objects.filter(building__estate=estate, owner__isnull=False, floor_area__gt=0).exists():
        return
    now = timezone.now()
    draft = votes.VoteDraft(
        title=CLOSED_VOTE, area=estate.area, estate=estate, electorate=Electorate.OWNERS, rule=Rule.OWNERS_ORDINARY,
        options=list(votes.YES_NO_ABSTAIN), opens=now - datetime.timedelta(days=20),
        closes=now + datetime.timedelta(hours=1), secret=True,
        description=f"{estate.name}业主大会：公共收益用于更换小区监控设备（一般事项，民法典第二百七十八条）。")
    vote = votes.create_vote(actor=staff, draft=draft)
    rng = random.Random(13)
    electors = list(vote.electors.exclude(person__real_name=RESIDENT_NAME).order_by("pk"))
    taking_part = electors[: max(1, round(len(electors) * 0.78))]
    for elector in taking_part:
        choice = rng.choices(votes.YES_NO_ABSTAIN, weights=(70, 22, 8))[0]
        votes.enter_paper_ballot(actor=staff, vote_id=vote.pk, elector_id=elector.pk, choice=choice)
    Vote.objects.filter(pk=vote.pk).update(closes=now - datetime.timedelta(days=1))
    vote.refresh_from_db()
    result = votes.final_result(vote)
    ctx.write(f"表决：{vote.title}（{len(taking_part)}/{vote.roll_count} 名业主参与，{'通过' if result['passed'] else '未通过'}）")
