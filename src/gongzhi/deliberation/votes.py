"""Votes (民事民决): creating a vote with its frozen roll, casting and entering ballots, the
hash-chained ledger, and the result checked rule by rule (``rules``).

One ballot per elector is enforced by the database (``Participation``'s unique constraint); the
vote's row is locked while a ballot is appended, so the ledger's ``seq`` has no gaps and its chain
no forks, also under concurrent submissions.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import secrets
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.areas.models import Area, ancestor_paths
from gongzhi.audit import services as audit
from gongzhi.core import faults
from gongzhi.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from gongzhi.registry.choices import PoliticalStatus
from gongzhi.registry.models import House, Household, Person
from gongzhi.registry.on_behalf import OnBehalf, account_of, community_of
from gongzhi.registry.verification import resident_link

from . import rules
from .models import (BallotMethod, Body, BodyKind, Elector, Electorate, EntryKind, HouseholdRepresentative,
                     LedgerEntry, Participation, Rule, Vote)

MANAGE = "deliberation.manage"
ADULT_AGE = 18
YES, NO, ABSTAIN = "同意", "反对", "弃权"
YES_NO_ABSTAIN = [YES, NO, ABSTAIN]
MAX_OPTIONS = 20
MAX_OPTION_LENGTH = 100

# Which electorates each rule may be used with (a rule counts against its own body).
RULE_ELECTORATES = {
    Rule.SIMPLE_MAJORITY: set(Electorate.values),
    Rule.TWO_THIRDS: set(Electorate.values),
    Rule.HOUSEHOLDS_60: {Electorate.HOUSEHOLDS},
    Rule.OWNERS_ORDINARY: {Electorate.OWNERS},
    Rule.OWNERS_MAJOR: {Electorate.OWNERS},
    Rule.RESIDENTS_MEETING: {Electorate.RESIDENTS, Electorate.HOUSEHOLDS},
    # 村民会议 counts adult villagers and, as its second quorum, the households they belong to.
    Rule.VILLAGERS_MEETING: {Electorate.RESIDENTS},
    Rule.REPRESENTATIVES_MEETING: {Electorate.VILLAGER_REPRESENTATIVES},
    Rule.PARTY_MEMBERS_MEETING: {Electorate.PARTY_MEMBERS},
}
BODY_OF_ELECTORATE = {Electorate.COMMITTEE: BodyKind.COMMITTEE,
                      Electorate.VILLAGER_REPRESENTATIVES: BodyKind.REPRESENTATIVES}


class VoteNotOpen(DomainError):
    status = 400
    code = "vote_not_open"


class NotEligible(NotAllowed):
    code = "not_eligible"


class AlreadyVoted(Conflict):
    code = "already_voted"


# --- Creating a vote and its roll --------------------------------------------------------------------

@dataclass(frozen=True)
class VoteDraft:
    title: str
    area: Area
    electorate: str
    rule: str
    options: list[str]
    opens: datetime.datetime
    closes: datetime.datetime
    secret: bool = True
    description: str = ""
    topic: object | None = None
    meeting: object | None = None
    body: Body | None = None
    estate: object | None = None
    building: object | None = None


def _clean_options(options) -> list[str]:
    cleaned = [str(option).strip() for option in options or []]
    if len(cleaned) < 2:
        raise InvalidInput(_("至少需要两个选项。"), fields={"options": _("至少需要两个选项。")})
    if len(cleaned) > MAX_OPTIONS:
        raise InvalidInput(_("选项不能超过 %(n)s 个。") % {"n": MAX_OPTIONS}, fields={"options": _("选项过多。")})
    if any(not option for option in cleaned):
        raise InvalidInput(_("选项不能为空。"), fields={"options": _("选项不能为空。")})
    if any(len(option) > MAX_OPTION_LENGTH for option in cleaned):
        raise InvalidInput(_("每个选项不超过 %(n)s 个字。") % {"n": MAX_OPTION_LENGTH},
                           fields={"options": _("选项过长。")})
    if len(set(cleaned)) != len(cleaned):
        raise InvalidInput(_("选项不能重复。"), fields={"options": _("选项不能重复。")})
    return cleaned


def validate_draft(draft: VoteDraft) -> list[str]:
    errors = {}
    if not draft.title.strip():
        errors["title"] = _("请填写表决事项。")
    if draft.electorate not in Electorate.values:
        errors["electorate"] = _("表决主体无效。")
    if draft.rule not in Rule.values:
        errors["rule"] = _("表决规则无效。")
    elif draft.electorate in Electorate.values and draft.electorate not in RULE_ELECTORATES[Rule(draft.rule)]:
        errors["rule"] = _("“%(rule)s”不适用于表决主体“%(electorate)s”。") % {
            "rule": Rule(draft.rule).label, "electorate": Electorate(draft.electorate).label}
    if draft.closes <= draft.opens:
        errors["closes"] = _("截止时间须晚于开始时间。")
    elif draft.closes <= timezone.now():
        errors["closes"] = _("截止时间须晚于现在。")
    if draft.estate is not None and not draft.estate.area.path.startswith(draft.area.path):
        errors["estate"] = _("所选小区不在表决范围内。")
    if draft.building is not None and draft.estate is not None and draft.building.estate_id != draft.estate.pk:
        errors["building"] = _("所选楼栋不属于所选小区。")
    try:
        options = _clean_options(draft.options)
    except InvalidInput as refused:
        errors.update(refused.fields)
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    return options


def _persons_in_scope(vote) -> "Person.objects":
    persons = Person.objects.current().filter(area__path__startswith=vote.area.path)
    if vote.building_id:
        persons = persons.filter(house__building_id=vote.building_id)
    elif vote.estate_id:
        persons = persons.filter(house__building__estate_id=vote.estate_id)
    return persons


def _households_in_scope(vote):
    households = Household.objects.filter(area__path__startswith=vote.area.path)
    if vote.building_id:
        households = households.filter(house__building_id=vote.building_id)
    elif vote.estate_id:
        households = households.filter(house__building__estate_id=vote.estate_id)
    # A household counts while someone of it still lives here.
    living = Person.objects.current().filter(household_id__isnull=False).values("household_id")
    return households.filter(pk__in=living)


def adult_cutoff(day: datetime.date) -> datetime.date:
    """Born on or before this day: 18 or older on ``day`` (29 February counts from 1 March)."""
    try:
        return day.replace(year=day.year - ADULT_AGE)
    except ValueError:
        return day.replace(year=day.year - ADULT_AGE, month=2, day=28)


def _roll_rows(vote: Vote) -> list[Elector]:
    electorate = vote.electorate
    if electorate in (Electorate.RESIDENTS, Electorate.PARTY_MEMBERS):
        persons = _persons_in_scope(vote).filter(birth_date__lte=adult_cutoff(timezone.localdate(vote.opens)))
        if electorate == Electorate.PARTY_MEMBERS:
            # 预备党员 have no vote (党章 art. 7): only full members are on the roll.
            persons = persons.filter(political_status=PoliticalStatus.CPC_MEMBER)
        return [Elector(vote=vote, key=f"p:{pk}", person_id=pk, household_id=household)
                for pk, household in persons.order_by("pk").values_list("pk", "household_id")]
    if electorate == Electorate.HOUSEHOLDS:
        return [Elector(vote=vote, key=f"h:{pk}", household_id=pk, person_id=head)
                for pk, head in _households_in_scope(vote).order_by("pk").values_list("pk", "head_id")]
    if electorate == Electorate.OWNERS:
        houses = House.objects.filter(area__path__startswith=vote.area.path, owner__isnull=False,
                                      floor_area__gt=0)
        if vote.building_id:
            houses = houses.filter(building_id=vote.building_id)
        elif vote.estate_id:
            houses = houses.filter(building__estate_id=vote.estate_id)
        owners = houses.values("owner_id").annotate(area=Sum("floor_area")).order_by("owner_id")
        return [Elector(vote=vote, key=f"o:{row['owner_id']}", person_id=row["owner_id"], area_weight=row["area"])
                for row in owners]
    # A body's members: persons vote online or on paper; an organisation's contact on paper.
    members = vote.body.members.filter(active=True, topic__isnull=True).order_by("pk")
    rows, seen = [], set()
    for member in members:
        key = f"p:{member.person_id}" if member.person_id else f"m:{member.pk}"
        if key not in seen:
            seen.add(key)
            rows.append(Elector(vote=vote, key=key, person_id=member.person_id))
    return rows


def _body_for(draft: VoteDraft) -> Body | None:
    kind = BODY_OF_ELECTORATE.get(draft.electorate)
    if kind is None:
        return None
    if draft.body is not None:
        related = (draft.body.area.path.startswith(draft.area.path) or draft.area.path.startswith(draft.body.area.path))
        if draft.body.kind != kind or not related:
            raise InvalidInput(_("所选议事机构与表决主体或范围不符。"), fields={"body": _("议事机构不符。")})
        return draft.body
    # The body of the scope, or of the community (村) it lies in: a grid's vote by the committee is the
    # community committee's.
    bodies = {b.area.path: b for b in Body.objects.filter(area__path__in=ancestor_paths(draft.area), kind=kind,
                                                          active=True).select_related("area").order_by("pk")}
    body = next((bodies[path] for path in ancestor_paths(draft.area) if path in bodies), None)
    if body is None:
        raise InvalidInput(_("该区域尚未组建%(kind)s，无法发起此类表决。") % {"kind": BodyKind(kind).label},
                           fields={"electorate": _("尚未组建议事机构。")})
    return body


@transaction.atomic
def create_vote(*, actor, draft: VoteDraft, request=None) -> Vote:
    if not has_perm(actor, MANAGE, draft.area):
        raise NotAllowed(_("您无权在该区域发起表决。"))
    options = validate_draft(draft)
    vote = Vote(title=draft.title.strip(), description=draft.description.strip(), area=draft.area,
                electorate=draft.electorate, rule=draft.rule, options=options, opens=draft.opens,
                closes=draft.closes, secret=draft.secret, topic=draft.topic, meeting=draft.meeting,
                estate=draft.estate, building=draft.building, created_by=actor, body=_body_for(draft))
    vote.save()
    electors = _roll_rows(vote)
    if not electors:
        raise InvalidInput(_("表决名册为空：该范围内没有符合条件的表决人。"), fields={"scope": _("名册为空。")})
    Elector.objects.bulk_create(electors, batch_size=2000)
    vote.roll_count = len(electors)
    vote.roll_households = (_households_in_scope(vote).count()
                            if vote.electorate in (Electorate.RESIDENTS, Electorate.HOUSEHOLDS) else 0)
    vote.roll_area = sum((e.area_weight or Decimal(0) for e in electors), Decimal(0))
    vote.save(update_fields=["roll_count", "roll_households", "roll_area"])
    if vote.topic is not None:
        from .models import TopicStatus

        type(vote.topic).objects.filter(pk=vote.topic.pk).update(status=TopicStatus.DECIDING)
    audit.record(actor=actor, action="deliberation.vote_create", obj=vote, request=request,
                 after={"title": vote.title, "electorate": vote.electorate, "rule": vote.rule,
                        "options": options, "opens": vote.opens, "closes": vote.closes, "secret": vote.secret,
                        "roll": vote.roll_count})
    return vote


@transaction.atomic
def cancel_vote(*, actor, vote: Vote, reason: str, request=None) -> Vote:
    if not has_perm(actor, MANAGE, vote.area):
        raise NotAllowed(_("您无权撤销该表决。"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写撤销原因。"), fields={"reason": _("请填写撤销原因。")})
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    if vote.cancelled_at is not None or vote.closes <= timezone.now():
        raise Conflict(_("表决已结束或已撤销，不能撤销。"))
    vote.cancelled_at, vote.cancel_reason = timezone.now(), reason[:200]
    vote.save(update_fields=["cancelled_at", "cancel_reason"])
    audit.record(actor=actor, action="deliberation.vote_cancel", obj=vote, reason=reason, request=request)
    return vote


# --- Who may vote ----------------------------------------------------------------------------------

def person_of(user) -> Person | None:
    """The registry person the account is bound to (实名核验), or ``None``."""
    link = resident_link(user)
    return link.person if link is not None else None


def elector_for(vote: Vote, user) -> Elector:
    """The roll line the user votes as, or ``NotEligible`` saying why."""
    person = person_of(user)
    if person is None:
        raise NotEligible(_("请先完成实名核验（绑定本人档案）后再参与表决。"))
    if vote.by_household:
        households = [person.household_id] if person.household_id else []
        households += list(HouseholdRepresentative.objects.filter(person=person).values_list("household_id", flat=True))
        elector = (vote.electors.filter(household_id__in=households)
                   .filter(Q(person_id=person.pk) | Q(household__vote_representative__person_id=person.pk))
                   .first())
        if elector is None:
            own = vote.electors.filter(household_id__in=households).first()
            if own is None:
                raise NotEligible(_("您的户不在本次表决的名册中。"))
            if Participation.objects.filter(vote=vote, elector=own).exists():
                raise AlreadyVoted(_("本户已经投过票，不能重复投票。"))
            raise NotEligible(_("按户表决由户主或户代表投票，您不是本户的户主或户代表。"))
        return elector
    elector = vote.electors.filter(person_id=person.pk).first()
    if elector is None:
        raise NotEligible(_("您不在本次表决的名册中。"))
    return elector


def voted(vote: Vote, user) -> bool:
    try:
        elector = elector_for(vote, user)
    except AlreadyVoted:
        return True
    except NotEligible:
        return False
    return Participation.objects.filter(vote=vote, elector=elector).exists()


# --- The ledger --------------------------------------------------------------------------------------

def new_receipt() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode()


def commitment_of(vote_id: int, receipt: str, choice: str, counts, salt: str) -> str:
    body = choice if counts is None else json.dumps(counts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{vote_id}|{receipt}|{body}|{salt}".encode()).hexdigest()


def public_fields(entry: LedgerEntry, *, secret: bool) -> dict:
    """What the ledger publishes of an entry (and what its hash covers): never a secret choice."""
    return {
        "vote": entry.vote_id, "seq": entry.seq, "kind": entry.kind, "method": entry.method,
        "receipt": entry.receipt, "commitment": entry.commitment,
        "choice": "" if secret and entry.kind == EntryKind.BALLOT else entry.choice,
        "area_weight": f"{Decimal(entry.area_weight):.2f}", "counts": entry.counts,
        "at": entry.at.astimezone(datetime.timezone.utc).isoformat(timespec="microseconds"),
        "prev_hash": entry.prev_hash,
    }


def hash_of(entry: LedgerEntry, *, secret: bool) -> str:
    payload = json.dumps(public_fields(entry, secret=secret), sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _append(vote: Vote, *, kind: str, method: str, choice: str = "", counts=None, area_weight=Decimal(0),
            elector: Elector | None = None, entered_by=None) -> LedgerEntry:
    """Append one entry to the (locked) vote's chain."""
    receipt, salt = new_receipt(), secrets.token_hex(16)
    entry = LedgerEntry(
        vote=vote, seq=vote.ledger_length + 1, kind=kind, method=method, receipt=receipt, choice=choice,
        salt=salt, commitment=commitment_of(vote.pk, receipt, choice, counts, salt),
        area_weight=Decimal(area_weight or 0).quantize(Decimal("0.01")), counts=counts,
        elector=None if vote.secret else elector, entered_by=entered_by,
        at=timezone.now(), prev_hash=vote.ledger_head)
    entry.hash = hash_of(entry, secret=vote.secret)
    entry.save()
    vote.ledger_head, vote.ledger_length = entry.hash, entry.seq
    vote.save(update_fields=["ledger_head", "ledger_length"])
    return entry


