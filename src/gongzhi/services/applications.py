"""Applications: submitted online or at a counter, passed through the item's steps, corrected at most
once on request (一次性告知补正), decided with reasons, a certificate issued at the end where the item
gives one, and rated by the applicant (好差评).

Who acts on a step: a community step, staff handling applications in the accepting community; a
street step, staff whose area holds the community's street (or the district); a department step, the
department named on the step (or the district). Whoever accepts the application owns it until it is
handed over (首问负责). Every step is audited and the applicant notified.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm, perm_paths
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area
from gongzhi.audit.services import record
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed

from . import certificates, eligibility
from .models import (
    AcceptAt,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Channel,
    ServiceItem,
    ServiceStep,
    StepLevel,
)

RATING_LABELS = {5: _("非常满意"), 4: _("满意"), 3: _("基本满意"), 2: _("不满意"), 1: _("非常不满意")}
SATISFIED = frozenset({5, 4, 3})  # the first three of the five 好差评 levels count as satisfied


def _calendar(now: datetime.datetime):
    from gongzhi.cases.worktime import load_calendar

    return load_calendar(timezone.localdate(now))


def _due(now: datetime.datetime, days: int, calendar=None) -> datetime.datetime:
    """``days`` working days after ``now`` (pass ``calendar`` to reuse one already loaded)."""
    from gongzhi.cases.worktime import WORKDAY

    return (calendar or _calendar(now)).add(now, days, WORKDAY)


def steps_of(item: ServiceItem) -> list[ServiceStep]:
    return list(item.steps.order_by("order"))


def may_accept_at(item: ServiceItem, person, community: Area) -> bool:
    """全区通办: any community of the applicant's district accepts the item; otherwise only their own."""
    if item.district_wide:
        return community.path.split("/")[1] == person.area.path.split("/")[1]
    return person.area.path.startswith(community.path)


def _notify(application: Application, title: str, body: str = "") -> None:
    if application.applicant_user_id is None:
        return
    from gongzhi.notices.services import send_notice

    send_notice(recipients=[application.applicant_user], title=f"{application.item.name}：{title}", body=body,
                kind="services")


def _event(application, action: str, actor, now, note: str = "", public: bool = True) -> ApplicationEvent:
    return ApplicationEvent.objects.create(application=application, action=action, step=application.step,
                                           actor=actor, at=now, note=note, public=public)


def _save_numbered(application: Application, now: datetime.datetime) -> None:
    """``SQ20261207`` and the day's sequence (00001…); a number taken meanwhile is skipped."""
    day = timezone.localdate(now).strftime("%Y%m%d")
    base = Application.objects.filter(number__startswith=f"SQ{day}").count()
    for attempt in range(50):
        application.number = f"SQ{day}{base + 1 + attempt:05d}"
        try:
            with transaction.atomic():
                application.save()
            return
        except IntegrityError:
            continue
    raise Conflict(_("申请编号分配失败，请稍后重试。"))


@transaction.atomic
def submit(*, actor, item: ServiceItem, person, data: dict | None = None, channel: str = Channel.ONLINE,
           community: Area | None = None, now=None, request=None) -> Application:
    """File an application for ``person``: online by the resident bound to that person, or by staff at a
    counter (``community`` is where it is accepted; the applicant's own by default)."""
    now = now or timezone.now()
    if not item.active:
        raise InvalidInput(_("该事项已停止受理。"), code="item_inactive")
    if channel not in Channel.values:
        raise InvalidInput(_("受理方式无效。"), fields={"channel": "invalid"})
    online = channel == Channel.ONLINE
    if online:
        link = getattr(actor, "resident_link", None) if actor is not None else None
        if link is None or link.person_id != person.pk:
            raise NotAllowed(_("请先完成居民身份核验，只能为本人申请。"))
        community = community or certificates.community_of(person.area)
    else:
        community = community or certificates.community_of(person.area)
        if community is None or not has_perm(actor, Perm.SERVICES_HANDLE, community):
            raise NotAllowed(_("您不能在该社区受理申请。"))
    if community is None:
        raise InvalidInput(_("申请人不在任何社区，无法受理。"), fields={"community": "invalid"})
    if item.accept_at == AcceptAt.STREET and not online and not _holds_above(actor, community):
        raise NotAllowed(_("该事项由街道（乡镇）便民服务中心受理。"))
    if not may_accept_at(item, person, community):
        raise InvalidInput(_("“%(item)s”不在全区通办范围，请到申请人户籍或居住地所在社区办理。") % {"item": item.name},
                           code="not_district_wide", fields={"community": "elsewhere"})
    failed = eligibility.reasons(item, person, today=timezone.localdate(now))
    if failed:
        raise InvalidInput(_("不符合申请条件：%(reasons)s") % {"reasons": "；".join(failed)}, code="not_eligible",
                           fields={"applicant": failed})
    if Application.objects.filter(item=item, applicant=person, status__in=[ApplicationStatus.PROCESSING,
                                                                           ApplicationStatus.CORRECTION]).exists():
        raise Conflict(_("该居民已有一件“%(item)s”正在办理，请勿重复申请。") % {"item": item.name})
    steps = steps_of(item)
    calendar = _calendar(now)  # one load of the working calendar for both deadlines
    application = Application(
        item=item, applicant=person, applicant_user=actor if online else getattr(
            getattr(person, "account_link", None), "user", None),
        channel=channel, accepted_by=community, owner=None if online else actor, data=_clean_data(item, data or {}),
        submitted_at=now, due=_due(now, item.time_limit_days, calendar),
        step_due=_due(now, steps[0].days, calendar) if steps else None)
    _save_numbered(application, now)
    _event(application, "submit", actor, now, _("%(channel)s，%(community)s受理") % {
        "channel": application.get_channel_display(), "community": community.name})
    record(actor=actor, action="services.application_submit", obj=application,
           object_repr=f"{item.name} {application.number}",
           after={"number": application.number, "item": item.code, "channel": channel, "community": community.code},
           request=request)
    _notify(application, _("申请已受理，编号 %(number)s") % {"number": application.number})
    if not steps:
        return _finish(application, actor=actor, approved=True, reason=_("即时办结。"), now=now, request=request)
    return application


