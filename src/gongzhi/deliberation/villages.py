"""四议两公开 in a village: open a process, hold its six steps in order, refuse to go on past a step
whose rule failed (saying which number fell short), re-hold it (every attempt kept), publish.

The rules are ``deliberation.rules``, as the law writes them:

1. 党支部提议 — the branch committee's proposal is recorded (attendance, votes, sign-off); no rule
   of its own is checked here.
2. 两委商议 — ``simple_majority`` of the members of the two committees (党支部委员会 and 村民委员会)
   present: yes > 1/2 of those present (民主集中制; no quorum beyond someone present).
3. 党员大会审议 — ``party_members_meeting``: present ≥ 1/2 of the voting members (正式党员;
   预备党员 have no vote), yes > 1/2 of the members who should attend.
4. 村民会议 — ``villagers_meeting`` (> 1/2 of adults, or ≥ 2/3 of households, present; yes > 1/2 of
   those present) or 村民代表会议 — ``representatives_meeting`` (≥ 2/3 present; yes > 1/2 of those
   present).
5. 决议公开 and 6. 实施结果公开 — the publication (date, where, text) is recorded.

应到 defaults from the registry (persons of the village living there now): 正式党员 for step 3,
adults (18+ on the day, birth date known) and the households with a member living there for a 村民会议, the active members of the village's 两委 and 村民代表
bodies for steps 2 and 4; staff may enter another number with a reason.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record
from gongzhi.cases import photos as photo_processing
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed

from . import rules
from .models import BodyKind, BodyMember, FourTwoStep, ProcessStatus, StepAttachment, StepRecord, Topic, VillageProcess

S = FourTwoStep
MEETING_RULES = {"villagers": "villagers_meeting", "representatives": "representatives_meeting"}


def default_body(step: int, meeting: str = "villagers") -> str:
    if step == S.PROPOSAL:
        return _("村党支部委员会")
    if step == S.CONSULTATION:
        return _("村党支部委员会和村民委员会联席会议")
    if step == S.REVIEW:
        return _("村党员大会")
    if step == S.RESOLUTION:
        return _("村民代表会议") if meeting == "representatives" else _("村民会议")
    return _("村务公开栏")


def rule_of(step: int, meeting: str = "villagers") -> str:
    if step == S.CONSULTATION:
        return "simple_majority"
    if step == S.REVIEW:
        return "party_members_meeting"
    if step == S.RESOLUTION:
        return MEETING_RULES[meeting]
    return ""


def is_publication(step: int) -> bool:
    return step in (S.RESOLUTION_DISCLOSURE, S.RESULT_DISCLOSURE)


# --- Reading --------------------------------------------------------------------------------------

def is_village(area: Area) -> bool:
    return area.level == Level.COMMUNITY and area.in_village


def villages_for(user):
    """The villages where the user runs consultation."""
    if not has_perm(user, Perm.DELIBERATION_MANAGE):
        return Area.objects.none()
    return [a for a in Area.objects.visible_to(user).filter(level=Level.COMMUNITY).order_by("code")
            if a.in_village and has_perm(user, Perm.DELIBERATION_MANAGE, a)]


def processes_for(user):
    if not has_perm(user, Perm.DELIBERATION_MANAGE):
        return VillageProcess.objects.none()
    return (VillageProcess.objects.visible_to(user).select_related("area")
            .annotate(attempts=Count("records")).order_by("-created_at", "-pk"))


def process_for(user, pk: int) -> VillageProcess:
    process = VillageProcess.objects.visible_to(user).select_related("area", "topic").filter(pk=pk).first()
    if process is None or not has_perm(user, Perm.DELIBERATION_MANAGE, process.area):
        raise Http404
    return process


def public_village(code: str) -> Area:
    area = Area.objects.filter(code=code, level=Level.COMMUNITY).first()
    if area is None or not area.in_village:
        raise Http404
    return area


def public_processes(village: Area):
    """The village's processes with every attempt of every step (two queries)."""
    records = StepRecord.objects.order_by("step", "attempt").only(
        "process_id", "step", "attempt", "held_on", "body", "rule", "expected", "present", "expected_households",
        "present_households", "yes", "no", "abstain", "passed", "checks", "shortfall", "published_on",
        "published_where", "published_text")
    return (VillageProcess.objects.filter(area=village).order_by("-created_at", "-pk")
            .only("title", "matter", "step", "status", "created_at", "area_id")
            .prefetch_related(Prefetch("records", queryset=records)))


def last_attempt(process: VillageProcess, step: int | None = None) -> StepRecord | None:
    step = process.step if step is None else step
    return process.records.filter(step=step).order_by("-attempt").first()


# --- Defaults from the registry ---------------------------------------------------------------------

def _adult_cutoff(today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 18, day=28)


def _body_members(village: Area, kind: str) -> int | None:
    members = BodyMember.objects.filter(body__area=village, body__kind=kind, body__active=True, active=True,
                                        topic__isnull=True)
    count = members.count()
    return count or None


