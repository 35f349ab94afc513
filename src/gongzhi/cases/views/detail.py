"""The case page: what was reported, where, its clocks and timeline, and the steps the user may take."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.template.defaultfilters import floatformat
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.uploads import PHOTO, accepts_uploads, files_from

from .. import selectors, services
from ..duplicates import candidates
from ..errors import DomainError
from ..models import HandlingLevel, Priority, Rating
from ..public import public_timeline, sees_internals
from ..routing import departments_serving, route
from ..workflow import TRANSITIONS, action_label, available_actions

PARAM_FIELDS = ("category", "priority", "level", "department", "duplicate_of", "hours", "decision", "review_date",
                "rating", "comment", "resolved", "reached")


def action_params(post) -> dict:
    params = {name: post.get(name) for name in PARAM_FIELDS if post.get(name) not in (None, "")}
    if "assist" in post:
        params["assist"] = [value for value in post.getlist("assist") if value]
    return params


@login_required
@require_GET
def case_detail(request, pk: int):
    return _render_detail(request, selectors.case_for(request.user, pk))


def _render_detail(request, case, *, posted: dict | None = None, status: int = 200):
    """The case page. ``posted``: the form the user sent and that was refused (a photo of the wrong
    type, a missing reason…), shown again open and filled in, so that nothing typed is lost."""
    now = timezone.now()
    actions = available_actions(request.user, case)
    names = {t.action for t in actions}
    pending = selectors.pending_extension(case) if "extend" in names else None
    internals = sees_internals(request.user, case)
    posted = posted or {}
    first = next((t.action for t in actions if t.style == "primary"), actions[0].action if actions else "")
    context = {
        "case": case, "now": now, "overdue": case.is_overdue(now), "near_due": case.is_near_due(now),
        # The reporter gets the public timeline: no staff names, no internal notes or time limits.
        "internals": internals,
        "events": selectors.timeline(case) if internals else public_timeline(case),
        "report_photos": selectors.report_photos(case),
        "actions": actions, "action_names": names, "pending_extension": pending,
        "labels": {t.action: action_label(request.user, case, t) for t in actions},
        "posted": posted, "ratings": Rating.choices,
        "max_photos": settings.GONGZHI_CASE_PHOTOS_PER_STEP, "max_photo_size": settings.GONGZHI_CASE_PHOTO_MAX_BYTES,
        # The panel opened first: the refused form, else the step that moves the case on.
        "open_action": posted.get("action") if posted.get("action") in names else first,
        # A reporter whose case was merged sees the kept case's outcome on their own page, but may
        # not open the kept case (nor other people's merged reports): those are links only for staff.
        "merged_cases": selectors.visible_cases(request.user).filter(merged_into=case).order_by("number"),
        "merged_into_visible": case.merged_into_id is not None and selectors.visible_cases(request.user).filter(
            pk=case.merged_into_id).exists(),
        "levels": [HandlingLevel.GRID, HandlingLevel.COMMUNITY],
        "back_url": reverse("cases:queue") if selectors.may_use_queues(request.user) else reverse("cases:mine"),
        # The classifier's suggestion (and how sure it is) is a hint for the staff who classify, not for the reporter.
        "level_labels": HandlingLevel, "priorities": Priority.choices,
    }
    if names & {"accept", "merge"}:
        context["categories"] = selectors.categories()
        context["duplicates"] = candidates(case, among=selectors.visible_cases(request.user))
    if names & {"dispatch", "takeover"}:
        context["route"] = route(case.category, case.area, case.lon, case.lat)
        context["departments"] = departments_serving(case.area)
    return render(request, "cases/detail.html", context, status=status)


@accepts_uploads(PHOTO, field="photos")
@login_required
@require_POST
def case_action(request, pk: int):
    case = selectors.case_for(request.user, pk)
    action = request.POST.get("action", "")
    try:
        photos = files_from(request, PHOTO, "photos")  # counted, sized and sniffed, not read
        case = services.act(actor=request.user, case=case, action=action, note=request.POST.get("note", ""),
                            version=request.POST.get("version") or None, photos=photos, request=request,
                            **action_params(request.POST))
    except DomainError as error:
        messages.error(request, error.message)
        posted = {"action": action, "note": request.POST.get("note", ""), **action_params(request.POST)}
        return _render_detail(request, selectors.case_for(request.user, pk), posted=posted)
    else:
        messages.success(request, _done(request.user, action, case))
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("cases:detail", pk=case.pk)


def _done(user, action: str, case) -> str:
    """What an action did, in words, and the user's next step on the case if there is one.

    延期 by the handler only files a request (the street approves it): saying "已完成“延期”" made
    handlers think they had more time.
    """
    if action == "extend":
        pending = selectors.pending_extension(case)
        if pending is not None:
            return _("已提交延期申请（%(hours)s 小时），待审批。") % {"hours": floatformat(pending.hours, -1)}
        return _("延期申请已审批。")
    done = _("已完成“%(action)s”。") % {"action": TRANSITIONS[action].label}
    following = [action_label(user, case, t) for t in available_actions(user, case) if t.style == "primary"]
    if following:
        done += _("下一步：%(next)s。") % {"next": "、".join(following)}
    return done


@login_required
@require_GET
def case_photo(request, pk: int):
    """A case photo, for those who may see the case (photos may show people: never public files)."""
    photo = selectors.photo_for(request.user, pk)
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


urls = [
    path("<int:pk>/", case_detail, name="detail"),
    path("<int:pk>/act/", case_action, name="act"),
    path("photos/<int:pk>/", case_photo, name="photo"),
]
