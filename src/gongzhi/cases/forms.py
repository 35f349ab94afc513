"""Forms of the case pages (filters of the queues, reporting, patrols)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CaseSource
from .selectors import ORDERINGS, default_order


# The queue tabs, in the order shown (every key of ``selectors.QUEUES``).
QUEUE_LABELS = (("reported", _("待受理")), ("accepted", _("待派遣/处置")), ("running", _("办理中")),
                ("feedback", _("待核查")), ("verified", _("待结案")), ("suspended", _("挂账")), ("closed", _("已办结")), ("open", _("全部在办")),
                ("all", _("全部")))


class CaseFilterForm(forms.Form):
    queue = forms.ChoiceField(label=_("队列"), choices=QUEUE_LABELS, required=False)
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("编号、描述或地址")}))
    category = forms.ChoiceField(label=_("类别"), required=False)
    area = forms.CharField(label=_("区域代码"), required=False, max_length=14)
    source = forms.ChoiceField(label=_("来源"), required=False, choices=[("", _("全部来源")), *CaseSource.choices])
    overdue = forms.BooleanField(label=_("只看超期"), required=False)
    order = forms.ChoiceField(label=_("排序"), required=False, choices=[
        ("deadline", _("按时限")), ("reported", _("最新上报")), ("oldest", _("最早上报")), ("number", _("编号"))])

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("全部类别"))]
        for category in categories:
            if category.parent_id is None:
                choices.append((category.code, category.name))
        self.fields["category"].choices = choices
        for field in self.fields.values():  # the filter bar shows no labels: name each control for screen readers
            field.widget.attrs.setdefault("aria-label", str(field.label))

    def filters(self) -> dict:
        """The selector's arguments from the fields that are valid; ``error_list`` names the others."""
        data = {}
        if self.is_bound:
            self.is_valid()  # fills cleaned_data with the valid fields, whatever the others
            data = self.cleaned_data
        queue = data.get("queue") or "open"
        return {"queue": queue, "q": (data.get("q") or "").strip(),
                "category": data.get("category") or "", "area_code": (data.get("area") or "").strip(),
                "source": data.get("source") or "", "overdue": bool(data.get("overdue")),
                "order": data.get("order") if data.get("order") in ORDERINGS else default_order(queue)}

    def error_list(self) -> list[str]:
        """Each invalid filter as "label：reason" (empty for an unbound or valid form)."""
        if not self.is_bound or self.is_valid():
            return []
        return [f"{self.fields[name].label}：{error}" if name in self.fields else str(error)
                for name, errors in self.errors.items() for error in errors]
