"""Forms of the staff disclosure pages (validation proper is the services'; these parse input)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import DomainError

from ..models import Body, Category, EntryKind, FinanceCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """A service's refusal shown next to the fields it names (the message, or the field's own)."""
    fields = error.fields or {}
    placed = False
    for name, value in fields.items():
        if name in form.fields:
            message = value if isinstance(value, str) and not value.isascii() else error.message
            form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.parent.name if obj.parent_id else ''}）"


class ItemForm(forms.Form):
    area = AreaChoiceField(label=_("社区（村）"), queryset=None, empty_label=None)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    body = forms.ChoiceField(label=_("公开主体"), choices=Body.choices)
    title = forms.CharField(label=_("标题"), max_length=120)
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 10}), max_length=20000)
    period_start = forms.DateField(label=_("公开期间起"), widget=DATE)
    period_end = forms.DateField(label=_("公开期间止"), widget=DATE)
    major = forms.BooleanField(label=_("重大事项"), required=False,
                               help_text=_("涉及居（村）民利益的重大事项，须在决定之日起及时公开。"))
    decided_on = forms.DateField(label=_("决定日期"), required=False, widget=DATE,
                                 help_text=_("重大事项必填：会议决定或表决通过的日期。"))

    def __init__(self, *args, communities, fixed_area=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = communities.select_related("parent")
        if fixed_area is not None:
            self.fields["area"].queryset = communities.filter(pk=fixed_area.pk).select_related("parent")
            self.fields["area"].disabled = True
            self.fields["area"].initial = fixed_area.pk


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=500)


class EntryForm(forms.Form):
    area = AreaChoiceField(label=_("社区（村）"), queryset=None, empty_label=None)
    date = forms.DateField(label=_("日期"), widget=DATE)
    voucher = forms.CharField(label=_("凭证号"), max_length=30)
    kind = forms.ChoiceField(label=_("收支"), choices=EntryKind.choices)
    category = forms.ChoiceField(label=_("科目"), choices=FinanceCategory.choices,
                                 help_text=_("收入：上级拨款、集体收入、捐赠、其他收入；支出：办公经费、惠民资金、公益事业、活动经费、其他支出。"))
    amount = forms.CharField(label=_("金额（元）"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    summary = forms.CharField(label=_("摘要"), max_length=200)
    handled_by = forms.CharField(label=_("经办人"), max_length=50)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = communities.select_related("parent")


class ReverseForm(forms.Form):
    date = forms.DateField(label=_("冲销日期"), widget=DATE)
    voucher = forms.CharField(label=_("冲销凭证号"), max_length=30)
    reason = forms.CharField(label=_("冲销理由"), max_length=150)