def _locked_open_vote(vote_id: int) -> Vote:
    vote = Vote.objects.select_for_update().select_related("area").get(pk=vote_id)
    if vote.cancelled_at is not None:
        raise VoteNotOpen(_("该表决已撤销。"))
    now = timezone.now()
    if now < vote.opens:
        raise VoteNotOpen(_("表决尚未开始（%(at)s 开始）。") % {
            "at": f"{timezone.localtime(vote.opens):%Y-%m-%d %H:%M}"})
    if now >= vote.closes:
        raise VoteNotOpen(_("表决已截止。"))
    return vote


def _check_choice(vote: Vote, choice) -> str:
    choice = str(choice or "").strip()
    if choice not in vote.options:
        raise InvalidInput(_("请选择有效的选项：%(options)s。") % {"options": "、".join(vote.options)},
                           fields={"choice": _("选项无效。")})
    return choice


def _participate(vote: Vote, elector: Elector, *, method: str, cast_by=None, entered_by=None) -> None:
    if Participation.objects.filter(vote=vote, elector=elector).exists():
        raise AlreadyVoted(_("本户已经投过票，不能重复投票。") if vote.by_household
                           else _("您已经投过票，不能重复投票。"))
    try:
        with transaction.atomic():
            Participation.objects.create(vote=vote, elector=elector, method=method, cast_by=cast_by,
                                         entered_by=entered_by)
    except IntegrityError:
        raise AlreadyVoted(_("已经投过票，不能重复投票。")) from None


