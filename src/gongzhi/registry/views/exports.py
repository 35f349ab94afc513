"""Registry pages: exporting persons (人员导出) to Excel as a background job."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from gongzhi.accounts.permissions import require_perm
from gongzhi.accounts.roles import Perm

from .. import exporting

MASKED, PLAIN = "masked", "plain"


class ExportForm(forms.Form):
    """How to export: masked (the default) or in plain text with a reason."""

    mode = forms.ChoiceField(choices=[(MASKED, gettext_lazy("脱敏导出")), (PLAIN, gettext_lazy("导出明文"))],
                             required=False, initial=MASKED, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("导出明文的理由"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": gettext_lazy("例如：向民政局报送高龄津贴名单")}),
        help_text=gettext_lazy("至少 5 个字；理由、导出人、时间和范围都会记入审计日志。"))


@login_required
@require_http_methods(["GET", "POST"])
def person_export(request):
    """GET: the filters carried over from the person list, the count, the export buttons.
    POST: start the export job (filters from the query string) and go to its progress page."""
    require_perm(request.user, Perm.REGISTRY_VIEW)
    try:
        selection = exporting.select(request.user, request.GET)
    except ValidationError as error:
        selection, filter_errors = None, error.messages
    else:
        filter_errors = []
    form = ExportForm(request.POST or None)
    if request.method == "POST" and selection is not None and form.is_valid():
        try:
            job = exporting.start_person_export(
                actor=request.user, filters=request.GET, unmask=form.cleaned_data["mode"] == PLAIN,
                reason=form.cleaned_data["reason"], request=request)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("您没有导出明文的权限。"))
        except ValidationError as error:
            form.add_error("reason" if error.code == "reason_required" else None, error)
        else:
            return redirect("jobs:detail", pk=job.pk)
    query = urlencode(selection.filters) if selection is not None and selection.person_ids is None \
        else request.GET.urlencode()
    return render(request, "registry/export.html", {
        "form": form,
        "selection": selection,
        "filter_errors": filter_errors,
        "summary": selection.summary() if selection else [],
        "count": selection.persons().count() if selection else None,
        "can_unmask": selection is not None and exporting.may_unmask(request.user, selection.areas),
        "query": query,
        "min_reason": exporting.MIN_REASON_LENGTH,
    }, status=400 if request.method == "POST" else 200)


urls: list = [
    path("export/", person_export, name="export"),
]
