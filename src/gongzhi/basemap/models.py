"""The base map's own layers: roads, rivers, water, green space and fields, drawn by the platform
from its data (no tiles, no internet). Each feature belongs to an area (a district or below, like
every area-bound record) and to the batch that brought it (an import file or the demo), so a
re-import replaces its batch instead of adding copies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.registry.models.base import AreaBoundModel


class FeatureKind(models.TextChoices):
    ROAD = "road", _("道路")
    RIVER = "river", _("河流")
    WATER = "water", _("水面")
    GREEN = "green", _("绿地")
    FIELD = "field", _("农田")


LINE_KINDS = (FeatureKind.ROAD, FeatureKind.RIVER)
GEOMETRY_TYPES = {
    FeatureKind.ROAD: ("LineString", "MultiLineString"),
    FeatureKind.RIVER: ("LineString", "MultiLineString", "Polygon", "MultiPolygon"),
    FeatureKind.WATER: ("Polygon", "MultiPolygon"),
    FeatureKind.GREEN: ("Polygon", "MultiPolygon"),
    FeatureKind.FIELD: ("Polygon", "MultiPolygon"),
}


class RoadRank(models.IntegerChoices):
    MAIN = 1, _("主干路")
    SECONDARY = 2, _("次干路")
    LOCAL = 3, _("支路")


class LayerBatch(AreaBoundModel):
    """One import of a layer file (or the demo's geography): replaced as a whole on re-import."""

    name = models.CharField(_("图层名称"), max_length=100)
    source = models.CharField(_("来源文件"), max_length=200, blank=True)
    digest = models.CharField(_("文件摘要"), max_length=64, blank=True, db_index=True)
    kind = models.CharField(_("默认要素类型"), max_length=10, choices=FeatureKind.choices, default=FeatureKind.ROAD)
    name_field = models.CharField(_("名称字段"), max_length=50, blank=True)
    feature_count = models.PositiveIntegerField(_("要素数"), default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("底图图层")
        verbose_name_plural = _("底图图层")
        ordering = ["area", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="basemap_batch_unique_name")]

    def __str__(self) -> str:
        return self.name


class MapFeature(AreaBoundModel):
    """A road, river, water surface, green space or field: GeoJSON in WGS-84 with its bbox kept in
    columns so a map view's features are one indexed range query."""

    batch = models.ForeignKey(LayerBatch, verbose_name=_("图层"), on_delete=models.CASCADE, related_name="features")
    kind = models.CharField(_("类型"), max_length=10, choices=FeatureKind.choices)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    rank = models.PositiveSmallIntegerField(_("道路等级"), choices=RoadRank.choices, default=RoadRank.SECONDARY)
    geometry = models.JSONField(_("几何（GeoJSON，WGS-84）"))
    west = models.FloatField(editable=False)
    south = models.FloatField(editable=False)
    east = models.FloatField(editable=False)
    north = models.FloatField(editable=False)

    class Meta:
        verbose_name = _("底图要素")
        verbose_name_plural = _("底图要素")
        ordering = ["kind", "rank", "name", "pk"]
        indexes = [
            models.Index(fields=["district_code", "west", "east"], name="basemap_feature_lon"),
            models.Index(fields=["district_code", "south", "north"], name="basemap_feature_lat"),
        ]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()

    def set_bbox(self) -> None:
        from gongzhi.core import geo

        self.west, self.south, self.east, self.north = geo.bbox_of(self.geometry)
