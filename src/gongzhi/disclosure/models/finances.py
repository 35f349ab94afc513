"""居财居管: a community's (or village's) book of income and expense entries.

Entries are never edited or deleted: a mistake is corrected by a reversing entry (红字冲销) that
carries the opposite amount and points at the entry it reverses, so the books stay honest after
a month's statement is published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.registry.models.base import AreaBoundModel


class EntryKind(models.TextChoices):
    INCOME = "income", _("收入")
    EXPENSE = "expense", _("支出")


class FinanceCategory(models.TextChoices):
    GRANT = "grant", _("上级拨款")
    COLLECTIVE = "collective", _("集体收入")
    DONATION = "donation", _("捐赠")
    OTHER_INCOME = "other_income", _("其他收入")
    OFFICE = "office", _("办公经费")
    WELFARE = "welfare", _("惠民资金")
    PUBLIC_GOOD = "public_good", _("公益事业")
    ACTIVITIES = "activities", _("活动经费")
    OTHER_EXPENSE = "other_expense", _("其他支出")


INCOME_CATEGORIES = (FinanceCategory.GRANT, FinanceCategory.COLLECTIVE, FinanceCategory.DONATION,
                     FinanceCategory.OTHER_INCOME)
EXPENSE_CATEGORIES = (FinanceCategory.OFFICE, FinanceCategory.WELFARE, FinanceCategory.PUBLIC_GOOD,
                      FinanceCategory.ACTIVITIES, FinanceCategory.OTHER_EXPENSE)
CATEGORIES_OF = {EntryKind.INCOME: INCOME_CATEGORIES, EntryKind.EXPENSE: EXPENSE_CATEGORIES}


class LedgerEntry(AreaBoundModel):
    """One income or expense, with its voucher number (unique within the community). ``amount`` is
    positive, except on a reversing entry, which carries the reversed entry's amount negated."""

    date = models.DateField(_("日期"))
    voucher = models.CharField(_("凭证号"), max_length=30)
    kind = models.CharField(_("收支"), max_length=10, choices=EntryKind.choices)
    category = models.CharField(_("科目"), max_length=20, choices=FinanceCategory.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    summary = models.CharField(_("摘要"), max_length=200)
    handled_by = models.CharField(_("经办人"), max_length=50)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name=_("冲销凭证"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("记账人"))

    class Meta:
        verbose_name = _("收支记录")
        verbose_name_plural = _("收支记录")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["area", "voucher"], name="disclosure_voucher_unique_per_area"),
        ]
        indexes = [models.Index(fields=["area", "date"], name="disclosure_ledger_area_date")]

    def __str__(self) -> str:
        return f"{self.voucher} {self.summary}"

    @property
    def signed_amount(self):
        """What the entry does to the balance: income adds, expense takes away."""
        return self.amount if self.kind == EntryKind.INCOME else -self.amount
