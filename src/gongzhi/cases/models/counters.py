"""Per-day sequence numbers (事件编号 20261202-0007)."""

from __future__ import annotations

import datetime

from django.db import models, transaction
from django.db.models import F


class DailyCounter(models.Model):
    key = models.CharField(max_length=20)
    date = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "date"], name="daily_counter_key_date")]

    @classmethod
    def next(cls, key: str, date: datetime.date) -> int:
        """The next number of ``key`` on ``date``, starting at 1; safe under concurrent callers."""
        with transaction.atomic():
            counter, _created = cls.objects.get_or_create(key=key, date=date)
            cls.objects.filter(pk=counter.pk).update(value=F("value") + 1)
            return cls.objects.values_list("value", flat=True).get(pk=counter.pk)
