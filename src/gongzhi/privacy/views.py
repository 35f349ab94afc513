"""Reveal endpoint used by the masked-value widget (htmx): POST model, pk, field, reason."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from . import services


@login_required
@require_POST
def reveal(request):
    label = request.POST.get("model", "")
    field = request.POST.get("field", "")
    if label not in services.REVEALABLE:
        raise Http404
    model = apps.get_model(label)
    queryset = model.objects.all()
    if hasattr(queryset, "visible_to"):
        queryset = queryset.visible_to(request.user)
    obj = queryset.filter(pk=request.POST.get("pk") or 0).first() if str(request.POST.get("pk", "")).isdigit() else None
    if obj is None:
        raise Http404
    try:
        value = services.reveal(actor=request.user, obj=obj, field=field, reason=request.POST.get("reason", ""),
                                request=request)
    except ValidationError as exc:
        return render(request, "privacy/_reveal_error.html", {"message": exc.messages[0]}, status=422)
    except PermissionDenied:
        raise
    return render(request, "privacy/_revealed.html", {"value": value})
