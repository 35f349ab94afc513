"""Implementation and evaluation (民事民办, 民事民评): writes and reads of a decided topic's tasks,
their progress updates, the cases they open, and the residents' satisfaction survey.

Status of the topic: 已决定 (decided) → 落实中 (implementing) when its first task is set →
已办结 (done) when every task is done; the survey opens then. Residents read everything here
(``timeline``, ``task_rows``) with the owning unit or post instead of any staff member's name.
"""

from __future__ import annotations

import datetime
import secrets
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.audit.services import record
from gongzhi.cases import photos as photo_processing
from gongzhi.cases.indicators import SATISFIED_FROM
from gongzhi.cases.models import Rating
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed

from gongzhi.registry.on_behalf import OnBehalf

from .models import Evaluation, Task, TaskPhoto, TaskStatus, TaskUpdate, Topic, TopicStatus

# Topics whose record residents read (accepted for consultation, whatever came of it).
PUBLIC_STATUSES = (TopicStatus.DISCUSSING, TopicStatus.DECIDING, TopicStatus.DECIDED, TopicStatus.REJECTED,
                   TopicStatus.IMPLEMENTING, TopicStatus.DONE, TopicStatus.CLOSED)
TASK_STATUSES = (TopicStatus.DECIDED, TopicStatus.IMPLEMENTING)
TEXT_MAX = 2000


# --- Reading ---------------------------------------------------------------------------------------

def may_manage(user, topic: Topic) -> bool:
    return bool(user.is_authenticated) and has_perm(user, Perm.DELIBERATION_MANAGE, topic.area)


def topic_for(user, pk: int) -> Topic:
    """A topic the user may read the follow-up of: in their scope (staff and the residents of its
    community), and for those who do not manage it, public and accepted. 404 otherwise."""
    topic = Topic.objects.visible_to(user).select_related("area").filter(pk=pk).first()
    if topic is None:
        raise Http404
    if not may_manage(user, topic) and (not topic.public or topic.status not in PUBLIC_STATUSES):
        raise Http404
    return topic


def managed_topic(user, pk: int) -> Topic:
    topic = topic_for(user, pk)
    if not may_manage(user, topic):
        raise Http404
    return topic


def managed_task(user, pk: int) -> Task:
    task = Task.objects.visible_to(user).select_related("topic", "area").filter(pk=pk).first()
    if task is None or not may_manage(user, task.topic):
        raise Http404
    return task


def tasks_of(topic: Topic):
    """The topic's tasks with their updates and photos (three queries whatever their number)."""
    updates = TaskUpdate.objects.order_by("at", "pk").prefetch_related("photos")
    return list(topic.tasks.order_by("deadline", "pk").select_related("case")
                .prefetch_related(Prefetch("updates", queryset=updates)))


def overdue_tasks(user, today: datetime.date | None = None):
    """Tasks past their deadline and not done, in the areas where the user manages consultation."""
    today = today or timezone.localdate()
    if not has_perm(user, Perm.DELIBERATION_MANAGE):
        return Task.objects.none()
    return (Task.objects.visible_to(user).filter(deadline__lt=today).exclude(status=TaskStatus.DONE)
            .select_related("topic", "area", "owner").order_by("deadline", "pk"))


def photo_for(user, pk: int) -> TaskPhoto:
    photo = TaskPhoto.objects.select_related("update__task__topic").filter(pk=pk).first()
    if photo is None:
        raise Http404
    topic_for(user, photo.update.task.topic_id)
    return photo


# --- Tasks -----------------------------------------------------------------------------------------

