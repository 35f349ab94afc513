"""Where people live: estate (小区/院落) → building (楼栋) → unit (单元) → house (房屋)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Level

from ..choices import EstateKind, HouseUse, ManagementMode, OrganisationKind
from .base import AreaBoundModel, RegistryQuerySet


def community_path(area) -> str:
    """The path of ``area``'s community (居委会/村委会), or ``area``'s own above that level."""
    parts = [part for part in area.path.split("/") if part]
    depth = 3 if area.level in (Level.COMMUNITY, Level.GRID) else len(parts)
    return "/" + "/".join(parts[:depth]) + "/"


COUNTED_BY_TRIGGERS = ("building_count", "house_count")


class Estate(AreaBoundModel):
    """A 小区 or 院落 with the bodies that run it: its property company, its owners' committee
    (业委会) and how it is managed (自管/托管/共管/准物业)."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=EstateKind.choices, default=EstateKind.ESTATE)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    property_company = models.ForeignKey(
        "registry.Organisation", verbose_name=_("物业公司"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="managed_estates",
    )
    owners_committee = models.ForeignKey(
        "registry.Organisation", verbose_name=_("业委会"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="committee_estates", help_text=_("本小区的业主委员会（须为本社区登记的业委会）"),
    )
    management_mode = models.CharField(_("管理方式"), max_length=20, choices=ManagementMode.choices, blank=True)
    outline = models.JSONField(_("范围轮廓（GeoJSON，WGS-84）"), null=True, blank=True)
    centroid_lon = models.FloatField(_("中心经度"), null=True, blank=True, editable=False)
    centroid_lat = models.FloatField(_("中心纬度"), null=True, blank=True, editable=False)
    # Kept by database triggers on the buildings and houses (migration 0018): exact whatever writes them.
    building_count = models.PositiveIntegerField(_("楼栋数"), default=0, editable=False)
    house_count = models.PositiveIntegerField(_("房屋数"), default=0, editable=False)

    class Meta:
        verbose_name = _("小区/院落")
        verbose_name_plural = _("小区/院落")
        ordering = ["area", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="registry_estate_unique_name")]
        indexes = [models.Index(fields=["centroid_lon", "centroid_lat"], name="registry_estate_centroid")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # An update never writes the counts: the triggers own them, and an estate loaded before a house
        # was added would put its old count back.
        if not self._state.adding and not kwargs.get("force_insert") and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [field.name for field in self._meta.concrete_fields
                                       if not field.primary_key and field.name not in COUNTED_BY_TRIGGERS]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """The property company and the 业委会 are organisations of their kind; the 业委会 is one of the
        estate's own community (an owners' committee elsewhere cannot be this estate's)."""
        errors = {}
        company = self.property_company if self.property_company_id else None
        if company is not None and company.kind != OrganisationKind.PROPERTY_COMPANY:
            errors["property_company"] = ValidationError(
                _("“%(name)s”不是物业公司。"), code="not_property_company", params={"name": company.name})
        committee = self.owners_committee if self.owners_committee_id else None
        if committee is not None:
            if committee.kind != OrganisationKind.OWNERS_COMMITTEE:
                errors["owners_committee"] = ValidationError(
                    _("“%(name)s”不是业委会。"), code="not_owners_committee", params={"name": committee.name})
            elif self.area_id is not None and not committee.area.path.startswith(community_path(self.area)):
                errors["owners_committee"] = ValidationError(
                    _("业委会“%(name)s”不在本小区所在社区，请选择本社区的业委会。"), code="committee_out_of_area",
                    params={"name": committee.name})
        outline_error = _check_outline(self, "outline", max_m2=2_000_000.0, max_extent_m=3_000.0)
        if outline_error is not None:
            errors["outline"] = outline_error
        if errors:
            raise ValidationError(errors)


def _check_outline(obj, field: str, **bounds) -> ValidationError | None:
    """Validate ``obj.<field>`` (a footprint or outline) and set its centroid; the error or ``None``."""
    from gongzhi.core import geo

    value = getattr(obj, field)
    if not value:
        setattr(obj, field, None)
        obj.centroid_lon = obj.centroid_lat = None
        return None
    inside = obj.area.geometry if obj.area_id is not None else None
    try:
        geometry = geo.validate_footprint(value, inside=inside, **bounds)
    except ValidationError as error:
        return error
    setattr(obj, field, geometry)
    obj.centroid_lon, obj.centroid_lat = geo.centroid(geometry)
    return None


class Building(AreaBoundModel):
    estate = models.ForeignKey(Estate, verbose_name=_("小区/院落"), on_delete=models.PROTECT, related_name="buildings")
    name = models.CharField(_("楼栋"), max_length=50, help_text=_("如“3栋”"))
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    footprint = models.JSONField(_("楼栋轮廓（GeoJSON，WGS-84）"), null=True, blank=True,
                                 help_text=_("楼栋基底的多边形，经纬度（WGS-84/CGCS2000）"))
    centroid_lon = models.FloatField(_("中心经度"), null=True, blank=True, editable=False)
    centroid_lat = models.FloatField(_("中心纬度"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["estate", "name"]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="registry_building_unique_name")]
        indexes = [models.Index(fields=["centroid_lon", "centroid_lat"], name="registry_building_centroid")]

    def __str__(self) -> str:
        return f"{self.estate}{self.name}"

    def clean(self) -> None:
        """The footprint: a closed polygon of a building's size (4 m² to 10 ha, at most 1 km
        across) inside the building's area when the area has a boundary; sets the centroid."""
        error = _check_outline(self, "footprint")
        if error is not None:
            raise ValidationError({"footprint": error})


class Unit(AreaBoundModel):
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("单元"), max_length=50, help_text=_("如“1单元”"))

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["building", "name"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="registry_unit_unique_name")]

    def __str__(self) -> str:
        return f"{self.building}{self.name}"


