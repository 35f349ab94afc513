"""The administrative hierarchy: district → street → community → grid.

Codes follow GB/T 2260 and the statistical division code (6 / 9 / 12 digits) and the unit-grid
code of CJ/T 213 / GB/T 30428.1 (14 digits = community code + 2-digit grid number). ``path`` is a
materialised path of codes (``/341702/341702001/…/``) so a subtree is one indexed prefix query.

Four levels, several kinds: towns (镇) and townships (乡) sit at the street level beside the
subdistricts (街道), villages (村委会) at the community level beside the residents' committees
(居委会, 社区), and a villagers' group (村民小组) may be a grid. The statistical code says which,
by its last three digits (GB/T 10114): at the street level 001–099 街道, 100–199 镇, 200–399 乡;
at the community level 001–199 居委会, 200–399 村委会. ``kind`` stores it (derived from the code
where the code says it) and ``kind_label`` is the one word pages show for an area.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scope import AreaScopedQuerySet


class Level(models.TextChoices):
    """The four levels; the labels name every kind a level holds (pages name an area by ``Kind``)."""

    DISTRICT = "district", _("区县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")
    GRID = "grid", _("网格/村民小组")


class Kind(models.TextChoices):
    """What an area is within its level; the word pages show for it."""

    DISTRICT = "district", _("区县")
    SUBDISTRICT = "subdistrict", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    NEIGHBOURHOOD = "neighbourhood", _("社区")  # 居民委员会
    VILLAGE = "village", _("村")  # 村民委员会
    GRID = "grid", _("网格")
    VILLAGER_GROUP = "villager_group", _("村民小组")


KINDS_OF_LEVEL = {
    Level.DISTRICT: (Kind.DISTRICT,),
    Level.STREET: (Kind.SUBDISTRICT, Kind.TOWN, Kind.TOWNSHIP),
    Level.COMMUNITY: (Kind.NEIGHBOURHOOD, Kind.VILLAGE),
    Level.GRID: (Kind.GRID, Kind.VILLAGER_GROUP),
}
# The kinds named by the last three digits of a statistical code (GB/T 10114), per level.
CODE_KIND_RANGES = {
    Level.STREET: ((1, 99, Kind.SUBDISTRICT), (100, 199, Kind.TOWN), (200, 399, Kind.TOWNSHIP)),
    Level.COMMUNITY: ((1, 199, Kind.NEIGHBOURHOOD), (200, 399, Kind.VILLAGE)),
}


def kind_from_code(code: str, level: str) -> Kind | None:
    """The kind a statistical code states, or ``None`` where its digits say nothing (districts,
    grids, codes outside the ranges above)."""
    ranges = CODE_KIND_RANGES.get(level)
    if not ranges or len(code) != CODE_LENGTH[level] or not code.isdigit():
        return None
    number = int(code[-3:])
    return next((kind for low, high, kind in ranges if low <= number <= high), None)


def code_range_text(kind: str) -> str:
    """The digits a kind's code ends with, e.g. ``100–199`` for a town; ``""`` when any."""
    for ranges in CODE_KIND_RANGES.values():
        for low, high, candidate in ranges:
            if candidate == kind:
                return f"{low:03d}–{high:03d}"
    return ""


def default_kind(code: str, level: str) -> Kind:
    """The kind of an area nobody named: what its code says, else the plain kind of its level."""
    return kind_from_code(code, level) or KINDS_OF_LEVEL[Level(level)][0]


def is_village_code(code: str) -> bool:
    """Whether a community code, or a grid code beginning with one, is a village's (200–399)."""
    community = code[:CODE_LENGTH[Level.COMMUNITY]]
    return len(community) == CODE_LENGTH[Level.COMMUNITY] and kind_from_code(community, Level.COMMUNITY) == Kind.VILLAGE


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
    return ancestor_paths_of(area.path)


def ancestor_paths_of(path: str) -> list[str]:
    """``ancestor_paths`` from a materialised path (``/341702/341702001/`` → itself, then ``/341702/``)."""
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(len(parts), 0, -1)]


class Area(models.Model):
    code = models.CharField(_("代码"), max_length=14, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    # db_default: rows written by code that predates the column (older migration states) stay valid.
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, blank=True, default="", db_default="",
                            help_text=_("街道、镇、乡；社区、村；网格、村民小组。留空时按代码判断。"))
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
        named = bool(self.kind)
        self.fill_kind()
        if not named and kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "kind"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """A kind of the area's level, and the one its code states when it states one."""
        super().clean()
        if not self.kind or not self.level:
            return
        if self.kind not in KINDS_OF_LEVEL.get(self.level, ()):
            raise ValidationError({"kind": _("“%(kind)s”不是%(level)s层级的类别。") % {
                "kind": Kind(self.kind).label, "level": Level(self.level).label}})
        stated = kind_from_code(self.code, self.level)
        if stated is not None and stated != self.kind:
            raise ValidationError({"kind": _("代码 %(code)s 末三位 %(digits)s 表示%(stated)s（%(range)s），类别不能是%(kind)s。") % {
                "code": self.code, "digits": self.code[-3:], "stated": stated.label,
                "range": code_range_text(stated), "kind": Kind(self.kind).label}})

    def fill_kind(self) -> None:
        """Set ``kind`` from the code when nobody named it (``bulk_create`` callers call this)."""
        if not self.kind and self.level:
            self.kind = default_kind(self.code, self.level)

    @property
    def kind_label(self) -> str:
        """The word for this area: 街道, 镇, 乡, 社区, 村, 网格, 村民小组 or 区县."""
        kind = self.kind or (default_kind(self.code, self.level) if self.level else "")
        return str(Kind(kind).label) if kind else ""

    @property
    def in_village(self) -> bool:
        """Whether the people of this area are villagers: it is, or lies in, a village."""
        if self.level == Level.COMMUNITY:
            return (self.kind or default_kind(self.code, self.level)) == Kind.VILLAGE
        if self.level == Level.GRID:
            if self.kind == Kind.VILLAGER_GROUP:
                return True
            if Area.parent.is_cached(self) and self.parent is not None:
                return self.parent.in_village
            return is_village_code(self.code)
        return False

    @property
    def resident_label(self) -> str:
        """What the people living here are called: 村民 in a village, 居民 elsewhere."""
        return str(_("村民") if self.in_village else _("居民"))

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
