"""Votes (民事民决): the frozen electoral roll, one participation per elector (enforced by the
database), and the hash-chained ledger of ballots published with the result.

Secrecy: a secret vote's ledger entries do not name the elector; the participation (who voted) and
the entry (what was chosen) are written in one transaction but not linked. The public ledger shows
each entry's ``commitment`` (a hash of the receipt, the choice and a secret salt), never the choice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.registry.models.base import AreaBoundModel
from gongzhi.registry.models.on_behalf import OnBehalfRecord


class Electorate(models.TextChoices):
    RESIDENTS = "residents", _("年满十八周岁的居（村）民")
    HOUSEHOLDS = "households", _("住户（每户一票）")
    COMMITTEE = "committee", _("协商委员会成员")
    OWNERS = "owners", _("业主")
    PARTY_MEMBERS = "party_members", _("有表决权的党员")
    VILLAGER_REPRESENTATIVES = "villager_representatives", _("村（居）民代表")


class Rule(models.TextChoices):
    SIMPLE_MAJORITY = "simple_majority", _("简单多数（同意超过参与表决的半数）")
    TWO_THIRDS = "two_thirds", _("三分之二多数（同意达到参与表决的三分之二以上）")
    HOUSEHOLDS_60 = "households_60", _("全体住户百分之六十以上同意")
    OWNERS_ORDINARY = "owners_ordinary", _("业主大会一般事项（民法典第二百七十八条）")
    OWNERS_MAJOR = "owners_major", _("业主大会重大事项（筹集维修资金、改建重建、改变共有部分用途）")
    RESIDENTS_MEETING = "residents_meeting", _("居民会议（城市居民委员会组织法第十二条）")
    VILLAGERS_MEETING = "villagers_meeting", _("村民会议（村民委员会组织法第二十二条）")
    REPRESENTATIVES_MEETING = "representatives_meeting", _("村民代表会议（村民委员会组织法第二十六条）")
    PARTY_MEMBERS_MEETING = "party_members_meeting", _("党员大会（中国共产党支部工作条例第十一条）")


class BallotMethod(models.TextChoices):
    ONLINE = "online", _("网上投票")
    PAPER = "paper", _("纸质选票（工作人员录入）")
    HANDS = "hands", _("举手表决（工作人员录入）")


class EntryKind(models.TextChoices):
    BALLOT = "ballot", _("选票")
    TALLY = "tally", _("现场计票结果")


class Vote(AreaBoundModel):
    title = models.CharField(_("表决事项"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    topic = models.ForeignKey("deliberation.Topic", verbose_name=_("议题"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="votes")
    meeting = models.ForeignKey("deliberation.Meeting", verbose_name=_("会议"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="votes")
    body = models.ForeignKey("deliberation.Body", verbose_name=_("议事机构"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="votes",
                             help_text=_("委员会或代表表决时的机构"))
    estate = models.ForeignKey("registry.Estate", verbose_name=_("小区/院落"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("registry.Building", verbose_name=_("楼栋"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    electorate = models.CharField(_("表决主体"), max_length=30, choices=Electorate.choices)
    rule = models.CharField(_("表决规则"), max_length=30, choices=Rule.choices)
    options = models.JSONField(_("选项"), default=list)
    opens = models.DateTimeField(_("开始时间"))
    closes = models.DateTimeField(_("截止时间"))
    secret = models.BooleanField(_("无记名投票"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # The roll, frozen when the vote is created (denominators of every rule).
    roll_count = models.PositiveIntegerField(_("应参与表决数"), default=0)
    roll_households = models.PositiveIntegerField(_("应参与户数"), default=0)
    roll_area = models.DecimalField(_("专有部分总面积"), max_digits=14, decimal_places=2, default=0)
    # The ledger's head: the hash of its last entry ("" while empty), and its length.
    ledger_head = models.CharField(max_length=64, blank=True)
    ledger_length = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    tallied_at = models.DateTimeField(_("计票时间"), null=True, blank=True)
    result = models.JSONField(_("表决结果"), null=True, blank=True)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["-opens", "-pk"]
        indexes = [models.Index(fields=["area", "opens"], name="delib_vote_area_opens")]

    def __str__(self) -> str:
        return self.title

    @property
    def by_household(self) -> bool:
        return self.electorate == Electorate.HOUSEHOLDS

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.cancelled_at is None and self.opens <= at < self.closes

    @property
    def state(self) -> str:
        now = timezone.now()
        if self.cancelled_at is not None:
            return "cancelled"
        if now < self.opens:
            return "pending"
        if now < self.closes:
            return "open"
        return "closed"


class Elector(models.Model):
    """One line of the frozen roll: a person, a household (household votes) or an owner (with the
    exclusive floor area they hold in scope). ``key`` makes it unique within the vote."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="electors")
    key = models.CharField(max_length=30)
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    area_weight = models.DecimalField(_("专有部分面积"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("表决名册")
        verbose_name_plural = _("表决名册")
        constraints = [models.UniqueConstraint(fields=["vote", "key"], name="delib_elector_unique")]
        indexes = [models.Index(fields=["vote", "person"], name="delib_elector_person"),
                   models.Index(fields=["vote", "household"], name="delib_elector_household")]


class Participation(models.Model):
    """That an elector voted (one per elector and vote: the database refuses a second)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="participations")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(_("投票方式"), max_length=10, choices=BallotMethod.choices)
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("投票账号"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("投票时间"), default=timezone.now)

    class Meta:
        verbose_name = _("参与表决记录")
        verbose_name_plural = _("参与表决记录")
        constraints = [models.UniqueConstraint(fields=["vote", "elector"], name="delib_one_ballot_per_elector")]


class LedgerEntry(models.Model):
    """One entry of the vote's hash chain: a ballot, or a tally entered by staff (show of hands,
    counted paper ballots) with its counts. ``hash`` covers every public field and ``prev_hash``."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ledger")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=EntryKind.choices, default=EntryKind.BALLOT)
    method = models.CharField(max_length=10, choices=BallotMethod.choices)
    receipt = models.CharField(max_length=32, unique=True)
    choice = models.CharField(max_length=200, blank=True)
    salt = models.CharField(max_length=64, blank=True)
    commitment = models.CharField(max_length=64)
    area_weight = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    counts = models.JSONField(null=True, blank=True)
    elector = models.ForeignKey(Elector, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text="set for open (non-secret) ballots only")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("表决账本条目")
        verbose_name_plural = _("表决账本")
        ordering = ["vote", "seq"]
        constraints = [models.UniqueConstraint(fields=["vote", "seq"], name="delib_ledger_seq_unique")]


class HouseholdRepresentative(OnBehalfRecord):
    """The member a household names to vote for it (besides its head); the head names them online or
    tells staff, who enter it for them (代办)."""

    household = models.OneToOneField("registry.Household", verbose_name=_("户"), on_delete=models.CASCADE,
                                     related_name="vote_representative")
    person = models.ForeignKey("registry.Person", verbose_name=_("代表"), on_delete=models.CASCADE, related_name="+")
    named_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    named_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("户代表")
        verbose_name_plural = _("户代表")
