"""The masked-value widget (``privacy/_masked.html``) built in Python, for pages that show many.

A list page shows two masked cells a row; as a template include each with its own permission
check, they took 40 % of the page at district scale (issue 11). ``MaskedCells`` decides the
viewer's reveal permission once per area and writes the same markup as the templates (a test
holds the two equal); the templates stay the one source for the reveal view's error answer.
"""

from __future__ import annotations

import datetime
from html import escape

from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from . import services
from .masking import mask
from .sensitive import PLAIN_FOR_UNMASKERS


_UNKNOWN = object()


def widget_context(viewer, obj: models.Model, field: str, *, error: str = "", may_unmask: bool | None = None,
                   kind=_UNKNOWN) -> dict:
    """Everything privacy/_masked.html and _masked_body.html need (also used by the reveal view).

    ``may_unmask``: the viewer's ``personal.unmask`` where ``obj`` is kept, when already decided;
    ``kind``: the field's masking kind (``services.masking_kind``), when already looked up.
    """
    label = obj._meta.label_lower
    if kind is _UNKNOWN:
        kind = services.masking_kind(obj, field)
    if may_unmask is None:
        may_unmask = kind is not None and services.may_unmask(viewer, obj)
    value = getattr(obj, field, None)
    # A kind this viewer is shown in clear (the birth date, to who may unmask): nothing to reveal.
    plain = kind in PLAIN_FOR_UNMASKERS and may_unmask
    shown = value if kind is None or plain else mask(kind or field, value or "")
    return {
        "masked": shown.isoformat() if isinstance(shown, datetime.date) else (shown or ""),
        "can_reveal": not plain and kind is not None and may_unmask,
        "model": label,
        "pk": obj.pk,
        "field": field,
        "dom_id": f"reveal-{label.replace('.', '-')}-{field}-{obj.pk}",
        "error": error,
    }


class MaskedCells:
    """Masked cells for one viewer during one page: ``cell(obj, field)`` is ``{% masked obj field %}``.

    ``services.may_unmask`` depends only on the area that keeps the object (or, for a staff
    account, on the model), so it is asked once per area and model, not once per cell.
    """

    def __init__(self, viewer):
        self.viewer = viewer
        self._may_unmask: dict[tuple[str, int | None], bool] = {}
        self._kinds: dict[tuple[type, str], str | None] = {}
        self._form: str | None = None

    def may_unmask(self, obj: models.Model) -> bool:
        key = (obj._meta.label_lower, getattr(obj, "area_id", None) or getattr(obj, "home_area_id", None))
        decided = self._may_unmask.get(key)
        if decided is None:
            decided = self._may_unmask[key] = services.may_unmask(self.viewer, obj)
        return decided

    def cell(self, obj: models.Model, field: str) -> SafeString:
        key = (type(obj), field)
        kind = self._kinds[key] if key in self._kinds else self._kinds.setdefault(key, services.masking_kind(obj, field))
        context = widget_context(self.viewer, obj, field, may_unmask=kind is not None and self.may_unmask(obj),
                                 kind=kind)
        return render_widget(context, self._form_markup())

    def _form_markup(self) -> str:
        """The reveal form with its fixed texts escaped once; ``{dom_id}`` etc. are filled per cell."""
        if self._form is None:
            self._form = format_html(
                '\n<details class="reveal"><summary>{}</summary>\n\n'
                '<form hx-post="{}" hx-target="#{{dom_id}}" hx-swap="innerHTML">\n'
                '<input type="hidden" name="model" value="{{model}}"><input type="hidden" name="pk" value="{{pk}}">'
                '<input type="hidden" name="field" value="{{field}}">\n'
                '<input type="text" name="reason" required minlength="4" maxlength="500" placeholder="{}" '
                'aria-label="{}">\n<button type="submit">{}</button></form></details>',
                *(_literal(text) for text in (gettext("查看完整"), reverse("privacy:reveal"),
                                              gettext("查看事由（将记入审计日志）"), gettext("查看事由"), gettext("确认查看"))),
            )
        return self._form


def _literal(text: str) -> SafeString:
    """``text`` escaped, with its braces doubled: it stays itself through the second ``str.format``."""
    return mark_safe(escape(text).replace("{", "{{").replace("}", "}}"))


def render_widget(context: dict, form_markup: str) -> SafeString:
    """``privacy/_masked.html`` for ``context`` without an error (``widget_context``); ``form_markup``
    is ``MaskedCells._form_markup()``."""
    masked, dom_id = context["masked"], escape(context["dom_id"])
    body = f'<span class="masked-value" data-testid="masked">{escape(str(masked or "—"))}</span>'
    if context["can_reveal"] and masked:
        body += form_markup.format(dom_id=dom_id, model=escape(context["model"]), pk=escape(str(context["pk"])),
                                   field=escape(context["field"]))
    return mark_safe(f'<span class="masked" id="{dom_id}">{body}\n</span>\n')