class HouseQuerySet(RegistryQuerySet):
    def rented(self) -> "HouseQuerySet":
        return self.filter(use=HouseUse.RENTED)


class House(AreaBoundModel):
    """A dwelling or premises. Bungalows in a compound may have no building or unit."""

    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.PROTECT, related_name="houses"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单元"), null=True, blank=True, on_delete=models.PROTECT, related_name="houses"
    )
    room = models.CharField(_("门牌/室号"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200)
    floor_area = models.DecimalField(_("建筑面积（平方米）"), max_digits=8, decimal_places=2, null=True, blank=True)
    use = models.CharField(_("用途"), max_length=20, choices=HouseUse.choices, default=HouseUse.OWNER_OCCUPIED)
    owner = models.ForeignKey(
        "registry.Person", verbose_name=_("产权人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="owned_houses",
    )
    tenant = models.ForeignKey(
        "registry.Person", verbose_name=_("承租人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="rented_houses",
    )
    lease_start = models.DateField(_("租期开始"), null=True, blank=True)
    lease_end = models.DateField(_("租期结束"), null=True, blank=True)
    last_rental_check = models.DateField(_("最近一次出租屋检查"), null=True, blank=True)

    objects = HouseQuerySet.as_manager()

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["area", "address"]
        indexes = [models.Index(fields=["use", "last_rental_check"], name="registry_house_rental_check"),
                   # The house list in address order, paged by the last house seen (``core.paging``).
                   models.Index(fields=["address", "id"], name="registry_house_address")]

    def __str__(self) -> str:
        return self.address

    def clean(self) -> None:
        errors = {}
        if self.unit_id is not None:
            if self.building_id is None:
                self.building_id = self.unit.building_id
            elif self.unit.building_id != self.building_id:
                errors["unit"] = ValidationError(_("单元不属于所选楼栋。"), code="unit_building_mismatch")
        if self.use != HouseUse.RENTED and (self.tenant_id is not None or self.lease_start or self.lease_end):
            errors["use"] = ValidationError(_("只有出租房屋才能登记承租人和租期。"), code="not_rented")
        if self.lease_start and self.lease_end and self.lease_end < self.lease_start:
            errors["lease_end"] = ValidationError(_("租期结束不能早于开始。"), code="lease_order")
        if self.last_rental_check and self.last_rental_check > datetime.date.today():
            errors["last_rental_check"] = ValidationError(_("检查日期不能晚于今天。"), code="future_date")
        if errors:
            raise ValidationError(errors)
