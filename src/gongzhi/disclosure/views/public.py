"""Public disclosure pages, readable without signing in: the index of communities, a community's
page (search, filters, the overdue notice, answered questions), an item's printable page and its
attachments. Nothing here names a resident or a staff member."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import cadence, selectors, services_items
from ..errors import DomainError
from ..models import Category, DisclosureAttachment, Status, category_label
from .common import item_filters, paginate, querystring

CODE = r"(?P<code>\d{12})"


@require_GET
def index(request):
    q = (request.GET.get("q") or "").strip()[:50]
    page = paginate(request, selectors.public_communities(q), 50)
    overdue = cadence.overdue_for(page.object_list)
    rows = [(area, overdue.get(area.pk, [])) for area in page.object_list]
    mine = list(selectors.staff_communities(request.user)[:6]) if request.user.is_authenticated else []
    return render(request, "disclosure/public_index.html", {
        "page": page, "rows": rows, "q": q, "query": querystring({"q": q}),
        "mine": mine if len(mine) <= 5 else [],  # a shortcut for residents and community staff, not for a district
    })


def _categories(area) -> list[tuple[str, str]]:
    return [(value, category_label(value, area)) for value in Category.values]


@require_GET
def community(request, code: str):
    area = selectors.public_community(code)
    filters = item_filters(request)
    page = paginate(request, selectors.public_items(area, **filters))
    for item in page.object_list:
        item.area = area
    overdue = cadence.overdue_for([area])[area.pk]
    return render(request, "disclosure/public_community.html", {
        "area": area, "page": page, "filters": filters, "query": querystring(filters),
        "filtered": any(filters.values()), "categories": _categories(area), "years": selectors.public_years(area),
        "overdue": overdue, "questions": selectors.answered_questions(area)[:20],
        "may_ask": services_items.may_ask(request.user, area), "cadence": cadence,
    })


@require_GET
def item_detail(request, code: str, pk: int):
    area = selectors.public_community(code)
    item = selectors.public_item(area, pk)
    return render(request, "disclosure/public_item.html", {
        "area": area, "item": item, "questions": selectors.answered_questions(area, item),
        "may_ask": services_items.may_ask(request.user, area),
    })


@require_GET
def attachment(request, code: str, pk: int):
    """An attachment of a published item (re-encoded on upload, so it carries no metadata)."""
    area = selectors.public_community(code)
    file = get_object_or_404(DisclosureAttachment, pk=pk, item__area=area, item__status=Status.PUBLISHED)
    try:
        handle = file.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=file.content_type)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_POST
def ask(request, code: str):
    """A signed-in resident's question about an item or the community's disclosure in general."""
    area = selectors.public_community(code)
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next=/disclosure/{area.code}/")
    item = None
    item_id = request.POST.get("item") or ""
    if item_id.isdigit():
        item = selectors.public_items(area).filter(pk=int(item_id)).first()
    try:
        services_items.ask(actor=request.user, area=area, text=request.POST.get("text", ""), item=item,
                           request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("您的问题已提交，社区居委会答复后将在本页公开（不显示提问人）。"))
    if item is not None:
        return redirect("disclosure:public_item", code=area.code, pk=item.pk)
    return redirect("disclosure:community", code=area.code)


urls = [
    path("", index, name="index"),
    re_path(rf"^{CODE}/$", community, name="community"),
    re_path(rf"^{CODE}/items/(?P<pk>\d+)/$", item_detail, name="public_item"),
    re_path(rf"^{CODE}/files/(?P<pk>\d+)/$", attachment, name="attachment"),
    re_path(rf"^{CODE}/ask/$", ask, name="ask"),
]