def cast_ballot(*, user, vote_id: int, choice, request=None) -> LedgerEntry:
    """A voter's own online ballot: the receipt is the voter's to keep."""
    with transaction.atomic():
        vote = _locked_open_vote(vote_id)
        elector = elector_for(vote, user)
        choice = _check_choice(vote, choice)
        _participate(vote, elector, method=BallotMethod.ONLINE, cast_by=user)
        entry = _append(vote, kind=EntryKind.BALLOT, method=BallotMethod.ONLINE, choice=choice,
                        area_weight=elector.area_weight, elector=elector)
        # Audited in the ballot's transaction: a crash in between must not keep a ballot unaudited.
        audit.record(actor=user, action="deliberation.ballot", obj=vote, request=request,
                     after={"seq": entry.seq, "receipt": entry.receipt})  # never the choice
        faults.point("deliberation.ballot.before_commit")
    faults.point("deliberation.ballot.committed")
    return entry


def enter_paper_ballot(*, actor, vote_id: int, elector_id: int, choice, request=None) -> LedgerEntry:
    """A paper ballot of a named elector, entered by staff and marked as such (audited)."""
    with transaction.atomic():
        vote = _locked_open_vote(vote_id)
        if not has_perm(actor, MANAGE, vote.area):
            raise NotAllowed(_("您无权录入该表决的纸质选票。"))
        elector = vote.electors.filter(pk=elector_id).first()
        if elector is None:
            raise InvalidInput(_("该表决人不在名册中。"), fields={"elector": _("不在名册中。")})
        choice = _check_choice(vote, choice)
        _participate(vote, elector, method=BallotMethod.PAPER, entered_by=actor)
        entry = _append(vote, kind=EntryKind.BALLOT, method=BallotMethod.PAPER, choice=choice,
                        area_weight=elector.area_weight, elector=elector, entered_by=actor)
    audit.record(actor=actor, action="deliberation.paper_ballot", obj=vote, request=request,
                 after={"seq": entry.seq, "receipt": entry.receipt, "elector": elector.pk})
    _tell_paper_voter(vote, elector, entry)
    return entry