def registry_defaults(village: Area, step: int, meeting: str = "villagers",
                      today: datetime.date | None = None) -> tuple[int | None, int | None]:
    """(应到 persons, 应到 households) the registry gives for ``step``; ``None`` where it cannot count."""
    from gongzhi.registry.choices import PoliticalStatus
    from gongzhi.registry.models import Household, Person

    today = today or timezone.localdate()
    people = Person.objects.filter(area__path__startswith=village.path).current()
    if step == S.REVIEW:
        return people.filter(political_status=PoliticalStatus.CPC_MEMBER).count(), None
    if step == S.RESOLUTION and meeting == "villagers":
        adults = people.filter(birth_date__lte=_adult_cutoff(today)).count()
        # Households someone still lives in (a household whose members all died or left is no 户 to count).
        households = (Household.objects.filter(area__path__startswith=village.path, members__deceased=False,
                                               members__moved_out=False).distinct().count())
        return adults, households
    if step == S.RESOLUTION:
        return _body_members(village, BodyKind.REPRESENTATIVES), None
    if step == S.CONSULTATION:
        return _body_members(village, BodyKind.TWO_COMMITTEES), None
    if step == S.PROPOSAL:
        return _body_members(village, BodyKind.PARTY_BRANCH), None
    return None, None


# --- Writing --------------------------------------------------------------------------------------

def _require_manage(actor, village: Area) -> None:
    if not has_perm(actor, Perm.DELIBERATION_MANAGE, village):
        raise NotAllowed(_("您没有组织该村四议两公开的权限。"))


