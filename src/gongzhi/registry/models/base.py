"""What every area-bound record shares: its area node, its district code, its timestamps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.areas.scope import AreaScopedQuerySet

DISTRICT_CODE_LENGTH = 6


class RegistryQuerySet(AreaScopedQuerySet):
    """Records bound to an area through their own ``area`` foreign key."""

    area_path_field = "area__path"


class AreaBoundModel(models.Model):
    """A record that belongs to one area node and is read through ``.visible_to(user)``.

    ``district_code`` (the first six digits of the area code) is copied on save so that large
    tables can later be partitioned or sharded by district without a join.
    """

    area = models.ForeignKey(Area, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    district_code = models.CharField(_("区县代码"), max_length=DISTRICT_CODE_LENGTH, editable=False, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RegistryQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.area_id is not None:
            self.district_code = self.area.code[:DISTRICT_CODE_LENGTH]
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "area" in update_fields:
                kwargs["update_fields"] = {*update_fields, "district_code"}
        super().save(*args, **kwargs)