def _tell_paper_voter(vote: Vote, elector: Elector, entry: LedgerEntry) -> None:
    """The elector (a household's head) is told, when they have an account, that a paper ballot was
    entered in their name, with its receipt (never the choice): a ballot they did not cast shows."""
    from django.urls import reverse

    from gongzhi.notices.services import send_notice

    person = elector.person
    if person is None and elector.household_id is not None:
        person = Person.objects.filter(pk=elector.household.head_id).first()
    account = account_of(person) if person is not None else None
    if account is not None:
        send_notice(recipients=[account], title=_("您在“%(title)s”中的纸质选票已由社区工作人员录入") % {
            "title": vote.title[:60]}, body=_("回执号：%(receipt)s。可在公开账本中核对；如不是您投的票，请联系社区。") % {
            "receipt": entry.receipt}, link=reverse("deliberation:vote", args=[vote.pk]), kind="deliberation")


def enter_tally(*, actor, vote_id: int, method: str, counts: dict, present: int, present_households: int = 0,
                note: str = "", request=None) -> LedgerEntry:
    """A count made on the spot (show of hands, or paper ballots counted at a meeting), entered by
    staff: the counts per option and how many were present. Marked with its method, audited."""
    if method not in (BallotMethod.HANDS, BallotMethod.PAPER):
        raise InvalidInput(_("计票方式无效。"), fields={"method": _("计票方式无效。")})
    with transaction.atomic():
        vote = _locked_open_vote(vote_id)
        if not has_perm(actor, MANAGE, vote.area):
            raise NotAllowed(_("您无权录入该表决的计票结果。"))
        if vote.electorate == Electorate.OWNERS:
            raise InvalidInput(_("业主表决须按业主逐张录入选票（需计算专有部分面积），不能整体录入。"))
        cleaned = {}
        for option in vote.options:
            value = counts.get(option, 0)
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise InvalidInput(_("“%(option)s”的票数须为整数。") % {"option": option}) from None
            if value < 0:
                raise InvalidInput(_("票数不能为负数。"))
            cleaned[option] = value
        unknown = set(counts) - set(vote.options)
        if unknown:
            raise InvalidInput(_("选项“%(option)s”不在本表决中。") % {"option": sorted(unknown)[0]})
        present, present_households = int(present), int(present_households or 0)
        if sum(cleaned.values()) > present:
            raise InvalidInput(_("各选项票数之和（%(sum)s）不能超过到会人数（%(present)s）。") % {
                "sum": sum(cleaned.values()), "present": present})
        already = _participants(vote)
        if present + already > vote.roll_count:
            raise InvalidInput(_("到会人数加已投票人数（%(n)s）超过应到人数（%(roll)s）。") % {
                "n": present + already, "roll": vote.roll_count})
        if present_households > vote.roll_households:
            raise InvalidInput(_("到会户数不能超过应到户数（%(roll)s）。") % {"roll": vote.roll_households})
        data = {"options": cleaned, "present": present, "present_households": present_households,
                "note": note.strip()[:200]}
        entry = _append(vote, kind=EntryKind.TALLY, method=method, counts=data, entered_by=actor)
    audit.record(actor=actor, action="deliberation.tally", obj=vote, request=request,
                 after={"seq": entry.seq, "method": method, "counts": cleaned, "present": present})
    return entry