def _clean_data(item: ServiceItem, data: dict) -> dict:
    """The form's values for the item's own fields, each checked; ``InvalidInput`` names the field."""
    clean, errors = {}, {}
    for field in item.form_fields or []:
        name, kind = field.get("name"), field.get("type", "text")
        if kind in ("file", "person"):
            continue  # materials and people are attached on their own, not typed
        value = str(data.get(name, "") or "").strip()[:500]
        if not value:
            if field.get("required"):
                errors[name] = _("请填写“%(label)s”。") % {"label": field.get("label", name)}
            continue
        if kind == "number":
            try:
                value = str(int(value))
            except ValueError:
                errors[name] = _("“%(label)s”须为整数。") % {"label": field.get("label", name)}
                continue
        elif kind == "date":
            try:
                value = datetime.date.fromisoformat(value).isoformat()
            except ValueError:
                errors[name] = _("“%(label)s”须为日期（如 2026-03-07）。") % {"label": field.get("label", name)}
                continue
        elif kind == "choice" and value not in {str(c[0]) for c in field.get("choices", [])}:
            errors[name] = _("“%(label)s”的选项无效。") % {"label": field.get("label", name)}
            continue
        clean[name] = value
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)
    return clean


def _holds_above(actor, community: Area) -> bool:
    """Whether ``actor`` handles applications above ``community`` (its street, or the whole district)."""
    return any(community.path.startswith(path) and path != community.path
               for path in perm_paths(actor, Perm.SERVICES_HANDLE))


def may_act(actor, application: Application, step: ServiceStep | None) -> bool:
    if step is None or not has_perm(actor, Perm.SERVICES_HANDLE, application.accepted_by):
        return False
    if step.level == StepLevel.COMMUNITY:
        return True
    if step.level == StepLevel.STREET:
        return _holds_above(actor, application.accepted_by)
    from gongzhi.cases.models.case import department_ids

    if step.department_code:
        from gongzhi.accounts.models import Department

        wanted = Department.objects.filter(code=step.department_code).values_list("pk", flat=True).first()
        if wanted is not None and wanted in department_ids(actor):
            return True
    district = application.accepted_by.path.split("/")[1]
    return any(path == f"/{district}/" for path in perm_paths(actor, Perm.SERVICES_HANDLE))


def current_step(application: Application) -> ServiceStep | None:
    return application.item.steps.filter(order=application.step).first()


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related("item", "applicant__area", "accepted_by").get(
        pk=application.pk)


@transaction.atomic
def ask_correction(*, actor, application: Application, missing: str, now=None, request=None) -> Application:
    """一次性告知: everything missing, in one list, once; the clock waits for the resubmission."""
    now = now or timezone.now()
    application = _locked(application)
    step = current_step(application)
    if application.status != ApplicationStatus.PROCESSING or not may_act(actor, application, step):
        raise NotAllowed(_("当前环节不由您办理。"))
    if application.correction_asked:
        raise Conflict(_("补正已一次性告知过，不能再次要求补正；请按现有材料作出决定。"))
    missing = (missing or "").strip()
    if not missing:
        raise InvalidInput(_("请一次性列明需要补正的全部内容。"), fields={"missing": "required"})
    application.status = ApplicationStatus.CORRECTION
    application.correction_asked = True
    application.correction_items = missing[:2000]
    application.owner = application.owner or actor
    application.save(update_fields=["status", "correction_asked", "correction_items", "owner"])
    _event(application, "ask_correction", actor, now, missing[:2000])
    record(actor=actor, action="services.application_correction", obj=application,
           object_repr=application.number, reason=missing[:500], request=request)
    _notify(application, _("请补正材料"), missing[:500])
    return application