def _text(value: str, field_name: str, label: str, *, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写%(label)s。") % {"label": label}, fields={field_name: "required"})
    if len(value) > limit:
        raise InvalidInput(_("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": limit},
                           fields={field_name: "too_long"})
    return value


def _require_manage(actor, topic: Topic) -> None:
    if not may_manage(actor, topic):
        raise NotAllowed(_("您没有落实该议题的权限。"))


def create_task(*, actor, topic: Topic, title: str, owner_unit: str, deadline: datetime.date,
                description: str = "", owner=None, request=None) -> Task:
    """A task for a decided topic; the first one moves the topic to 落实中."""
    _require_manage(actor, topic)
    if topic.status not in TASK_STATUSES:
        raise Conflict(_("只有已决定或落实中的议题才能分解落实任务（当前：%(status)s）。") % {
            "status": topic.get_status_display()})
    title = _text(title, "title", _("任务名称"), limit=200)
    owner_unit = _text(owner_unit, "owner_unit", _("责任单位/岗位"), limit=100)
    description = _text(description, "description", _("任务说明"), required=False)
    if not isinstance(deadline, datetime.date):
        raise InvalidInput(_("请填写完成期限。"), fields={"deadline": "required"})
    if owner is not None and not has_perm(owner, Perm.DELIBERATION_MANAGE, topic.area):
        raise InvalidInput(_("责任人须是本社区（村）的工作人员。"), fields={"owner": "invalid"})
    with transaction.atomic():
        task = Task.objects.create(topic=topic, area=topic.area, title=title, description=description,
                                   owner=owner, owner_unit=owner_unit, deadline=deadline, created_by=actor)
        if topic.status == TopicStatus.DECIDED:
            Topic.objects.filter(pk=topic.pk).update(status=TopicStatus.IMPLEMENTING, updated_at=timezone.now())
            topic.status = TopicStatus.IMPLEMENTING
        record(actor=actor, action="deliberation.task.create", obj=task, request=request,
               after={"topic": topic.pk, "title": title, "owner_unit": owner_unit, "deadline": deadline.isoformat()})
    return task


def add_update(*, actor, task: Task, text: str, percent, photos=(), request=None,
               now: datetime.datetime | None = None) -> TaskUpdate:
    """A progress update (text, percent, photos). 100 % marks the task done; when every task of the
    topic is done, the topic is done and its survey opens."""
    now = now or timezone.now()
    topic = task.topic
    _require_manage(actor, topic)
    if topic.status != TopicStatus.IMPLEMENTING:
        raise Conflict(_("议题不在落实中，不能更新进展。"))
    if task.status == TaskStatus.DONE:
        raise Conflict(_("该任务已完成。"))
    text = _text(text, "text", _("进展情况"))
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise InvalidInput(_("完成进度须是 0 到 100 之间的整数。"), fields={"percent": "invalid"}) from None
    if not 0 <= percent <= 100:
        raise InvalidInput(_("完成进度须是 0 到 100 之间的整数。"), fields={"percent": "invalid"})
    if percent < task.percent:
        raise InvalidInput(_("完成进度不能低于上次的 %(n)d%%。") % {"n": task.percent}, fields={"percent": "lower"})
    processed = [photo_processing.process(p) for p in photos]
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)  # two updates at once: one after the other
        if locked.status == TaskStatus.DONE:
            raise Conflict(_("该任务已完成。"))
        if percent < locked.percent:
            raise InvalidInput(_("完成进度不能低于上次的 %(n)d%%。") % {"n": locked.percent},
                               fields={"percent": "lower"})
        update = TaskUpdate.objects.create(task=task, text=text, percent=percent, at=now, author=actor)
        for index, photo in enumerate(processed, start=1):
            row = TaskPhoto(update=update, content_type=photo.content_type, size=len(photo.content),
                            width=photo.width, height=photo.height)
            row.image.save(f"task-{task.pk}-{update.pk}-{index}-{secrets.token_hex(4)}.{photo.extension}",
                           ContentFile(photo.content), save=False)
            row.save()
        task.percent = percent
        task.status = TaskStatus.DONE if percent == 100 else TaskStatus.ACTIVE
        task.done_at = now if percent == 100 else None
        task.save(update_fields=["percent", "status", "done_at", "updated_at"])
        record(actor=actor, action="deliberation.task.update", obj=task, request=request,
               after={"percent": percent, "photos": len(processed)})
        if task.status == TaskStatus.DONE and not topic.tasks.exclude(status=TaskStatus.DONE).exists():
            Topic.objects.filter(pk=topic.pk).update(status=TopicStatus.DONE, updated_at=now)
            topic.status = TopicStatus.DONE
            record(actor=actor, action="deliberation.topic.done", obj=topic, request=request)
    return update


def open_case(*, actor, task: Task, description: str, request=None):
    """A decision can open cases: a case in the topic's area, linked to the task."""
    from gongzhi.cases.services import report_case

    _require_manage(actor, task.topic)
    if task.case_id is not None:
        raise Conflict(_("该任务已关联事件 %(number)s。") % {"number": task.case.number})
    description = _text(description, "description", _("事件描述"))

    def link(case) -> None:
        Task.objects.filter(pk=task.pk).update(case=case, updated_at=timezone.now())
        record(actor=actor, action="deliberation.task.case", obj=task, request=request,
               after={"case": case.number})

    case = report_case(actor=actor, description=description, area=task.area, request=request, within=link)
    task.case = case
    return case


