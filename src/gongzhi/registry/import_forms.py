"""The resident import upload form: the file, the target area (where the user may edit), strict mode."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.permissions import has_perm, perm_paths
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Level
from gongzhi.core.uploads import RESIDENT_SHEET, UploadField

TARGET_LEVELS = (Level.COMMUNITY, Level.GRID)


def import_areas(user):
    """Communities and grids of the user's scope where they hold ``registry.edit`` (one query)."""
    paths = perm_paths(user, Perm.REGISTRY_EDIT)
    if not paths:
        return Area.objects.none()
    within = Q()
    for path in paths:
        within |= Q(path__startswith=path)
    return Area.objects.visible_to(user).filter(within, level__in=TARGET_LEVELS).order_by("path")


class ImportUploadForm(forms.Form):
    file = UploadField(
        kind=RESIDENT_SHEET,
        label=_("人员表格"),
        help_text=_("Excel（.xlsx、.xls）或 CSV（UTF-8 或 GB18030），最大 20 MB。"),
        error_messages={"required": _("请选择要导入的文件。"), "empty": _("上传的文件是空的，请检查后重新上传。"),
                        "invalid": _("没有收到文件，请重新选择。"), "missing": _("没有收到文件，请重新选择。")},
    )
    area = forms.ChoiceField(
        label=_("导入到区域"),
        help_text=_("人员登记在该社区或网格；住址匹配到下级网格的房屋时，登记到房屋所在网格。"),
        error_messages={"required": _("请选择导入区域。"),
                        "invalid_choice": _("您不能向所选区域导入人员，请从列表中选择。")},
    )
    strict = forms.BooleanField(
        label=_("严格模式（任何一行出错，整个文件都不写入）"), required=False,
        help_text=_("不勾选时，只写入校验通过的行，出错的行在结果中逐行列出。"),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        indent = {Level.COMMUNITY: "", Level.GRID: "　"}
        areas = list(import_areas(user).values_list("code", "name", "level"))
        self.fields["area"].choices = [("", _("请选择区域"))] + [
            (code, f"{indent.get(level, '')}{name}（{code}）") for code, name, level in areas]
        communities = [code for code, _name, level in areas if level == Level.COMMUNITY]
        if len(communities) == 1 or len(areas) == 1:
            # A community worker imports into their community, a grid worker into their grid.
            self.fields["area"].initial = communities[0] if len(communities) == 1 else areas[0][0]

    def clean_area(self) -> Area:
        area = Area.objects.filter(code=self.cleaned_data["area"]).first()
        # The choices already limit the codes; the permission is checked again on the area itself.
        if area is None or not has_perm(self.user, Perm.REGISTRY_EDIT, area):
            raise forms.ValidationError(_("您不能向所选区域导入人员，请从列表中选择。"))
        return area
