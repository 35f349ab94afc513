from .finances import (  # noqa: F401
    CATEGORIES_OF,
    EXPENSE_CATEGORIES,
    INCOME_CATEGORIES,
    EntryKind,
    FinanceCategory,
    LedgerEntry,
)
from .items import (  # noqa: F401
    Body,
    Category,
    DisclosureAttachment,
    DisclosureHistory,
    DisclosureItem,
    HistoryAction,
    Question,
    Status,
    body_label,
    category_label,
)
from .powers import AppliesTo, ExerciseOutcome, PowerExercise, PowerItem, PowerStep
from .property import (
    CriterionScore,
    EvaluationStatus,
    PropertyEvaluation,
    PropertySettings,
    SatisfactionRating,
    ScoreCriterion,
)

__all__ = [
    "CATEGORIES_OF", "EXPENSE_CATEGORIES", "INCOME_CATEGORIES", "EntryKind", "FinanceCategory", "LedgerEntry",
    "Body", "Category", "DisclosureAttachment", "DisclosureHistory", "DisclosureItem", "HistoryAction",
    "Question", "Status", "body_label", "category_label",
    "AppliesTo", "CriterionScore", "EvaluationStatus", "ExerciseOutcome", "PowerExercise", "PowerItem", "PowerStep",
    "PropertyEvaluation", "PropertySettings", "SatisfactionRating", "ScoreCriterion",
]
