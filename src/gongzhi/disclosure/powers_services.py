"""Use cases of the small-powers list: configuring the catalogue (district) and logging each exercise
of a power (community staff), with the public summary checked for personal data. Every write is audited."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record
from gongzhi.privacy.masking import mask_free_text
from gongzhi.registry.models import Person

from .models import AppliesTo, ExerciseOutcome, PowerExercise, PowerItem, PowerStep

ITEM_FIELDS = ("name", "applies_to", "legal_basis", "responsible", "time_limit", "description", "sort", "active")
STEP_SEPARATORS = re.compile(r"\s*[|｜]\s*")


def parse_steps(text: str) -> list[tuple[str, str]]:
    """Steps written one a line, ``步骤｜承办`` (the part after ``|`` or ``｜`` optional)."""
    steps = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        title, actor = (*STEP_SEPARATORS.split(line.strip(), maxsplit=1), "")[:2]
        steps.append((title.strip(), (actor or "").strip()))
    return steps


def steps_text(item: PowerItem) -> str:
    return "\n".join(f"{s.title}｜{s.actor}" if s.actor else s.title for s in item.steps.order_by("order"))


def _require_configure(actor) -> None:
    if not has_perm(actor, Perm.DISCLOSURE_CONFIGURE):
        raise PermissionDenied


@transaction.atomic
def save_item(*, actor, item: PowerItem | None = None, code: str = "", steps: list[tuple[str, str]],
              request=None, **values) -> PowerItem:
    """Create or change a power item and its steps. Steps are matched by position: a step an exercise
    has reached cannot be removed (its record would lose the step it names)."""
    _require_configure(actor)
    errors: dict[str, list] = {}
    if not steps:
        errors["steps"] = [_("至少需要一个办理步骤。")]
    for title, step_actor in steps:
        if not title or len(title) > 60 or len(step_actor) > 60:
            errors["steps"] = [_("每个步骤的名称必填，步骤名称和承办各不超过60个字。")]
            break
    if len(steps) > 20:
        errors["steps"] = [_("办理步骤不能超过20步。")]
    creating = item is None
    if creating:
        if not code or PowerItem.objects.filter(code=code).exists():
            errors["code"] = [_("编码必填且不能与已有事项重复。")]
        item = PowerItem(code=code)
    # As stored (a model form may have changed the instance already).
    stored = None if creating else PowerItem.objects.get(pk=item.pk)
    before = None if creating else {**{f: getattr(stored, f) for f in ITEM_FIELDS}, "steps": steps_text(stored)}
    for field in ITEM_FIELDS:
        if field in values:
            setattr(item, field, values[field])
    try:
        item.full_clean(exclude=["code"] if not creating else None)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    existing = {} if creating else {s.order: s for s in item.steps.all()}
    if not creating and len(steps) < len(existing):
        used = set(PowerExercise.objects.filter(step__item=item, step__order__gt=len(steps))
                   .values_list("step__order", flat=True))
        if used:
            errors["steps"] = [_("已有运行记录办理到第%(n)d步，不能删除该步骤。") % {"n": min(used)}]
    if errors:
        raise ValidationError(errors)
    item.save()
    for order, (title, step_actor) in enumerate(steps, start=1):
        step = existing.pop(order, None) or PowerStep(item=item, order=order)
        step.title, step.actor = title, step_actor
        step.save()
    PowerStep.objects.filter(pk__in=[s.pk for s in existing.values()]).delete()
    after = {**{f: getattr(item, f) for f in ITEM_FIELDS}, "steps": steps_text(item)}
    record(actor=actor, action="disclosure.power_item_create" if creating else "disclosure.power_item_update",
           obj=item, before=before, after=after, request=request)
    return item


# --- Exercises -----------------------------------------------------------------------------------

def _squash(text: str) -> str:
    """For comparing: NFKC, no spaces or separators, upper case (ID check letter ``x`` = ``X``)."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\-·.]", "", text).upper()