# --- Evaluation -------------------------------------------------------------------------------------

def eligible_to_evaluate(user, topic: Topic) -> bool:
    """A verified resident (an account bound to a registry person) living in the topic's scope."""
    from gongzhi.registry.models import ResidentLink

    link = (ResidentLink.objects.filter(user_id=user.pk).select_related("person__area", "person__house__building")
            .first()) if user.is_authenticated else None
    return person_may_evaluate(link.person if link is not None else None, topic)


def person_may_evaluate(person, topic: Topic) -> bool:
    """A current resident living in the topic's scope (its area, estate or building)."""
    if person is None or person.deceased or person.moved_out:
        return False
    if not person.area.path.startswith(topic.area.path):
        return False
    house = person.house
    if topic.building_id is not None:
        return house is not None and house.building_id == topic.building_id
    if topic.estate_id is not None:
        return house is not None and house.building is not None and house.building.estate_id == topic.estate_id
    return True


def evaluate(*, actor, topic: Topic, rating, comment: str = "", on_behalf: OnBehalf | None = None,
             request=None) -> Evaluation:
    """A resident's rating of a done topic, online or entered by staff for them (``on_behalf``, 代办):
    one per resident (person, and account) and topic."""
    if topic.status != TopicStatus.DONE:
        raise Conflict(_("议题办结后才能评价。"))
    acting = (on_behalf.check(staff=actor, area=topic.area, perm=Perm.DELIBERATION_MANAGE)
              if on_behalf is not None else None)
    if acting is not None:
        if not person_may_evaluate(acting.person, topic):
            raise InvalidInput(_("%(name)s不在议题范围内，不能代为评价。") % {"name": acting.person.real_name},
                               fields={"person": "scope"})
        user, person = acting.account, acting.person
    elif not eligible_to_evaluate(actor, topic):
        raise NotAllowed(_("只有议题范围内已实名核验的居民才能评价。"))
    else:
        from gongzhi.registry.on_behalf import person_of

        user, person = actor, person_of(actor)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if rating not in Rating.values:
        raise InvalidInput(_("请选择满意度。"), fields={"rating": "invalid"})
    comment = _text(comment, "comment", _("意见建议"), required=False, limit=500)
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(topic=topic, user=user, person=person, rating=rating,
                                                   comment=comment, **(acting.fields() if acting else {}))
            if acting is not None:
                record(actor=actor, action="deliberation.evaluate_on_behalf", obj=topic, request=request,
                       after={"rating": rating, **acting.audit()})
            else:
                record(actor=actor, action="deliberation.evaluate", obj=topic, request=request,
                       after={"rating": rating})
    except IntegrityError:
        if acting is not None:
            raise Conflict(_("%(name)s已评价过该议题（本人在网上或经工作人员代办），不能重复评价。") % {
                "name": person.real_name}, code="already_evaluated") from None
        raise Conflict(_("您已评价过该议题（本人或经社区工作人员代办）。"), code="already_evaluated") from None
    if acting is not None:
        acting.notify(title=_("社区工作人员已代您评价议题的落实结果：%(title)s") % {"title": topic.title[:60]},
                      link=reverse("deliberation:topic_tasks", args=[topic.pk]), kind="deliberation")
    return evaluation


@dataclass
class SurveySummary:
    levels: list[tuple[int, str, int]] = field(default_factory=list)  # (level, label, count), 5 → 1
    total: int = 0
    satisfied: int = 0

    @property
    def satisfied_share(self) -> str:
        if not self.total:
            return "—"
        return f"{float(Fraction(self.satisfied, self.total) * 100):.1f}%"


def survey_summary(topic: Topic) -> SurveySummary:
    counts = Counter(topic.evaluations.values_list("rating", flat=True))
    summary = SurveySummary()
    for value, label in sorted(Rating.choices, reverse=True):
        summary.levels.append((value, str(label), counts.get(value, 0)))
    summary.total = sum(counts.values())
    summary.satisfied = sum(n for value, n in counts.items() if value >= SATISFIED_FROM)
    return summary


def public_comments(topic: Topic) -> list[str]:
    """The residents' comments, without who wrote them."""
    return [c for c in topic.evaluations.exclude(comment="").values_list("comment", flat=True)[:50]]