def _participants(vote: Vote) -> int:
    ballots = vote.ledger.filter(kind=EntryKind.BALLOT).count()
    present = sum(int((entry or {}).get("present", 0)) for entry in
                  vote.ledger.filter(kind=EntryKind.TALLY).values_list("counts", flat=True))
    return ballots + present


# --- The result --------------------------------------------------------------------------------------

def is_yes_no(options) -> bool:
    return YES in options and set(options) <= set(YES_NO_ABSTAIN)


def tally_entries(vote: Vote, entries) -> dict:
    """The result from ledger entries (``LedgerEntry`` rows or equivalent), read one by one (what
    ``verify`` recounts)."""
    ballots: dict[str, list] = {}
    tallies = []
    for entry in entries:
        if entry.kind == EntryKind.TALLY:
            tallies.append(entry.counts or {})
            continue
        count_area = ballots.setdefault(entry.choice, [0, Fraction(0)])
        count_area[0] += 1
        count_area[1] += Fraction(Decimal(entry.area_weight))
    return _tally(vote, ballots, tallies)


def tally_from_database(vote: Vote) -> dict:
    """The same result counted by the database (one grouped query): what the pages show while a
    vote is open, without reading every ballot."""
    ballots = {row["choice"]: [row["n"], Fraction(row["area"] or Decimal(0))]
               for row in vote.ledger.filter(kind=EntryKind.BALLOT).values("choice")
               .annotate(n=Count("pk"), area=Sum("area_weight")).order_by()}
    tallies = [data or {} for data in vote.ledger.filter(kind=EntryKind.TALLY).values_list("counts", flat=True)]
    return _tally(vote, ballots, tallies)


