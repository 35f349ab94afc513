"""The case loop's data: catalogue and routing, the working calendar, cases and their timeline, patrols."""

from .calendar import CalendarDay, DayKind, DaySource
from .case import (
    Case,
    CaseEvent,
    CasePhoto,
    CaseQuerySet,
    CaseSource,
    CaseStatus,
    ENTERED_FOR_CALLER,
    ExtensionRequest,
    ExtensionStatus,
    HandlingLevel,
    PhotoStage,
    Priority,
    Rating,
)
from .catalogue import Category, CategoryQuerySet, LimitUnit, RoutingRule
from .classifier import ClassifierState
from .counters import DailyCounter
from .loop_settings import LoopSettings
from .open311 import Open311Key, Open311Submission
from .patrol import Patrol, PatrolVisit

__all__ = [
    "CalendarDay", "Case", "ENTERED_FOR_CALLER", "CaseEvent", "CasePhoto", "CaseQuerySet", "CaseSource", "CaseStatus", "Category",
    "CategoryQuerySet", "ClassifierState", "DailyCounter", "DayKind", "DaySource", "ExtensionRequest", "ExtensionStatus",
    "HandlingLevel", "LimitUnit", "LoopSettings", "Open311Key", "Open311Submission", "Patrol", "PatrolVisit", "PhotoStage", "Priority", "Rating", "RoutingRule",
]
