"""The announcement form (validation in Chinese; the service checks the rules again)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.permissions import perm_paths
from gongzhi.areas.models import Area, Level

from .models import Audience


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120, error_messages={"required": _("请填写公告标题。")})
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000,
                           error_messages={"required": _("请填写公告正文。")})
    urgent = forms.BooleanField(label=_("紧急"), required=False)
    area = forms.ModelChoiceField(label=_("范围"), queryset=Area.objects.none(), empty_label=_("请选择"),
                                  error_messages={"required": _("请选择公告范围。")})
    audience = forms.ChoiceField(label=_("对象"), choices=Audience.choices)
    group = forms.ModelChoiceField(label=_("特殊人群"), queryset=None, required=False, empty_label=_("（对象为特殊人群时选择）"))
    estate = forms.ModelChoiceField(label=_("小区"), queryset=None, required=False,
                                    empty_label=_("（对象为小区业主或楼栋住户时选择）"))
    building_name = forms.CharField(label=_("楼栋"), max_length=50, required=False, help_text=_("对象为楼栋住户时填写，如“3栋”"))
    publish_at = forms.DateTimeField(label=_("定时发布"), required=False, help_text=_("留空则立即发布"),
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    expires_at = forms.DateTimeField(label=_("有效期至"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, user, **kwargs):
        from gongzhi.registry.models import Estate, SpecialGroup

        super().__init__(*args, **kwargs)
        paths = perm_paths(user, "notices.send")
        in_areas, in_estates = Q(pk__in=[]), Q(pk__in=[])
        for path in paths:
            in_areas |= Q(path__startswith=path)
            in_estates |= Q(area__path__startswith=path)
        self.fields["area"].queryset = Area.objects.filter(
            in_areas, level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("path")
        self.fields["group"].queryset = SpecialGroup.objects.filter(active=True).order_by("order", "code")
        self.fields["estate"].queryset = Estate.objects.filter(in_estates).select_related("area").order_by("name")

    def clean(self):
        data = super().clean()
        building = None
        if data.get("audience") == Audience.BUILDING:
            estate, name = data.get("estate"), (data.get("building_name") or "").strip()
            if estate is None or not name:
                raise forms.ValidationError(_("对象为楼栋住户时，请选择小区并填写楼栋。"))
            building = estate.buildings.filter(name=name).first()
            if building is None:
                self.add_error("building_name", _("“%(estate)s”没有名为“%(name)s”的楼栋。") % {"estate": estate.name,
                                                                                      "name": name})
        data["building"] = building
        return data