def personal_data_errors(summary: str, subject: Person | None) -> list[str]:
    """Why ``summary`` may not be published: it names the linked person, gives their ID number, phone
    or address, or holds any ID-number- or mobile-shaped number. Empty when it is fit to publish."""
    problems = []
    squashed = _squash(summary)
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", summary or ""))
    if subject is not None:
        name = _squash(subject.real_name)
        if len(name) >= 2 and name in squashed:
            problems.append(_("公开摘要含有当事人的姓名，请改用“申请人”“某户”等称呼。"))
        id_number = _squash(subject.id_number)
        if id_number and (id_number in squashed or (id_number[:-1].isdigit() and id_number[:-1] in digits)):
            problems.append(_("公开摘要含有当事人的身份证号码，请删除。"))
        phone = re.sub(r"\D", "", subject.phone or "")
        if len(phone) >= 7 and phone in digits:
            problems.append(_("公开摘要含有当事人的联系电话，请删除。"))
        house = subject.house if subject.house_id else None
        address = _squash(house.address if house else subject.address_text)
        if len(address) >= 4 and address in squashed:
            problems.append(_("公开摘要含有当事人的住址，请删除。"))
    if not problems and mask_free_text(summary) != summary:
        problems.append(_("公开摘要含有身份证号码或手机号码，请删除。"))
    return problems


def community_of(area: Area) -> Area | None:
    """The community-level area (社区/村) ``area`` is or lies in."""
    while area is not None and area.level != Level.COMMUNITY:
        if area.level in (Level.DISTRICT, Level.STREET):
            return None
        area = area.parent
    return area


def item_applies(item: PowerItem, community: Area) -> bool:
    if item.applies_to == AppliesTo.BOTH:
        return True
    return (item.applies_to == AppliesTo.VILLAGE) == community.in_village


def items_for(community: Area):
    """The active items of the catalogue that apply to ``community`` (社区 or 村), steps prefetched."""
    items = PowerItem.objects.filter(active=True).prefetch_related("steps").order_by("sort", "code")
    kind = AppliesTo.VILLAGE if community.in_village else AppliesTo.NEIGHBOURHOOD
    return items.filter(applies_to__in=[AppliesTo.BOTH, kind])


def find_subject(actor, id_number: str) -> Person | None:
    """The person with ``id_number`` among those ``actor`` may see, or a ``ValidationError``."""
    if not (id_number or "").strip():
        return None
    person = Person.objects.visible_to(actor).with_id_number(id_number.strip()).first()
    if person is None:
        raise ValidationError({"subject_id_number": _("在您的辖区档案中没有找到该身份证号码对应的人员。")})
    return person


@transaction.atomic
def log_exercise(*, actor, item: PowerItem, area: Area, date: datetime.date, step: PowerStep, outcome: str,
                 public_summary: str, subject: Person | None = None, request=None) -> PowerExercise:
    """Record one exercise of ``item`` by the community ``area``."""
    if area is None or area.level != Level.COMMUNITY or not has_perm(actor, Perm.DISCLOSURE_PUBLISH, area):
        raise PermissionDenied
    errors: dict[str, list] = {}
    if not item.active or not item_applies(item, area):
        errors["item"] = [_("该权力事项不适用于%(area)s。") % {"area": area.name}]
    if step.item_id != item.pk:
        errors["step"] = [_("所选步骤不属于该权力事项。")]
    if date > timezone.localdate():
        errors["date"] = [_("日期不能晚于今天。")]
    if outcome not in ExerciseOutcome.values:
        errors["outcome"] = [_("请选择结果。")]
    summary = (public_summary or "").strip()
    if not summary:
        errors["public_summary"] = [_("请填写公开摘要。")]
    elif len(summary) > 500:
        errors["public_summary"] = [_("公开摘要不能超过500个字。")]
    else:
        problems = personal_data_errors(summary, subject)
        if problems:
            errors["public_summary"] = problems
    if subject is not None and not Person.objects.visible_to(actor).filter(pk=subject.pk).exists():
        errors["subject_id_number"] = [_("在您的辖区档案中没有找到该身份证号码对应的人员。")]
    if errors:
        raise ValidationError(errors)
    exercise = PowerExercise.objects.create(item=item, area=area, date=date, step=step, outcome=outcome,
                                            public_summary=summary, subject=subject, recorded_by=actor)
    record(actor=actor, action="disclosure.power_exercise_log", obj=exercise, request=request, after={
        "item": item.code, "area": area.code, "date": date, "step": step.order, "outcome": outcome,
        "public_summary": summary, "subject": subject.pk if subject else None})
    return exercise
