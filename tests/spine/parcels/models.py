from django.db import models

from gongzhi.areas.models import Area
from gongzhi.areas.scope import AreaScopedQuerySet
from gongzhi.privacy.fields import EncryptedTextField


class Parcel(models.Model):
    """A plot of land in a grid, with its holder's phone number (personal data, revealable)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=50)
    holder_phone = EncryptedTextField(blank=True, sensitive="phone")

    objects = AreaScopedQuerySet.as_manager()