def _tally(vote: Vote, ballots: dict[str, list], tallies: list[dict]) -> dict:
    counts: Counter = Counter({option: 0 for option in vote.options})
    areas: dict[str, Fraction] = {option: Fraction(0) for option in vote.options}
    participants, participant_area, present_households = 0, Fraction(0), 0
    for choice, (n, area) in ballots.items():
        counts[choice] += n
        areas[choice] = areas.get(choice, Fraction(0)) + area
        participants += n
        participant_area += area
    for data in tallies:
        counts.update({k: int(v) for k, v in data.get("options", {}).items()})
        participants += int(data.get("present", 0))
        present_households += int(data.get("present_households", 0))
    if is_yes_no(vote.options):
        leader, tie = YES, False
    else:
        ordered = counts.most_common()
        leader = ordered[0][0] if ordered else ""
        tie = len(ordered) > 1 and ordered[0][1] == ordered[1][1]
    return {"counts": dict(counts), "participants": participants, "yes": counts[leader], "leader": leader,
            "tie": tie, "yes_area": areas.get(leader, Fraction(0)), "participant_area": participant_area,
            "present_households": present_households}


def _ballot_households(vote: Vote) -> int:
    """Households with at least one participant (村民会议's second quorum)."""
    if vote.by_household:
        return Participation.objects.filter(vote=vote).count()
    return (Participation.objects.filter(vote=vote, elector__household_id__isnull=False)
            .aggregate(n=Count("elector__household_id", distinct=True))["n"])


