"""What an action taken by staff for a resident (代办) carries: who entered it, how the resident
expressed it and a note. Models of residents' actions inherit ``OnBehalfRecord``; the action
itself stays the resident's (their person, their account when they have one)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OnBehalfChannel(models.TextChoices):
    IN_PERSON = "in_person", _("当面")
    PHONE = "phone", _("电话")
    HOME_VISIT = "home_visit", _("上门")


class OnBehalfRecord(models.Model):
    """Abstract: the 代办 marks of a resident's action (empty when the resident acted online)."""

    on_behalf_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代办人员"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     help_text=_("仅工作人员和审计可见"))
    on_behalf_channel = models.CharField(_("居民表达方式"), max_length=12, choices=OnBehalfChannel.choices,
                                         blank=True)
    on_behalf_note = models.CharField(_("代办说明"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def by_proxy(self) -> bool:
        """Entered by staff for the resident (代办)."""
        return bool(self.on_behalf_channel)