def _text(value, field_name: str, label: str, *, required: bool = True, limit: int = 2000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写%(label)s。") % {"label": label}, fields={field_name: "required"})
    if len(value) > limit:
        raise InvalidInput(_("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": limit},
                           fields={field_name: "too_long"})
    return value


def _count(value, field_name: str, label: str) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise InvalidInput(_("%(label)s须是不小于 0 的整数。") % {"label": label}, fields={field_name: "invalid"})
    return number


def start_process(*, actor, village: Area, title: str, matter: str, topic: Topic | None = None,
                  request=None) -> VillageProcess:
    if not is_village(village):
        raise InvalidInput(_("四议两公开只适用于村（村民委员会）。"), fields={"village": "invalid"})
    _require_manage(actor, village)
    if topic is not None and not topic.area.path.startswith(village.path):
        raise InvalidInput(_("关联议题不属于该村。"), fields={"topic": "invalid"})
    process = VillageProcess(area=village, title=_text(title, "title", _("事项名称"), limit=200),
                             matter=_text(matter, "matter", _("事项内容")), topic=topic, created_by=actor)
    with transaction.atomic():
        process.save()
        record(actor=actor, action="deliberation.village.start", obj=process, request=request,
               after={"village": village.code, "title": process.title})
    return process


def shortfall_text(step: int, found: list[rules.Check]) -> str:
    """"党员大会审议未通过：到会党员占应到 46.7%（14/30人），要求 ≥ 1/2" — every failed check, by number."""
    failed = "；".join(_("%(name)s %(actual)s，要求 %(required)s") % {
        "name": c.name, "actual": c.actual, "required": c.required} for c in found if not c.met)
    return _("%(step)s未通过：%(failed)s") % {"step": FourTwoStep(step).label, "failed": failed}


def refusal(process: VillageProcess, step: int) -> str | None:
    """Why ``step`` may not be recorded now (``None`` when it may)."""
    if process.status == ProcessStatus.COMPLETED:
        return _("该事项的四议两公开已全部完成。")
    if step < process.step:
        return _("“%(step)s”已通过，不能重复办理。") % {"step": FourTwoStep(step).label}
    if step > process.step:
        failed = last_attempt(process)
        reason = failed.shortfall if failed is not None and not failed.passed else _("尚未办理")
        return _("不能进入“%(next)s”：%(reason)s。须先完成“%(current)s”（可重新召开）。") % {
            "next": FourTwoStep(step).label, "reason": reason, "current": FourTwoStep(process.step).label}
    return None


def record_step(*, actor, process: VillageProcess, step: int, held_on: datetime.date, body: str = "",
                meeting: str = "villagers", expected=None, present=None, expected_households=None,
                present_households=None, expected_reason: str = "", yes=None, no=None, abstain=None,
                signed_by: str = "", minutes: str = "", published_where: str = "", published_text: str = "",
                photos=(), request=None, today: datetime.date | None = None) -> StepRecord:
    """Record one attempt at ``step``. A passed attempt moves the process on; a failed one is kept
    (with the checks and the shortfall) and the process stays at the step, to be held again."""
    _require_manage(actor, process.area)
    try:
        step = FourTwoStep(int(step))
    except (TypeError, ValueError):
        raise InvalidInput(_("环节不正确。"), fields={"step": "invalid"}) from None
    if (why := refusal(process, step)) is not None:
        raise Conflict(why, code="step_refused")
    if not isinstance(held_on, datetime.date):
        raise InvalidInput(_("请填写日期。"), fields={"held_on": "required"})
    today = today or timezone.localdate()
    if held_on > today:
        raise InvalidInput(_("日期不能晚于今天。"), fields={"held_on": "future"})
    if meeting not in MEETING_RULES:
        raise InvalidInput(_("请选择村民会议或村民代表会议。"), fields={"meeting": "invalid"})
    rule = rule_of(step, meeting)
    body = _text(body, "body", _("会议/机构"), required=False, limit=100) or default_body(step, meeting)
    signed_by = _text(signed_by, "signed_by", _("签字人"), required=not is_publication(step), limit=300)
    minutes = _text(minutes, "minutes", _("会议记录"), required=False, limit=5000)
    row = StepRecord(process=process, step=step, held_on=held_on, body=body, rule=rule, signed_by=signed_by,
                     minutes=minutes, recorded_by=actor)
    if is_publication(step):
        row.published_on = held_on
        row.published_where = _text(published_where, "published_where", _("公开地点/渠道"), limit=200)
        row.published_text = _text(published_text, "published_text", _("公开内容"), limit=5000)
        row.passed = True
    else:
        _attendance(row, process.area, step, meeting, expected, present, expected_households, present_households,
                    expected_reason, today)
        row.yes, row.no, row.abstain = (_count(yes, "yes", _("同意")), _count(no, "no", _("反对")),
                                        _count(abstain, "abstain", _("弃权")))
        if row.yes + row.no + row.abstain > row.present:
            raise InvalidInput(_("同意、反对、弃权合计 %(n)d，超过实到 %(p)d。") % {
                "n": row.yes + row.no + row.abstain, "p": row.present}, fields={"yes": "too_many"})
        if rule:
            tally = rules.Tally(eligible=row.expected, participants=row.present, yes=row.yes,
                                eligible_households=row.expected_households,
                                participant_households=row.present_households)
            found = rules.checks(rule, tally)
            row.checks = [c.as_dict() for c in found]
            row.passed = all(c.met for c in found)
            row.shortfall = "" if row.passed else shortfall_text(step, found)[:300]
        else:
            row.passed = True
    processed = [photo_processing.process(p) for p in photos]
    try:
        with transaction.atomic():
            locked = VillageProcess.objects.select_for_update().get(pk=process.pk)
            if (why := refusal(locked, step)) is not None:
                raise Conflict(why, code="step_refused")
            row.attempt = locked.records.filter(step=step).count() + 1
            row.save()
            for index, photo in enumerate(processed, start=1):
                attachment = StepAttachment(record=row, content_type=photo.content_type, size=len(photo.content))
                attachment.file.save(f"{row.pk}-{index}-{secrets.token_hex(4)}.{photo.extension}",
                                     ContentFile(photo.content), save=False)
                attachment.save()
            if row.passed:
                locked.step = min(step + 1, S.RESULT_DISCLOSURE)
                if step == S.RESULT_DISCLOSURE:
                    locked.status = ProcessStatus.COMPLETED
                locked.save(update_fields=["step", "status", "updated_at"])
                process.step, process.status = locked.step, locked.status
            record(actor=actor, action="deliberation.village.step", obj=process, request=request,
                   after={"step": int(step), "attempt": row.attempt, "passed": row.passed, "expected": row.expected,
                          "present": row.present, "yes": row.yes, "no": row.no, "abstain": row.abstain},
                   reason=row.expected_reason or row.shortfall)
    except IntegrityError:
        raise Conflict(_("该环节刚有人记录，请刷新后再试。")) from None
    return row


def _attendance(row: StepRecord, village: Area, step: int, meeting: str, expected, present, expected_households,
                present_households, reason: str, today) -> None:
    default, default_households = registry_defaults(village, step, meeting, today)
    row.expected_default, row.expected_households_default = default, default_households
    row.expected = (default or 0) if expected in (None, "") else _count(expected, "expected", _("应到"))
    row.present = _count(present, "present", _("实到"))
    households = step == S.RESOLUTION and meeting == "villagers"
    if households:
        row.expected_households = ((default_households or 0) if expected_households in (None, "")
                                   else _count(expected_households, "expected_households", _("应到户数")))
        row.present_households = _count(present_households, "present_households", _("实到户数"))
        if row.present_households > row.expected_households:
            raise InvalidInput(_("实到户数 %(p)d 超过应到户数 %(e)d。") % {
                "p": row.present_households, "e": row.expected_households}, fields={"present_households": "too_many"})
    if row.expected <= 0:
        raise InvalidInput(_("请填写应到人数。"), fields={"expected": "required"})
    if row.present > row.expected:
        raise InvalidInput(_("实到 %(p)d 超过应到 %(e)d。") % {"p": row.present, "e": row.expected},
                           fields={"present": "too_many"})
    overridden = (row.expected != (default or 0)) or (households and row.expected_households != (default_households or 0))
    row.expected_reason = _text(reason, "expected_reason", _("应到与档案计算不同的理由"), required=overridden, limit=200)


def step_label(step: int) -> str:
    return str(FourTwoStep(step).label)

