"""Reveal endpoint used by the masked-value widget (htmx): POST model, pk, field, reason.

200: the unmasked value (audited). 422: the masked widget again with the error (no value).
403: not allowed (audited). 404: unknown model, field or row, or a row outside the viewer's scope.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from . import services
from .sensitive import kind_of
from .widgets import widget_context


@login_required
@require_POST
def reveal(request):
    label = request.POST.get("model", "")
    field = request.POST.get("field", "")
    pk = request.POST.get("pk", "")
    try:
        model = apps.get_model(label) if label.count(".") == 1 else None
    except LookupError:
        model = None
    if model is None or not kind_of(model, field) or not pk.isdigit():
        raise Http404
    queryset = model._default_manager.all()
    if hasattr(queryset, "visible_to"):
        queryset = queryset.visible_to(request.user)
    obj = queryset.filter(pk=int(pk)).first()
    if obj is None:
        raise Http404
    try:
        value = services.reveal(actor=request.user, obj=obj, field=field, reason=request.POST.get("reason", ""),
                                request=request)
    except ValidationError as exc:
        context = widget_context(request.user, obj, field, error=exc.messages[0])
        return render(request, "privacy/_masked_body.html", context, status=422)
    return render(request, "privacy/_revealed.html", {"value": value})