# --- The public record --------------------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime | datetime.date | None
    stage: str
    text: str
    detail: str = ""
    rank: int = 0  # the stage's place in the process: orders entries of the same moment


def _result_text(result) -> str:
    if not isinstance(result, dict):
        return ""
    passed = result.get("passed")
    head = _("通过") if passed else _("未通过")
    checks = result.get("checks") or []
    parts = [f"{c.get('name', '')} {c.get('actual', '')} {c.get('required', '')} {'✓' if c.get('met') else '✗'}"
             for c in checks if isinstance(c, dict)]
    return head + ("：" + "；".join(parts) if parts else "")


def timeline(topic: Topic, tasks: list[Task] | None = None) -> list[TimelineEntry]:
    """The whole public record of a topic, oldest first: proposal → screening → discussion and
    meetings → vote results → tasks and updates → evaluation. No internal notes, no staff names."""
    entries = [TimelineEntry(topic.created_at, _("提出"), _("议题提出：%(title)s") % {"title": topic.title}, rank=0)]
    if topic.screened_at:
        accepted = topic.status != TopicStatus.REFUSED
        entries.append(TimelineEntry(topic.screened_at, _("审核"), _("受理，进入协商") if accepted else _("不予受理"),
                                     topic.screen_reason if not accepted else "", rank=1))
    for meeting in topic.meetings.filter(status="held").order_by("scheduled_at", "pk"):
        detail = _("应到 %(e)d 人，实到 %(p)d 人") % {"e": meeting.expected, "p": meeting.present}
        if meeting.opinion:
            detail += "；" + _("形成意见：%(o)s") % {"o": meeting.opinion}
        entries.append(TimelineEntry(meeting.scheduled_at, _("协商"), meeting.title, detail, rank=2))
    if topic.opinion:
        entries.append(TimelineEntry(topic.discussion_closes or topic.screened_at or topic.created_at, _("协商"),
                                     _("协商意见"), topic.opinion, rank=2))
    for vote in topic.votes.filter(cancelled_at__isnull=True, tallied_at__isnull=False).order_by("closes", "pk"):
        entries.append(TimelineEntry(vote.tallied_at, _("表决"), _("表决结果：%(title)s") % {"title": vote.title},
                                     _result_text(vote.result), rank=3))
    for task in tasks if tasks is not None else tasks_of(topic):
        entries.append(TimelineEntry(task.created_at, _("落实"), _("落实任务：%(title)s（责任单位：%(unit)s，期限 %(d)s）") % {
            "title": task.title, "unit": task.owner_unit, "d": task.deadline.isoformat()}, rank=4))
        for update in task.updates.all():
            entries.append(TimelineEntry(update.at, _("落实"), _("%(title)s 进展 %(p)d%%") % {
                "title": task.title, "p": update.percent}, update.text, rank=5))
    summary = survey_summary(topic)
    if summary.total:
        last = topic.evaluations.order_by("-created_at").values_list("created_at", flat=True).first()
        entries.append(TimelineEntry(last, _("评价"), _("居民评价 %(n)d 份，满意率 %(s)s") % {
            "n": summary.total, "s": summary.satisfied_share}, rank=6))

    def key(entry: TimelineEntry):
        at = entry.at
        if isinstance(at, datetime.date) and not isinstance(at, datetime.datetime):
            at = timezone.make_aware(datetime.datetime.combine(at, datetime.time()))
        return (at or timezone.now(), entry.rank)

    return sorted(entries, key=key)


def panel_context(user, topic: Topic) -> dict:
    """What ``deliberation/_followup_panel.html`` needs (the topic page includes it)."""
    tasks = tasks_of(topic)
    today = timezone.localdate()
    for task in tasks:
        task.overdue = task.is_overdue(today)
    return {
        "topic": topic, "tasks": tasks, "may_manage": may_manage(user, topic),
        "summary": survey_summary(topic) if topic.status == TopicStatus.DONE else None,
        "evaluation_comments": public_comments(topic) if topic.status == TopicStatus.DONE else [],
        "may_evaluate": (topic.status == TopicStatus.DONE and eligible_to_evaluate(user, topic)
                         and not topic.evaluations.filter(user_id=user.pk).exists()),
        "rating_choices": sorted(Rating.choices, reverse=True),
        "timeline": timeline(topic, tasks),
    }