def result_of(vote: Vote, entries=None) -> dict:
    """The result rule by rule: counted by the database, or from ``entries`` when given (``verify``)."""
    found = tally_from_database(vote) if entries is None else tally_entries(vote, entries)
    households = vote.roll_households
    participant_households = found["present_households"] + _ballot_households(vote)
    if vote.by_household:
        participant_households = found["participants"]
    tally = rules.Tally(eligible=vote.roll_count, participants=found["participants"], yes=found["yes"],
                        eligible_households=households,
                        participant_households=min(participant_households, households),
                        eligible_area=Fraction(Decimal(vote.roll_area)), participant_area=found["participant_area"],
                        yes_area=found["yes_area"], tie=found["tie"])
    checks = rules.checks(vote.rule, tally)
    passed = all(check.met for check in checks)
    rate = rules.percent(found["participants"], vote.roll_count)
    turnout = {"eligible": vote.roll_count, "participants": found["participants"], "rate": rate,
               "eligible_households": households}
    if vote.electorate == Electorate.OWNERS:
        turnout.update({"eligible_area": f"{Decimal(vote.roll_area):.2f}",
                        "participant_area": f"{float(found['participant_area']):.2f}"})
    return {"counts": found["counts"], "turnout": turnout, "passed": passed,
            "checks": [check.as_dict() for check in checks], "rule": vote.rule,
            "rule_label": str(Rule(vote.rule).label), "leader": found["leader"] if not found["tie"] else "",
            "summary": rules.summary(checks), "final": vote.closes <= timezone.now() or vote.cancelled_at is not None,
            "cancelled": vote.cancelled_at is not None, "ledger_length": vote.ledger_length,
            "ledger_head": vote.ledger_head}


def final_result(vote: Vote) -> dict:
    """The result; once the vote has closed it is computed once, stored and audited (计票)."""
    if vote.result is not None:
        return vote.result
    result = result_of(vote)
    if result["final"] and vote.cancelled_at is None:
        with transaction.atomic():
            locked = Vote.objects.select_for_update().get(pk=vote.pk)
            if locked.result is None:
                locked.result, locked.tallied_at = result, timezone.now()
                locked.save(update_fields=["result", "tallied_at"])
                _decide_topic(locked, result)
                audit.record(actor=None, actor_name="system", action="deliberation.vote_tally", obj=locked,
                             after={"passed": result["passed"], "counts": result["counts"],
                                    "ledger_head": result["ledger_head"]})
            vote.result, vote.tallied_at = locked.result, locked.tallied_at
        return vote.result
    return result


def _decide_topic(vote: Vote, result: dict) -> None:
    from .models import Topic, TopicStatus

    if vote.topic_id:
        Topic.objects.filter(pk=vote.topic_id, status=TopicStatus.DECIDING).update(
            status=TopicStatus.DECIDED if result["passed"] else TopicStatus.REJECTED)


def tally_closed(now=None) -> int:
    """Store the result of every vote that has closed since (the periodic sweep)."""
    now = now or timezone.now()
    done = 0
    for vote in Vote.objects.filter(closes__lte=now, result__isnull=True, cancelled_at__isnull=True):
        final_result(vote)
        done += 1
    return done


# --- Verifying the ledger ------------------------------------------------------------------------------

@dataclass
class Verification:
    ok: bool
    problems: list[str]
    result: dict | None


def verify(vote: Vote) -> Verification:
    """Recompute every commitment and hash of the chain, its head and length, the number of
    participations, and the result from the ledger alone; name each entry that does not hold."""
    problems: list[str] = []
    vote = Vote.objects.select_related("area").get(pk=vote.pk)  # the head and length as stored now
    entries = list(vote.ledger.order_by("seq"))
    prev = ""
    for index, entry in enumerate(entries, 1):
        name = _("第 %(seq)s 条（回执 %(receipt)s）") % {"seq": entry.seq, "receipt": entry.receipt}
        if entry.seq != index:
            problems.append(_("%(entry)s：序号应为 %(n)s，账本有缺失或重复。") % {"entry": name, "n": index})
        if entry.kind == EntryKind.BALLOT and entry.choice not in vote.options:
            problems.append(_("%(entry)s：选项不在本表决中。") % {"entry": name})
        if commitment_of(vote.pk, entry.receipt, entry.choice, entry.counts, entry.salt) != entry.commitment:
            problems.append(_("%(entry)s：选票内容与承诺值不符（选票被改动）。") % {"entry": name})
        if entry.prev_hash != prev:
            problems.append(_("%(entry)s：前一哈希不符，链条断开。") % {"entry": name})
        if hash_of(entry, secret=vote.secret) != entry.hash:
            problems.append(_("%(entry)s：哈希不符（条目被改动）。") % {"entry": name})
        prev = entry.hash
    if vote.ledger_head != prev or vote.ledger_length != len(entries):
        problems.append(_("账本末端与表决记录不符：记录 %(length)s 条、末端 %(head)s，实有 %(n)s 条、末端 %(actual)s。") % {
            "length": vote.ledger_length, "head": vote.ledger_head[:12] or "—", "n": len(entries),
            "actual": prev[:12] or "—"})
    ballots = sum(1 for entry in entries if entry.kind == EntryKind.BALLOT)
    participations = Participation.objects.filter(vote=vote).count()
    if ballots != participations:
        problems.append(_("选票 %(ballots)s 张，但参与表决记录 %(n)s 条。") % {"ballots": ballots, "n": participations})
    result = result_of(vote, entries)
    if vote.result is not None:
        for key in ("counts", "passed"):
            if vote.result.get(key) != result[key]:
                problems.append(_("公布的结果（%(key)s）与账本重新计票不符：公布 %(published)s，重算 %(actual)s。") % {
                    "key": key, "published": vote.result.get(key), "actual": result[key]})
    return Verification(ok=not problems, problems=problems, result=result)


