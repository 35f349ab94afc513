"""Finding the resident a counter page acts for: ``?person=<id>`` (404 outside the user's records), or
a search (name, initials, ID or phone last four) listing the first ``SHOWN`` matches to pick from."""

from __future__ import annotations

from gongzhi.registry import selectors as registry

SHOWN = 20


def pick_person(request):
    """``(person or None, the search text, the matches to pick from)``."""
    person = None
    if request.GET.get("person", "").isdigit():
        person = registry.person_for(request.user, int(request.GET["person"]))
    q = request.GET.get("q", "").strip()[:40]
    found = list(registry.persons_for(request.user, q=q)[:SHOWN]) if q and person is None else []
    return person, q, found
