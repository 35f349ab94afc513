"""Forms of the service hall's pages (validation in Chinese; the services check the rules again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .certificates import normalise_serial
from .models import CertificateKind, CertificateStatus, Channel


class IssueForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("证明种类"), queryset=CertificateKind.objects.none(),
                                  empty_label=_("请选择"), error_messages={"required": _("请选择证明种类。")})
    purpose = forms.CharField(label=_("用途"), max_length=100, help_text=_("如“办理居住证”"),
                              error_messages={"required": _("请填写证明用途。"),
                                              "max_length": _("证明用途不能超过 100 个字。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only kinds on the certificate list are offered; the service refuses the others too.
        self.fields["kind"].queryset = CertificateKind.objects.filter(on_list=True).order_by("sort", "code")


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写撤销原因。"),
                                             "max_length": _("撤销原因不能超过 200 个字。")})


class VerifyForm(forms.Form):
    serial = forms.CharField(label=_("证明编号"), max_length=40, help_text=_("证明右上角的编号，如 2026-7K3M9QX2T4BD"),
                             error_messages={"required": _("请输入证明编号。")})

    def clean_serial(self) -> str:
        serial = normalise_serial(self.cleaned_data["serial"])
        if not serial:
            raise forms.ValidationError(_("证明编号只含数字、字母和“-”。"))
        return serial


class RegisterFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部状态")), *CertificateStatus.choices])
    kind = forms.ChoiceField(label=_("证明种类"), required=False)
    serial = forms.CharField(label=_("证明编号"), required=False, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部种类")),
                                       *CertificateKind.objects.order_by("sort", "code").values_list("code", "name")]


class ApplicationForm(forms.Form):
    """The item's own fields (``ServiceItem.form_fields``), typed; files and people are not typed here."""

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in item.form_fields or []:
            kind, name = spec.get("type", "text"), spec.get("name")
            label, required = spec.get("label", name), bool(spec.get("required"))
            messages = {"required": _("请填写“%(label)s”。") % {"label": label}}
            if kind == "number":
                self.fields[name] = forms.IntegerField(label=label, required=required, min_value=0,
                                                       error_messages=messages)
            elif kind == "date":
                self.fields[name] = forms.DateField(label=label, required=required, error_messages=messages,
                                                    widget=forms.DateInput(attrs={"type": "date"}))
            elif kind == "choice":
                self.fields[name] = forms.ChoiceField(label=label, required=required, error_messages=messages,
                                                      choices=[("", _("请选择")), *[(str(v), l) for v, l in
                                                                                 spec.get("choices", [])]])
            elif kind == "text":
                self.fields[name] = forms.CharField(label=label, required=required, max_length=200,
                                                    error_messages=messages)

    def values(self) -> dict:
        return {name: ("" if value is None else str(value)) for name, value in self.cleaned_data.items()}


class CounterForm(forms.Form):
    channel = forms.ChoiceField(label=_("受理方式"), choices=[c for c in Channel.choices if c[0] != Channel.ONLINE])


class StaffActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve_step", ""), ("ask_correction", ""), ("reject", ""),
                                        ("resubmit", "")])
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("评价"), coerce=int, widget=forms.RadioSelect,
                                    choices=[(5, _("非常满意")), (4, _("满意")), (3, _("基本满意")), (2, _("不满意")),
                                             (1, _("非常不满意"))],
                                    error_messages={"required": _("请选择评价等级。")})
    comment = forms.CharField(label=_("评价意见"), required=False, max_length=300)
