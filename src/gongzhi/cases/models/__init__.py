"""The case loop's data: catalogue and routing, the working calendar, cases and their timeline, patrols."""

from .calendar import CalendarDay, DayKind
from .case import (
    Case,
    CaseEvent,
    CasePhoto,
    CaseQuerySet,
    CaseSource,
    CaseStatus,
    ExtensionRequest,
    ExtensionStatus,
    HandlingLevel,
    PhotoStage,
    Priority,
)
from .catalogue import Category, CategoryQuerySet, LimitUnit, RoutingRule
from .classifier import ClassifierState
from .counters import DailyCounter
from .open311 import Open311Key, Open311Submission
from .patrol import Patrol, PatrolVisit

__all__ = [
    "CalendarDay", "Case", "CaseEvent", "CasePhoto", "CaseQuerySet", "CaseSource", "CaseStatus", "Category",
    "CategoryQuerySet", "ClassifierState", "DailyCounter", "DayKind", "ExtensionRequest", "ExtensionStatus",
    "HandlingLevel", "LimitUnit", "Open311Key", "Open311Submission", "Patrol", "PatrolVisit", "PhotoStage", "Priority", "RoutingRule",
]
