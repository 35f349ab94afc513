"""``{% masked obj "phone" %}``: the de-identified value, plus the reveal widget when the viewer
may see it unmasked (permission in scope; the reason is asked for by the widget)."""

from __future__ import annotations

import datetime

from django import template
from django.db import models

from gongzhi.privacy import services
from gongzhi.privacy.sensitive import PLAIN_FOR_UNMASKERS

register = template.Library()


def widget_context(viewer, obj: models.Model, field: str, *, error: str = "") -> dict:
    """Everything privacy/_masked.html and _masked_body.html need (also used by the reveal view)."""
    label = obj._meta.label_lower
    shown = services.shown_value(viewer, obj, field)
    # A kind this viewer is shown in clear (the birth date, to who may unmask): nothing to reveal.
    plain = services.masking_kind(obj, field) in PLAIN_FOR_UNMASKERS and services.may_unmask(viewer, obj)
    return {
        "masked": shown.isoformat() if isinstance(shown, datetime.date) else (shown or ""),
        "can_reveal": not plain and services.can_reveal(viewer, obj, field),
        "model": label,
        "pk": obj.pk,
        "field": field,
        "dom_id": f"reveal-{label.replace('.', '-')}-{field}-{obj.pk}",
        "error": error,
    }


@register.inclusion_tag("privacy/_masked.html", takes_context=True)
def masked(context, obj: models.Model, field: str) -> dict:
    request = context.get("request")
    viewer = getattr(request, "user", None) or context.get("user")
    return widget_context(viewer, obj, field)
