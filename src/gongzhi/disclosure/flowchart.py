"""A power's procedure drawn as a flow chart: inline SVG written on the server (no script, no CDN).

One box per step, top to bottom, joined by arrows; Chinese text wrapped to the box by width (a
Chinese character is one em, other characters about half). Every text is escaped. The chart is an
image to assistive technology (``role="img"`` with ``<title>`` and ``<desc>``); pages put the
steps beside it as a list as well.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 340
BOX_X, BOX_W = 20, 300
PAD_X, PAD_Y = 12, 10
TITLE_SIZE, TITLE_LINE = 15, 21
ACTOR_SIZE, ACTOR_LINE = 12, 17
GAP = 32  # between boxes: the arrow
MARGIN = 8
INK, MUTED, LINE, FILL, ACCENT = "#1d2733", "#4a5663", "#0f3d6e", "#eef4fb", "#0f3d6e"


@dataclass(frozen=True)
class Step:
    title: str
    actor: str = ""


def char_width(char: str, size: float) -> float:
    """Approximate advance of ``char`` at font ``size``: wide (CJK, full-width) one em, else ~0.6 em."""
    return size if unicodedata.east_asian_width(char) in ("W", "F") else size * 0.6


def wrap(text: str, size: float, width: float) -> list[str]:
    """``text`` cut into lines no wider than ``width``; breaks between any two characters (Chinese
    has no spaces), preferring a break after a space or punctuation within the last few characters."""
    lines: list[str] = []
    current, used = "", 0.0
    for char in " ".join((text or "").split()):
        advance = char_width(char, size)
        if current and used + advance > width:
            cut = max((current.rfind(p) for p in " ，、；：）)"), default=-1)
            if cut >= len(current) - 4 and cut > 0:
                lines.append(current[:cut + 1].rstrip())
                current = current[cut + 1:].lstrip()
            else:
                lines.append(current)
                current = ""
            used = sum(char_width(c, size) for c in current)
        current += char
        used += advance
    if current or not lines:
        lines.append(current)
    return lines


def render(steps: list[Step], *, chart_id: str, name: str) -> SafeString:
    """The flow chart of ``steps`` as an ``<svg>`` element. ``chart_id`` makes the ids unique on a
    page holding several charts (letters, digits, ``-`` and ``_``)."""
    chart_id = "".join(c for c in chart_id if c.isascii() and (c.isalnum() or c in "-_")) or "flow"
    inner = BOX_W - 2 * PAD_X
    parts: list[str] = []
    y = MARGIN
    for number, step in enumerate(steps, start=1):
        title_lines = wrap(f"{number}. {step.title}", TITLE_SIZE, inner)
        actor_lines = wrap(step.actor, ACTOR_SIZE, inner) if step.actor else []
        height = 2 * PAD_Y + len(title_lines) * TITLE_LINE + len(actor_lines) * ACTOR_LINE
        if number > 1:
            top = y - GAP
            parts.append(f'<line class="flow-arrow" x1="{WIDTH // 2}" y1="{top}" x2="{WIDTH // 2}" y2="{y - 2}" '
                         f'stroke="{LINE}" stroke-width="2" marker-end="url(#{chart_id}-arrow)"/>')
        parts.append(f'<g class="flow-step" data-step="{number}">')
        parts.append(f'<rect class="flow-box" x="{BOX_X}" y="{y}" width="{BOX_W}" height="{height}" rx="8" ry="8" '
                     f'fill="{FILL}" stroke="{ACCENT}" stroke-width="1.5"/>')
        text_y = y + PAD_Y
        for line in title_lines:
            text_y += TITLE_LINE
            parts.append(f'<text x="{WIDTH // 2}" y="{text_y - 5}" text-anchor="middle" font-size="{TITLE_SIZE}" '
                         f'font-weight="600" fill="{INK}">{escape(line)}</text>')
        for line in actor_lines:
            text_y += ACTOR_LINE
            parts.append(f'<text x="{WIDTH // 2}" y="{text_y - 4}" text-anchor="middle" font-size="{ACTOR_SIZE}" '
                         f'fill="{MUTED}">{escape(line)}</text>')
        parts.append("</g>")
        y += height + GAP
    height = max(y - GAP + MARGIN, 2 * MARGIN)
    title = _("“%(name)s”办理流程图") % {"name": name}
    if steps:
        desc = _("共%(n)d步：") % {"n": len(steps)} + " → ".join(
            f"{s.title}（{s.actor}）" if s.actor else s.title for s in steps)
    else:
        desc = _("尚未设置办理步骤。")
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="flowchart" role="img" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'aria-labelledby={quoteattr(f"{chart_id}-title {chart_id}-desc")} data-testid="flowchart">'
            f'<title id={quoteattr(chart_id + "-title")}>{escape(title)}</title>'
            f'<desc id={quoteattr(chart_id + "-desc")}>{escape(desc)}</desc>'
            f'<defs><marker id={quoteattr(chart_id + "-arrow")} viewBox="0 0 10 10" refX="9" refY="5" '
            f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{LINE}"/></marker></defs>')
    return mark_safe(head + "".join(parts) + "</svg>")


def for_item(item) -> SafeString:
    """The chart of a ``PowerItem`` (its steps in order; prefetched ``steps`` are used as they are)."""
    steps = [Step(s.title, s.actor) for s in sorted(item.steps.all(), key=lambda s: s.order)]
    return render(steps, chart_id=f"flow-{item.pk}", name=item.name)
