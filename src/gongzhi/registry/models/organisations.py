"""Organisations, vehicles and facilities in an area (the facilities feed the 15-minute analysis)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.privacy.fields import BlindIndexField, EncryptedTextField

from .. import validators
from ..choices import FacilityCategory, OrganisationKind, VehicleKind
from .base import AreaBoundModel


class Organisation(AreaBoundModel):
    """A unit, shop, social organisation, property company or owners' committee in the area."""

    kind = models.CharField(_("类型"), max_length=30, choices=OrganisationKind.choices)
    name = models.CharField(_("名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True)
    # The contact person and the phone are personal data: encrypted, masked, revealed with a reason.
    contact = EncryptedTextField(_("联系人"), blank=True, default="", sensitive="name",
                                 validators=[MaxLengthValidator(50)])
    phone = EncryptedTextField(_("联系电话"), blank=True, default="", sensitive="phone",
                               validators=[MaxLengthValidator(30)])
    phone_index = BlindIndexField(source="phone")
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["area", "kind", "name"]
        indexes = [models.Index(fields=["kind", "name"], name="registry_org_kind_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.uscc:
            try:
                self.uscc = validators.clean_uscc(self.uscc)
            except ValidationError as error:
                errors["uscc"] = error
        if self.phone:
            try:
                self.phone = validators.clean_phone(self.phone)
            except ValidationError as error:
                errors["phone"] = error
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Many small shops have no code: store NULL so that the unique constraint ignores them.
        self.uscc = self.uscc or None
        super().save(*args, **kwargs)


class Vehicle(AreaBoundModel):
    plate = models.CharField(_("车牌号"), max_length=10, unique=True)
    kind = models.CharField(_("车辆类型"), max_length=20, choices=VehicleKind.choices, default=VehicleKind.SMALL)
    owner = models.ForeignKey(
        "registry.Person", verbose_name=_("车主"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="vehicles",
    )

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        ordering = ["area", "plate"]

    def __str__(self) -> str:
        return self.plate

    @property
    def is_new_energy(self) -> bool:
        return len(self.plate) == 8

    def clean(self) -> None:
        try:
            self.plate = validators.clean_plate(self.plate)
        except ValidationError as error:
            raise ValidationError({"plate": error}) from None

    def save(self, *args, **kwargs):
        self.plate = validators.normalise(self.plate)
        super().save(*args, **kwargs)


class Facility(AreaBoundModel):
    """A public-service facility, located in WGS84 like the area geometries."""

    category = models.CharField(_("类别"), max_length=20, choices=FacilityCategory.choices)
    name = models.CharField(_("名称"), max_length=200)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务设施")
        verbose_name_plural = _("服务设施")
        ordering = ["area", "category", "name"]
        indexes = [models.Index(fields=["category", "area"], name="registry_facility_category")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if (self.lon is None) != (self.lat is None):
            missing = "lat" if self.lat is None else "lon"
            errors[missing] = ValidationError(_("经度和纬度须同时填写。"), code="partial_location")
        if self.lon is not None and not -180 <= self.lon <= 180:
            errors["lon"] = ValidationError(_("经度应在 -180 到 180 之间。"), code="invalid_lon")
        if self.lat is not None and not -90 <= self.lat <= 90:
            errors["lat"] = ValidationError(_("纬度应在 -90 到 90 之间。"), code="invalid_lat")
        if errors:
            raise ValidationError(errors)
