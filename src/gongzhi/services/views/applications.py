"""Applications on pages: a verified resident applies (what the registry holds is shown, not asked;
eligibility is checked before submitting) and follows it; staff accept at the counter, work the queue
and act on each step. Residents see the public timeline only: no internal notes, no staff names."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core.errors import DomainError
from gongzhi.core.pagination import page_query
from gongzhi.privacy.masking import mask, mask_id_number, mask_phone

from .. import applications as service
from .. import eligibility, selectors
from ..forms import ApplicationForm, CounterForm, RateForm, StaffActionForm
from .people import pick_person
from ..models import ApplicationStatus, StepLevel

PAGE_SIZE = 30
STATUS_TABS = [("open", _("办理中")), ("correction", _("待补正")), ("approved", _("已准予")), ("rejected", _("不予办理")),
               ("", _("全部"))]
ACTION_LABELS = {"submit": _("提交申请"), "ask_correction": _("一次性告知补正"), "resubmit": _("补正后重新提交"),
                 "approve_step": _("环节办理通过"), "approve": _("办结：准予"), "reject": _("办结：不予办理"),
                 "rate": _("评价")}
# Who acted, as the applicant sees it: the level, never the person.
LEVEL_NAMES = {StepLevel.COMMUNITY: _("社区"), StepLevel.STREET: _("街道"), StepLevel.DEPARTMENT: _("区职能部门")}


def _prefilled(person) -> list[tuple[str, str]]:
    """What the registry already holds about the applicant, shown instead of asked (masked)."""
    return [(_("姓名"), person.real_name), (_("身份证号码"), mask_id_number(person.id_number)),
            (_("联系电话"), mask_phone(person.phone) or _("未登记")), (_("居住地址"), person.address_text or _("未登记")),
            (_("户籍类别"), person.get_registration_display() or _("未登记"))]


def _data_rows(application) -> list[tuple[str, str]]:
    """The form's answers by their labels, a choice by its words (the stored values are codes)."""
    rows = []
    for spec in application.item.form_fields or []:
        value = application.data.get(spec.get("name"))
        if value in (None, ""):
            continue
        if spec.get("type") == "choice":
            value = dict((str(v), label) for v, label in spec.get("choices", [])).get(str(value), value)
        if spec.get("sensitive"):  # a bank account and the like: masked on the page (kinds: privacy.masking)
            value = mask(spec["sensitive"], value)
        rows.append((spec.get("label", spec.get("name")), value))
    return rows


def _form_errors(form, error: DomainError) -> None:
    fields = error.fields if isinstance(error.fields, dict) else {}
    placed = False
    for name, message in fields.items():
        if name in form.fields and isinstance(message, str) and message not in ("required", "invalid"):
            form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, code: str):
    item = selectors.item_for(code)
    person = selectors.linked_person(request.user)
    if person is None:
        messages.info(request, _("网上申请须先完成居民身份核验。"))
        return redirect("registry:verify")
    failed = eligibility.reasons(item, person, today=timezone.localdate())
    form = ApplicationForm(request.POST or None, item=item)
    if request.method == "POST" and not failed and form.is_valid():
        try:
            application = service.submit(actor=request.user, item=item, person=person, data=form.values(),
                                         request=request)
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("申请已提交，编号 %(number)s。") % {"number": application.number})
            return redirect("services:mine_detail", number=application.number)
    return render(request, "services/apply.html", {
        "item": item, "form": form, "failed": failed, "prefilled": _prefilled(person),
        "materials": list(item.materials.all()),
    })


