"""``{% masked obj "phone" %}``: the de-identified value, plus the reveal widget when the viewer
may see it unmasked (permission in scope; the reason is asked for by the widget).

The markup is ``privacy/_masked.html``, written by ``privacy.widgets.MaskedCells``: one per viewer
and page render, so the permission is decided once per area, not once per cell.
"""

from __future__ import annotations

from django import template
from django.db import models
from django.utils.safestring import SafeString

from gongzhi.privacy.widgets import MaskedCells, widget_context

__all__ = ["masked", "masked_cells", "widget_context"]

register = template.Library()


def masked_cells(context) -> MaskedCells:
    """The page's ``MaskedCells`` for its viewer (kept in the render context: one page render)."""
    request = context.get("request")
    viewer = getattr(request, "user", None) or context.get("user")
    cells = context.render_context.get(MaskedCells)
    if cells is None or cells.viewer is not viewer:
        cells = context.render_context[MaskedCells] = MaskedCells(viewer)
    return cells


@register.simple_tag(takes_context=True)
def masked(context, obj: models.Model, field: str) -> SafeString:
    return masked_cells(context).cell(obj, field)
