"""Forms of the case pages (filters of the queues, reporting, patrols)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CaseSource
from .selectors import ORDERINGS, QUEUES


class CaseFilterForm(forms.Form):
    queue = forms.ChoiceField(choices=[(q, q) for q in QUEUES], required=False)
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

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"queue": data.get("queue") or "open", "q": data.get("q", "").strip(),
                "category": data.get("category") or "", "area_code": data.get("area", "").strip(),
                "source": data.get("source") or "", "overdue": bool(data.get("overdue")),
                "order": data.get("order") if data.get("order") in ORDERINGS else "deadline"}
