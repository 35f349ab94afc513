"""Write the generated part of docs/cases.md (the transition table) from ``gongzhi.cases.workflow``.

Between the markers ``<!-- transitions -->`` and ``<!-- /transitions -->``; a test fails when the
file differs from what this command writes, so the table and the document cannot drift apart.
``--check`` exits 1 instead of writing when the file is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from gongzhi.cases.models import CaseStatus
from gongzhi.cases.workflow import TRANSITIONS

DOC_PATH = Path(settings.BASE_DIR) / "docs" / "cases.md"
START, END = "<!-- transitions -->", "<!-- /transitions -->"
ACTOR_TEXT = {
    "acceptor": "acceptor (`cases.accept` where the case is)", "dispatcher": "dispatcher (`cases.dispatch`)",
    "handler": "handler at the case's level (grid worker, community staff, or the lead department)",
    "lead_department": "lead department", "verifier": "verifier (`cases.verify`)",
    "supervisor": "supervisor (`cases.supervise`)", "reporter": "reporter (not for cases typed in for a caller)",
    "community": "community staff (`cases.accept` where the case is)",
    "whistler": "community staff, for a category communities may whistle (社区吹哨)",
    "closer": "the centre (`cases.supervise`); for a verified grid or community case also its community",
    "callback": "the centre (`cases.supervise`), not someone who typed in or handled the case",
}


def table() -> str:
    lines = ["| action | button (中文) | from | to | who | reason required |", "|---|---|---|---|---|---|"]
    with translation.override("zh-hans"):
        for t in TRANSITIONS.values():
            sources = ", ".join(f"`{s}`" for s in CaseStatus.values if s in t.sources)
            target = f"`{t.target}`" if t.target else "(unchanged)"
            who = "; ".join(ACTOR_TEXT[str(a)] for a in t.actors)
            label = " / ".join([str(t.label), *(str(text) for _actor, text in t.actor_labels)])
            reason = "yes" if t.note_required else ("unless verified" if t.action == "close" else "")
            lines.append(f"| `{t.action}` | {label} | {sources} | {target} | {who} | {reason} |")
    return "\n".join(lines)


def render(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


class Command(BaseCommand):
    help = "Regenerate the transition table in docs/cases.md (--check: fail if it is out of date)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, check=False, **options):
        current = DOC_PATH.read_text(encoding="utf-8")
        wanted = render(current)
        if check:
            if wanted != current:
                self.stderr.write("docs/cases.md is out of date: run ./gz manage cases_doc")
                sys.exit(1)
            return
        DOC_PATH.write_text(wanted, encoding="utf-8")
        self.stdout.write(f"wrote {DOC_PATH}")
