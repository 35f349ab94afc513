"""The layer import form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.uploads import MAP_LAYER, UploadField

from .models import FeatureKind


class LayerImportForm(forms.Form):
    file = UploadField(kind=MAP_LAYER, label=_("图层文件"),
                       help_text=_("GeoJSON（.geojson/.json）或 Shapefile 压缩包（.zip，含 .shp、.shx、.dbf，可含 .prj），"
                                   "坐标须为 WGS-84 或 CGCS2000 经纬度，最大 20 MB。"))
    kind = forms.ChoiceField(label=_("要素类型"), choices=FeatureKind.choices, initial=FeatureKind.ROAD)
    name_field = forms.CharField(label=_("名称字段"), max_length=50, required=False,
                                 help_text=_("哪个属性是道路或河流的名称，如“名称”“路名”；留空则自动识别常见的名称字段。"))
    layer_name = forms.CharField(label=_("图层名称"), max_length=100, required=False,
                                 help_text=_("留空则用文件名；再次导入同名图层会替换原有要素，不会重复。"))
