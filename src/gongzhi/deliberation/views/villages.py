"""四议两公开 pages: the staff's processes and the step forms, and a public page per village
(readable without signing in; outcomes and numbers only, no personal data)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.core.errors import DomainError
from gongzhi.core.uploads import PHOTO, accepts_uploads, files_from

from .. import villages as services
from ..models import FourTwoStep, StepRecord, Topic

PAGE_SIZE = 30


class ProcessForm(forms.Form):
    village = forms.ChoiceField(label=gettext_lazy("村"))
    title = forms.CharField(label=gettext_lazy("事项名称"), max_length=200)
    matter = forms.CharField(label=gettext_lazy("事项内容"), widget=forms.Textarea(attrs={"rows": 4}))
    topic = forms.ChoiceField(label=gettext_lazy("关联议题（可选）"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.villages = {a.code: a for a in services.villages_for(user)}
        self.fields["village"].choices = [(code, a.name) for code, a in self.villages.items()]
        paths = [a.path for a in self.villages.values()]
        topics = [t for t in Topic.objects.visible_to(user).select_related("area").order_by("-created_at")[:200]
                  if any(t.area.path.startswith(p) for p in paths)]
        self.topics = {str(t.pk): t for t in topics}
        self.fields["topic"].choices = [("", _("不关联"))] + [(pk, t.title) for pk, t in self.topics.items()]


def _count_field(label, help_text=""):
    return forms.IntegerField(label=label, required=False, min_value=0, help_text=help_text,
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*"}))


class StepForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    body = forms.CharField(label=gettext_lazy("会议/机构"), max_length=100, required=False)
    meeting = forms.ChoiceField(label=gettext_lazy("决议形式"), required=False, choices=[
        ("villagers", gettext_lazy("村民会议")), ("representatives", gettext_lazy("村民代表会议"))])
    expected = _count_field(gettext_lazy("应到（人）"))
    present = _count_field(gettext_lazy("实到（人）"))
    expected_households = _count_field(gettext_lazy("应到（户）"))
    present_households = _count_field(gettext_lazy("实到（户，仅村民会议）"))
    expected_reason = forms.CharField(label=gettext_lazy("应到与档案计算不同的理由"), max_length=200, required=False)
    yes = _count_field(gettext_lazy("同意"))
    no = _count_field(gettext_lazy("反对"))
    abstain = _count_field(gettext_lazy("弃权"))
    signed_by = forms.CharField(label=gettext_lazy("签字人"), max_length=300, required=False,
                                help_text=gettext_lazy("参会签字人员姓名，用顿号分隔；不在公开页面显示"))
    minutes = forms.CharField(label=gettext_lazy("会议记录"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    published_where = forms.CharField(label=gettext_lazy("公开地点/渠道"), max_length=200, required=False)
    published_text = forms.CharField(label=gettext_lazy("公开内容"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))

    MEETING_FIELDS = ("body", "expected", "present", "expected_reason", "yes", "no", "abstain", "signed_by", "minutes")
    PUBLICATION_FIELDS = ("published_where", "published_text")

    def __init__(self, *args, step: int, defaults: dict, **kwargs):
        super().__init__(*args, **kwargs)
        keep = {"held_on"}
        if services.is_publication(step):
            keep |= set(self.PUBLICATION_FIELDS)
            self.fields["held_on"].label = _("公开日期")
        else:
            keep |= set(self.MEETING_FIELDS)
            if step == FourTwoStep.RESOLUTION:
                keep |= {"meeting", "expected_households", "present_households"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "expected" in self.fields:
            self.fields["expected"].help_text = defaults["expected_help"]
            self.fields["expected"].widget.attrs["placeholder"] = defaults["expected_placeholder"]
        if "expected_households" in self.fields:
            self.fields["expected_households"].help_text = defaults["households_help"]
        if "body" in self.fields:
            self.fields["body"].widget.attrs["placeholder"] = services.default_body(step)


def _defaults(process, step: int) -> dict:
    """What the registry counts for the step, said on the form (blank 应到 = this number)."""
    if step == FourTwoStep.RESOLUTION:
        adults, households = services.registry_defaults(process.area, step, "villagers")
        representatives, _none = services.registry_defaults(process.area, step, "representatives")
        return {
            "expected_help": _("留空按档案：村民会议为年满十八周岁村民 %(a)d 人；村民代表会议为村民代表 %(r)d 人。") % {
                "a": adults or 0, "r": representatives or 0},
            "expected_placeholder": "",
            "households_help": _("留空按档案：%(h)d 户。") % {"h": households or 0},
        }
    count, _none = services.registry_defaults(process.area, step)
    what = {FourTwoStep.PROPOSAL: _("党支部委员"), FourTwoStep.CONSULTATION: _("两委成员"),
            FourTwoStep.REVIEW: _("正式党员（预备党员无表决权）")}.get(step, "")
    return {"expected_help": _("留空按档案：%(what)s %(n)d 人。") % {"what": what, "n": count or 0},
            "expected_placeholder": str(count or 0), "households_help": ""}


@login_required
@require_GET
def process_list(request):
    if not has_perm(request.user, Perm.DELIBERATION_MANAGE):
        raise PermissionDenied
    page = Paginator(services.processes_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deliberation/village_list.html", {
        "page": page, "villages": services.villages_for(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def process_new(request):
    if not has_perm(request.user, Perm.DELIBERATION_MANAGE):
        raise PermissionDenied
    form = ProcessForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            process = services.start_process(actor=request.user, village=form.villages[data["village"]],
                                             title=data["title"], matter=data["matter"],
                                             topic=form.topics.get(data["topic"] or ""), request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已创建四议两公开事项，请记录第一步“党支部提议”。"))
            return redirect("deliberation:village_process", pk=process.pk)
    return render(request, "deliberation/village_new.html", {"form": form})


def _steps(process) -> list[dict]:
    records = list(process.records.select_related("recorded_by").prefetch_related("attachments")
                   .order_by("step", "attempt"))
    steps = []
    for value, label in FourTwoStep.choices:
        attempts = [r for r in records if r.step == value]
        steps.append({"number": value, "label": label, "attempts": attempts,
                      "passed": any(r.passed for r in attempts), "current": value == process.step
                      and process.status == "open"})
    return steps


@accepts_uploads(PHOTO, field="photos")
@login_required
@require_http_methods(["GET", "POST"])
def process_detail(request, pk: int):
    process = services.process_for(request.user, pk)
    step = process.step
    form = StepForm(request.POST or None, step=step, defaults=_defaults(process, step))
    status = 200
    if request.method == "POST":
        posted_step = request.POST.get("step", "")
        if form.is_valid():
            data = form.cleaned_data
            try:
                photos = files_from(request, PHOTO, "photos")
                row = services.record_step(
                    actor=request.user, process=process, step=posted_step or step, held_on=data["held_on"],
                    body=data.get("body", ""), meeting=data.get("meeting") or "villagers",
                    expected=data.get("expected"), present=data.get("present"),
                    expected_households=data.get("expected_households"),
                    present_households=data.get("present_households"), expected_reason=data.get("expected_reason", ""),
                    yes=data.get("yes"), no=data.get("no"), abstain=data.get("abstain"),
                    signed_by=data.get("signed_by", ""), minutes=data.get("minutes", ""),
                    published_where=data.get("published_where", ""), published_text=data.get("published_text", ""),
                    photos=photos, request=request)
            except DomainError as error:
                messages.error(request, error.message)
                status = 409 if error.status == 409 else 400
            else:
                if row.passed:
                    messages.success(request, _("“%(step)s”已记录并通过。") % {"step": row.get_step_display()})
                else:
                    messages.error(request, _("%(shortfall)s。不能进入下一环节，可重新召开后再次记录。") % {
                        "shortfall": row.shortfall})
                return redirect("deliberation:village_process", pk=process.pk)
        else:
            status = 400
    return render(request, "deliberation/village_process.html", {
        "process": process, "steps": _steps(process), "form": form, "step": step,
        "is_publication": services.is_publication(step), "completed": process.status == "completed",
    }, status=status)


@require_GET
def village_public(request, code: str):
    """A village's 四议两公开, for anyone: each step's outcome and numbers; no names, no minutes."""
    village = services.public_village(code)
    page = Paginator(services.public_processes(village), PAGE_SIZE).get_page(request.GET.get("page"))
    for process in page.object_list:
        process.public_steps = public_steps(process)
    return render(request, "deliberation/village_public.html", {"village": village, "page": page})


def public_steps(process) -> list[tuple[int, str, list[StepRecord]]]:
    records = list(process.records.all())
    return [(value, label, [r for r in records if r.step == value]) for value, label in FourTwoStep.choices]


urls = [
    path("villages/", process_list, name="village_list"),
    path("villages/new/", process_new, name="village_new"),
    path("villages/processes/<int:pk>/", process_detail, name="village_process"),
    path("villages/<str:code>/public/", village_public, name="village_public"),
]
