"""The base map's layers page (under the grid map): the imported road/river layers of the district,
importing a GeoJSON or zipped Shapefile, and deleting a layer. District staff (``areas.manage``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.accounts.permissions import require_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Level
from gongzhi.core.uploads import MAP_LAYER, accepts_uploads

from .. import selectors, services
from ..forms import LayerImportForm

ERRORS_SHOWN = 200


def _district(user) -> Area | None:
    """The district the caller manages (the first one in scope)."""
    return Area.objects.visible_to(user).filter(level=Level.DISTRICT).order_by("code").first()


@accepts_uploads(MAP_LAYER, field="file")
@login_required
@require_http_methods(["GET", "POST"])
def layers(request):
    require_perm(request.user, Perm.AREAS_MANAGE)
    district = _district(request.user)
    form = LayerImportForm(request.POST, request.FILES) if request.method == "POST" else LayerImportForm()
    context = {"form": form, "district": district, "errors_shown": ERRORS_SHOWN}
    if request.method == "POST" and form.is_valid() and district is not None:
        upload = form.cleaned_data["file"]
        data = upload.read()  # within the checked limit (GONGZHI_MAP_LAYER_MAX_BYTES), a zip's directory checked
        try:
            result = services.import_layer(actor=request.user, district=district, data=data, filename=upload.name,
                                           kind=form.cleaned_data["kind"], name_field=form.cleaned_data["name_field"],
                                           layer_name=form.cleaned_data["layer_name"], request=request)
        except services.LayerRefused as refused:
            form.add_error("file", refused.message)
        else:
            if result.batch is not None:
                messages.success(request, _("已导入图层“%(name)s”：%(n)d 个要素（替换原有 %(old)d 个）。") % {
                    "name": result.batch.name, "n": result.batch.feature_count, "old": result.replaced})
                return redirect("basemap:layers")
            context.update(report=result.report, filename=upload.name)
    context["layers"] = list(selectors.layers_for(request.user))
    return render(request, "basemap/layers.html", context)


@login_required
@require_POST
def delete(request, pk: int):
    require_perm(request.user, Perm.AREAS_MANAGE)
    batch = get_object_or_404(selectors.layers_for(request.user), pk=pk)
    name = batch.name
    services.delete_layer(actor=request.user, batch=batch, request=request)
    messages.success(request, _("已删除图层“%(name)s”。") % {"name": name})
    return redirect("basemap:layers")


urls = [
    path("", layers, name="layers"),
    path("<int:pk>/delete/", delete, name="delete"),
]
