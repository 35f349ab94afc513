"""Staff answers to residents' questions about disclosures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services_items
from ..errors import DomainError
from .common import STAFF_PAGE_SIZE, paginate
from .items import require_staff


@login_required
@require_GET
def question_list(request):
    require_staff(request.user)
    unanswered = request.GET.get("all") != "1"
    page = paginate(request, selectors.staff_questions(request.user, unanswered=unanswered), STAFF_PAGE_SIZE)
    return render(request, "disclosure/manage_questions.html", {
        "page": page, "unanswered": unanswered, "query": "" if unanswered else "all=1",
    })


@login_required
@require_POST
def answer(request, pk: int):
    require_staff(request.user)
    question = selectors.staff_question(request.user, pk)
    if not services_items.may_publish(request.user, question.area):
        raise PermissionDenied
    try:
        services_items.answer(actor=request.user, question=question, text=request.POST.get("answer", ""),
                              request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已答复。问题和答复将在公开页显示（不显示提问人和答复人姓名）。"))
    return redirect("disclosure:manage_questions")


urls = [
    path("manage/questions/", question_list, name="manage_questions"),
    path("manage/questions/<int:pk>/answer/", answer, name="manage_answer"),
]