@transaction.atomic
def resubmit(*, actor, application: Application, data: dict | None = None, note: str = "", now=None,
             request=None) -> Application:
    """The applicant (or the staff who accepted it, for them) answers the correction request."""
    now = now or timezone.now()
    application = _locked(application)
    own = application.applicant_user_id is not None and getattr(actor, "pk", None) == application.applicant_user_id
    if not own and not has_perm(actor, Perm.SERVICES_HANDLE, application.accepted_by):
        raise NotAllowed(_("只有申请人或受理社区可以补正。"))
    if application.status != ApplicationStatus.CORRECTION:
        raise Conflict(_("该申请不在待补正状态。"))
    if data:
        application.data = {**application.data, **_clean_data(application.item, {**application.data, **data})}
    application.status = ApplicationStatus.PROCESSING
    step = current_step(application)
    application.step_due = _due(now, step.days) if step else None
    application.save(update_fields=["status", "form_data", "step_due"])
    _event(application, "resubmit", actor, now, (note or "").strip()[:500])
    record(actor=actor, action="services.application_resubmit", obj=application, object_repr=application.number,
           request=request)
    return application


@transaction.atomic
def approve_step(*, actor, application: Application, note: str = "", now=None, request=None) -> Application:
    """The current step passes: on to the next, or, at the last, the application is granted (and the
    item's certificate issued)."""
    now = now or timezone.now()
    application = _locked(application)
    step = current_step(application)
    if application.status != ApplicationStatus.PROCESSING or not may_act(actor, application, step):
        raise NotAllowed(_("当前环节不由您办理。"))
    application.owner = application.owner or actor
    _event(application, "approve_step", actor, now, (note or "").strip()[:500] or _("%(step)s通过") % {"step": step.name})
    following = application.item.steps.filter(order__gt=application.step).order_by("order").first()
    record(actor=actor, action="services.application_step", obj=application, object_repr=application.number,
           after={"step": step.name, "passed": True}, request=request)
    if following is not None:
        application.step = following.order
        application.step_due = _due(now, following.days)
        application.save(update_fields=["step", "step_due", "owner"])
        _notify(application, _("已进入“%(step)s”环节") % {"step": following.name})
        return application
    application.save(update_fields=["owner"])
    return _finish(application, actor=actor, approved=True, reason=(note or "").strip() or _("准予。"), now=now,
                   request=request)


@transaction.atomic
def reject(*, actor, application: Application, reason: str, now=None, request=None) -> Application:
    now = now or timezone.now()
    application = _locked(application)
    if application.finished or not may_act(actor, application, current_step(application)):
        raise NotAllowed(_("当前环节不由您办理。"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("不予办理须说明理由。"), fields={"reason": "required"})
    return _finish(application, actor=actor, approved=False, reason=reason[:2000], now=now, request=request)


def _finish(application: Application, *, actor, approved: bool, reason: str, now, request) -> Application:
    application.status = ApplicationStatus.APPROVED if approved else ApplicationStatus.REJECTED
    application.decision_reason = reason
    application.finished_at = now
    application.step_due = None
    if approved and application.item.certificate_kind_id:
        application.certificate = certificates.issue(
            actor=actor, kind=application.item.certificate_kind, holder=application.applicant,
            purpose=application.data.get("purpose") or application.item.name, issuer=application.accepted_by,
            now=now, request=request)
    application.save(update_fields=["status", "decision_reason", "finished_at", "step_due", "certificate"])
    _event(application, "approve" if approved else "reject", actor, now, reason)
    record(actor=actor, action="services.application_decide", obj=application, object_repr=application.number,
           after={"status": application.status}, reason=reason[:500], request=request)
    _notify(application, _("已办结：%(result)s") % {"result": application.get_status_display()}, reason[:500])
    return application


@transaction.atomic
def rate(*, actor, application: Application, rating: int, comment: str = "", now=None, request=None) -> Application:
    """好差评: the applicant rates a finished application once, five levels."""
    now = now or timezone.now()
    application = _locked(application)
    if application.applicant_user_id is None or getattr(actor, "pk", None) != application.applicant_user_id:
        raise NotAllowed(_("只有申请人可以评价。"))
    if not application.finished:
        raise Conflict(_("办结后才能评价。"))
    if application.rating is not None:
        raise Conflict(_("已评价过，不能重复评价。"))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if rating not in RATING_LABELS:
        raise InvalidInput(_("请选择评价等级。"), fields={"rating": "invalid"})
    application.rating = rating
    application.rating_comment = (comment or "").strip()[:300]
    application.save(update_fields=["rating", "rating_comment"])
    _event(application, "rate", actor, now, f"{RATING_LABELS[rating]} {application.rating_comment}".strip())
    record(actor=actor, action="services.application_rate", obj=application, object_repr=application.number,
           after={"rating": rating}, request=request)
    return application
