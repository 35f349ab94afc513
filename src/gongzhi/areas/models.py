"""The administrative hierarchy: district → street → community → grid.

Codes follow GB/T 2260 and the statistical division code (6 / 9 / 12 digits) and the unit-grid
code of CJ/T 213 / GB/T 30428.1 (14 digits = community code + 2-digit grid number). ``path`` is a
materialised path of codes (``/341702/341702001/…/``) so a subtree is one indexed prefix query.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .scope import AreaScopedQuerySet


class Level(models.TextChoices):
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")


LEVEL_ORDER = [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID]
CODE_LENGTH = {Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12, Level.GRID: 14}
PARENT_LEVEL = {Level.STREET: Level.DISTRICT, Level.COMMUNITY: Level.STREET, Level.GRID: Level.COMMUNITY}


class AreaQuerySet(AreaScopedQuerySet):
    area_path_field = "path"

    def subtree(self, area: "Area") -> "AreaQuerySet":
        return self.filter(path__startswith=area.path)

    def grids(self) -> "AreaQuerySet":
        return self.filter(level=Level.GRID)


def ancestor_paths(area: "Area") -> list[str]:
    """The materialised paths of ``area`` and every area above it, deepest first."""
    parts = [part for part in area.path.split("/") if part]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(len(parts), 0, -1)]


class Area(models.Model):
    code = models.CharField(_("代码"), max_length=14, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=80, unique=True, editable=False)
    geometry = models.JSONField(_("边界（GeoJSON，WGS84）"), null=True, blank=True)
    centroid_lon = models.FloatField(_("中心经度"), null=True, blank=True)
    centroid_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("区划")
        verbose_name_plural = _("区划")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "path"], name="area_level_path")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @staticmethod
    def build_path(code: str, parent: "Area | None") -> str:
        return f"{parent.path if parent else '/'}{code}/"

    def save(self, *args, **kwargs):
        self.path = self.build_path(self.code, self.parent)
        super().save(*args, **kwargs)

    @property
    def centroid(self) -> list[float] | None:
        if self.centroid_lon is None or self.centroid_lat is None:
            return None
        return [self.centroid_lon, self.centroid_lat]

    @property
    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.strip("/").split("/")][:-1]

    def is_within(self, other: "Area") -> bool:
        return self.path.startswith(other.path)
