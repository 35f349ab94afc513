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

__all__ = ["CATEGORIES_OF", "EXPENSE_CATEGORIES", "INCOME_CATEGORIES", "EntryKind", "FinanceCategory", "LedgerEntry",
           "Body", "Category", "DisclosureAttachment", "DisclosureHistory", "DisclosureItem", "HistoryAction",
           "Question", "Status", "body_label", "category_label"]
