"""Follow-up pages (民事民办, 民事民评): a topic's tasks and their progress, the survey, the public
record, the staff's overdue list. ``followup_panel(request, topic)`` is what the topic page includes
with ``deliberation/_followup_panel.html``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm, Role
from gongzhi.accounts.selectors import staff_over
from gongzhi.core.errors import DomainError
from gongzhi.core.uploads import PHOTO, accepts_uploads, files_from

from .. import follow_up as services
from ..models import Topic

PAGE_SIZE = 30
STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_ADMIN)


class TaskForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("任务名称"), max_length=200)
    owner_unit = forms.CharField(label=gettext_lazy("责任单位/岗位"), max_length=100,
                                 help_text=gettext_lazy("向居民公开，例如“社区居委会”“物业服务中心”，不写个人姓名"))
    owner = forms.ChoiceField(label=gettext_lazy("责任人（仅工作人员可见）"), required=False)
    deadline = forms.DateField(label=gettext_lazy("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=gettext_lazy("任务说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, topic: Topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {str(u.pk): u for u in staff_over(topic.area, STAFF_ROLES)}
        self.fields["owner"].choices = [("", _("不指定"))] + [(pk, u.display_name) for pk, u in self.staff.items()]


class UpdateForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("进展情况"), widget=forms.Textarea(attrs={"rows": 3}))
    percent = forms.IntegerField(label=gettext_lazy("完成进度（%）"), min_value=0, max_value=100)


def followup_panel(request, topic: Topic) -> dict:
    """The context of ``deliberation/_followup_panel.html`` for ``topic`` (the topic page merges it)."""
    context = services.panel_context(request.user, topic)
    if context["may_manage"] and topic.status in services.TASK_STATUSES:
        context["task_form"] = TaskForm(topic=topic)
    return context


def _page(request, topic: Topic, *, task_form=None, status=200):
    context = followup_panel(request, topic)
    if task_form is not None:
        context["task_form"] = task_form
    return render(request, "deliberation/followup_tasks.html", context, status=status)


@login_required
@require_GET
def topic_tasks(request, pk: int):
    return _page(request, services.topic_for(request.user, pk))


@login_required
@require_POST
def task_new(request, pk: int):
    topic = services.managed_topic(request.user, pk)
    form = TaskForm(request.POST, topic=topic)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.create_task(actor=request.user, topic=topic, title=data["title"], owner_unit=data["owner_unit"],
                                 deadline=data["deadline"], description=data["description"],
                                 owner=form.staff.get(data["owner"] or ""), request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已添加落实任务。"))
            return redirect("deliberation:topic_tasks", pk=topic.pk)
    return _page(request, services.topic_for(request.user, pk), task_form=form, status=400)


@accepts_uploads(PHOTO, field="photos")
@login_required
@require_POST
def task_update(request, pk: int):
    task = services.managed_task(request.user, pk)
    form = UpdateForm(request.POST)
    try:
        photos = files_from(request, PHOTO, "photos")
        if not form.is_valid():
            raise DomainError(_("请填写进展情况和 0 到 100 的完成进度。"))
        services.add_update(actor=request.user, task=task, text=form.cleaned_data["text"],
                            percent=form.cleaned_data["percent"], photos=photos, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已更新任务进展。"))
    return redirect("deliberation:topic_tasks", pk=task.topic_id)


@login_required
@require_POST
def task_case(request, pk: int):
    task = services.managed_task(request.user, pk)
    try:
        case = services.open_case(actor=request.user, task=task, description=request.POST.get("description", ""),
                                  request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已生成事件 %(number)s，关联到该任务。") % {"number": case.number})
    return redirect("deliberation:topic_tasks", pk=task.topic_id)


@login_required
@require_POST
def evaluate(request, pk: int):
    topic = services.topic_for(request.user, pk)
    try:
        services.evaluate(actor=request.user, topic=topic, rating=request.POST.get("rating"),
                          comment=request.POST.get("comment", ""), request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("感谢您的评价。"))
    return redirect("deliberation:topic_tasks", pk=topic.pk)


@login_required
@require_http_methods(["GET"])
def overdue(request):
    if not has_perm(request.user, Perm.DELIBERATION_MANAGE):
        raise PermissionDenied
    page = Paginator(services.overdue_tasks(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deliberation/followup_overdue.html", {"page": page})


@login_required
@require_GET
def task_photo(request, pk: int):
    """A progress photo, for those who may read the topic (never a public file)."""
    photo = services.photo_for(request.user, pk)
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


urls = [
    path("topics/<int:pk>/tasks/", topic_tasks, name="topic_tasks"),
    path("topics/<int:pk>/tasks/new/", task_new, name="task_new"),
    path("topics/<int:pk>/evaluate/", evaluate, name="topic_evaluate"),
    path("tasks/<int:pk>/update/", task_update, name="task_update"),
    path("tasks/<int:pk>/case/", task_case, name="task_case"),
    path("tasks/overdue/", overdue, name="tasks_overdue"),
    path("tasks/photos/<int:pk>/", task_photo, name="task_photo"),
]