def public_entry(entry: LedgerEntry, *, secret: bool) -> dict:
    """An entry as the ledger publishes it: its public fields, its hash (never the salt, nor a
    secret ballot's choice)."""
    data = public_fields(entry, secret=secret)
    data["hash"] = entry.hash
    return data


# --- A household's representative ------------------------------------------------------------------------

def household_members(person: Person) -> list[Person]:
    """The adult members of ``person``'s household who may vote for it (the head names one)."""
    if person is None or not person.household_id:
        return []
    cutoff = adult_cutoff(timezone.localdate())
    return list(Person.objects.current().filter(household_id=person.household_id, birth_date__lte=cutoff)
                .exclude(pk=person.pk).order_by("pk"))


@transaction.atomic
def name_representative(*, actor, member_id: int | None, on_behalf: OnBehalf | None = None,
                        request=None) -> HouseholdRepresentative | None:
    """The head of a household names an adult member to vote for it in household votes (户代表),
    or, with no member, takes the vote back. The head always may vote too; one ballot per household
    stays enforced by the database. With ``on_behalf`` staff (``deliberation.manage`` in the head's
    community) enter what a head who cannot use a phone told them (代办)."""
    acting = None
    if on_behalf is not None:
        from gongzhi.registry.models import Person as RegistryPerson

        head = RegistryPerson.objects.filter(pk=getattr(on_behalf.person, "pk", on_behalf.person)).select_related(
            "area").first()
        if head is None or head.area_id is None:
            raise InvalidInput(_("请从您辖区的居民档案中选择代办的居民。"), fields={"person": "required"})
        # Naming someone to vote for the household is a mandate: how the head gave it is written down.
        acting = on_behalf.check(staff=actor, area=community_of(head.area), perm=MANAGE, note_required=True)
        person = acting.person
    else:
        person = person_of(actor)
    household = Household.objects.select_for_update().filter(pk=getattr(person, "household_id", None)).first()
    if person is None or household is None or household.head_id != person.pk:
        if acting is not None:
            raise InvalidInput(_("%(name)s不是户主，只有户主可以指定户代表。") % {"name": person.real_name},
                               fields={"person": "head"})
        raise NotAllowed(_("只有户主可以指定户代表。"))
    HouseholdRepresentative.objects.filter(household=household).delete()
    named = None
    if member_id:
        member = next((m for m in household_members(person) if m.pk == member_id), None)
        if member is None:
            raise InvalidInput(_("户代表须是本户年满十八周岁的成员。"), fields={"member": _("不是本户成年成员。")})
        named = HouseholdRepresentative.objects.create(household=household, person=member, named_by=actor,
                                                       **(acting.fields() if acting else {}))
    audit.record(actor=actor, action=("deliberation.household_representative_on_behalf" if acting
                                      else "deliberation.household_representative"),
                 object_type="registry.household", object_id=str(household.pk), request=request,
                 after={"representative": named.person_id if named else None, **(acting.audit() if acting else {})})
    if acting is not None:
        acting.notify(title=_("社区工作人员已按您的意见%(what)s") % {
            "what": _("指定户代表") if named else _("取消户代表")}, kind="deliberation")
    return named