@login_required
@require_GET
def mine(request):
    page = Paginator(selectors.my_applications(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "services/mine.html", {"page": page})


def _public_timeline(application) -> list[dict]:
    levels = {step.order: step.level for step in application.item.steps.all()}
    return [{"at": e.at, "action": ACTION_LABELS.get(e.action, e.action), "note": e.note,
             "who": _("申请人") if e.actor_id and e.actor_id == application.applicant_user_id
             else LEVEL_NAMES.get(levels.get(e.step), _("受理社区"))}
            for e in application.events.filter(public=True).order_by("at", "pk")]


@login_required
@require_GET
def mine_detail(request, number: str):
    application = selectors.my_application(request.user, number)
    return render(request, "services/mine_detail.html", {
        "a": application, "timeline": _public_timeline(application), "steps": list(application.item.steps.all()),
        "form": ApplicationForm(initial=application.data, item=application.item), "rate_form": RateForm(),
    })


@login_required
@require_POST
def mine_resubmit(request, number: str):
    application = selectors.my_application(request.user, number)
    form = ApplicationForm(request.POST, item=application.item)
    if form.is_valid():
        try:
            service.resubmit(actor=request.user, application=application, data=form.values(),
                             note=request.POST.get("note", "")[:500], request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已重新提交，社区将继续办理。"))
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("services:mine_detail", number=application.number)


@login_required
@require_POST
def mine_rate(request, number: str):
    application = selectors.my_application(request.user, number)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            service.rate(actor=request.user, application=application, rating=form.cleaned_data["rating"],
                         comment=form.cleaned_data["comment"], request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("感谢评价。"))
    else:
        messages.error(request, _("请选择评价等级。"))
    return redirect("services:mine_detail", number=application.number)


def _require_handle(user) -> None:
    if not selectors.may_handle(user):
        raise PermissionDenied


@login_required
@require_GET
def queue(request):
    _require_handle(request.user)
    status = request.GET.get("status", "open")
    status = status if status in {key for key, _label in STATUS_TABS} else "open"
    q = request.GET.get("q", "").strip()[:40]
    page = Paginator(selectors.applications_for(request.user, status=status, q=q), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "services/applications.html", {
        "page": page, "status": status, "tabs": STATUS_TABS, "q": q, "query": page_query(request),
        "now": timezone.now(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def counter(request):
    """一窗受理: find the resident, choose the item, fill in what the registry does not hold."""
    _require_handle(request.user)
    person, q, found = pick_person(request)
    items = list(selectors.catalogue())
    item = next((i for i in items if i.code == request.GET.get("item")), None)
    failed = eligibility.reasons(item, person, today=timezone.localdate()) if item and person else []
    form = ApplicationForm(request.POST or None, item=item) if item else None
    channel = CounterForm(request.POST or None)
    if request.method == "POST" and item and person and not failed and form.is_valid() and channel.is_valid():
        try:
            application = service.submit(actor=request.user, item=item, person=person, data=form.values(),
                                         channel=channel.cleaned_data["channel"], request=request)
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("已受理，编号 %(number)s。") % {"number": application.number})
            return redirect("services:application", number=application.number)
    return render(request, "services/counter.html", {
        "person": person, "q": q, "found": found, "items": items, "item": item, "failed": failed, "form": form,
        "channel": channel, "prefilled": _prefilled(person) if person else [],
    })


@login_required
@require_GET
def application_detail(request, number: str):
    _require_handle(request.user)
    application = selectors.application_for(request.user, number)
    step = service.current_step(application)
    return render(request, "services/application.html", {
        "a": application, "step": step, "steps": list(application.item.steps.all()), "data": _data_rows(application),
        "events": [{"at": e.at, "action": ACTION_LABELS.get(e.action, e.action), "note": e.note, "public": e.public,
                    "who": e.actor.display_name if e.actor_id else "—", "step": e.step}
                   for e in application.events.select_related("actor").order_by("at", "pk")],
        "may_act": application.status == ApplicationStatus.PROCESSING and service.may_act(request.user, application, step),
        "action_form": StaffActionForm(), "now": timezone.now(),
    })


@login_required
@require_POST
def application_act(request, number: str):
    _require_handle(request.user)
    application = selectors.application_for(request.user, number)
    form = StaffActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("操作无效。"))
        return redirect("services:application", number=application.number)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    try:
        if action == "approve_step":
            service.approve_step(actor=request.user, application=application, note=note, request=request)
        elif action == "ask_correction":
            service.ask_correction(actor=request.user, application=application, missing=note, request=request)
        elif action == "reject":
            service.reject(actor=request.user, application=application, reason=note, request=request)
        else:
            service.resubmit(actor=request.user, application=application, note=note, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已办理。"))
    return redirect("services:application", number=application.number)


urls = [
    path("items/<slug:code>/apply/", apply, name="apply"),
    path("mine/", mine, name="mine"),
    path("mine/<str:number>/", mine_detail, name="mine_detail"),
    path("mine/<str:number>/resubmit/", mine_resubmit, name="mine_resubmit"),
    path("mine/<str:number>/rate/", mine_rate, name="mine_rate"),
    path("applications/", queue, name="applications"),
    path("applications/counter/", counter, name="counter"),
    path("applications/<str:number>/", application_detail, name="application"),
    path("applications/<str:number>/act/", application_act, name="application_act"),
]
