"""Suggesting a category for a report: keywords plus a naive Bayes model trained on past cases.

Each 小类's name and keywords form a small pseudo-document, so a fresh installation suggests
from keywords alone. Every accepted case then adds its description under the category staff
finally chose — a correction of the suggestion teaches the model exactly what it got wrong —
and ``train()`` (run by a task after corrections, and nightly) rebuilds the counts. Text is
split into jieba words and character bigrams, which copes with words jieba does not know.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable

from django.db.models import Max
from django.utils import timezone

from .models import Case, CaseStatus, Category, ClassifierState

KEYWORD_WEIGHT = 3  # a category's keywords count as this many training documents
MIN_PROBABILITY = 0.2  # below this the suggestion is not shown
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_lock = threading.Lock()
_loaded: tuple[int | None, dict | None] = (None, None)


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    """jieba words of two or more characters, and the character bigrams of each run of Chinese."""
    text = (text or "").lower()
    words = [word for word in _jieba().lcut(text) if len(word) > 1 and _WORD.search(word)]
    bigrams = [run[i:i + 2] for run in _CJK.findall(text) for i in range(len(run) - 1)]
    return words + bigrams


def _documents() -> Iterable[tuple[int, list[str], int]]:
    """(category id, tokens, weight): keyword pseudo-documents, then accepted cases."""
    for category in Category.objects.active().minor().select_related("parent"):
        words = " ".join([category.name, category.parent.name, *category.keyword_list()])
        yield category.pk, tokens(words), KEYWORD_WEIGHT
    cases = (Case.objects.filter(category__isnull=False, category__active=True)
             .exclude(status__in=[CaseStatus.REPORTED, CaseStatus.REJECTED])
             .values_list("category_id", "description"))
    for category_id, description in cases.iterator(chunk_size=2000):
        yield category_id, tokens(description), 1


def train() -> ClassifierState:
    """Count tokens per category over every document and store the model (a new row)."""
    documents: Counter[int] = Counter()
    counts: dict[int, Counter[str]] = {}
    cases = 0
    for category_id, words, weight in _documents():
        documents[category_id] += weight
        counter = counts.setdefault(category_id, Counter())
        for word in words:
            counter[word] += weight
        cases += weight == 1
    vocabulary = len({word for counter in counts.values() for word in counter})
    model = {
        "documents": {str(k): v for k, v in documents.items()},
        "counts": {str(k): dict(v) for k, v in counts.items()},
        "totals": {str(k): sum(v.values()) for k, v in counts.items()},
        "vocabulary": vocabulary,
    }
    return ClassifierState.objects.create(trained_at=timezone.now(), cases=cases, model=model)


def _model() -> dict | None:
    """The newest trained model, cached per process until a newer one is stored."""
    global _loaded
    latest = ClassifierState.objects.aggregate(pk=Max("pk"))["pk"]
    if latest is None:
        return None
    if _loaded[0] != latest:
        with _lock:
            state = ClassifierState.objects.filter(pk=latest).values_list("model", flat=True).first()
            _loaded = (latest, state)
    return _loaded[1]


def scores(text: str, model: dict | None = None) -> list[tuple[int, float]]:
    """(category id, probability) for every known category, best first."""
    model = model if model is not None else _model()
    if not model or not model["documents"]:
        return []
    words = tokens(text)
    total_documents = sum(model["documents"].values())
    vocabulary = max(1, model["vocabulary"])
    logs = {}
    for key, documents in model["documents"].items():
        counts, total = model["counts"].get(key, {}), model["totals"].get(key, 0)
        log_p = math.log(documents / total_documents)
        for word in words:
            log_p += math.log((counts.get(word, 0) + 1) / (total + vocabulary))
        logs[int(key)] = log_p
    top = max(logs.values())
    exp = {key: math.exp(value - top) for key, value in logs.items()}
    norm = sum(exp.values())
    return sorted(((key, value / norm) for key, value in exp.items()), key=lambda item: -item[1])


def suggest(text: str) -> tuple[Category | None, float | None]:
    """The likeliest active 小类 for ``text`` and its probability, or (None, None)."""
    ranked = scores(text)
    if not ranked:
        return None, None
    active = set(Category.objects.active().minor().filter(pk__in=[k for k, _p in ranked[:5]])
                 .values_list("pk", flat=True))
    for category_id, probability in ranked[:5]:
        if category_id in active:
            if probability < MIN_PROBABILITY:
                return None, round(probability, 3)
            return Category.objects.get(pk=category_id), round(probability, 3)
    return None, None
