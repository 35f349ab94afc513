"""Choices shared by the deliberation models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CatalogueKind(models.TextChoices):
    MAY = "may", _("可协商（六议）")
    MAY_NOT = "may_not", _("不协商（六不议）")


class BodyKind(models.TextChoices):
    COMMITTEE = "committee", _("协商委员会")
    GRID_COUNCIL = "grid_council", _("网格议事会")
    BUILDING_COUNCIL = "building_council", _("楼栋理事会")
    PROPERTY_COUNCIL = "property_council", _("物业四位一体联席会")
    PARTY_BRANCH = "party_branch", _("党支部")
    TWO_COMMITTEES = "two_committees", _("村（社区）两委")
    REPRESENTATIVES = "representatives", _("村（居）民代表会议")


class Form(models.TextChoices):
    """The forms of consultation the seeds name."""

    MEETING = "meeting", _("会议协商")
    DIALOGUE = "dialogue", _("对话协商")
    WRITTEN = "written", _("书面协商")
    ONLINE = "online", _("网络协商（微协商）")


class TopicStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    REFUSED = "refused", _("不予受理")
    DISCUSSING = "discussing", _("协商中")
    DECIDING = "deciding", _("表决中")
    DECIDED = "decided", _("已决定")
    REJECTED = "rejected", _("未通过")
    IMPLEMENTING = "implementing", _("落实中")
    DONE = "done", _("已办结")
    CLOSED = "closed", _("已结束")


class ScopeKind(models.TextChoices):
    COMMUNITY = "community", _("社区/村")
    GRID = "grid", _("网格")
    ESTATE = "estate", _("小区/院落")
    BUILDING = "building", _("楼栋")
