"""Panels of the staff console contributed by the apps (cases, later services, deliberation…).

An app registers ``ConsolePanel(template, context, visible)`` from its ``AppConfig.ready``; the
console shows each visible panel with the data its ``context(user)`` returns. The console thus
grows with the apps without the core knowing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ConsolePanel:
    template: str
    context: Callable[[object], dict]
    visible: Callable[[object], bool]
    order: int = 100


PANELS: list[ConsolePanel] = []


def register_panel(panel: ConsolePanel) -> None:
    if panel not in PANELS:
        PANELS.append(panel)
        PANELS.sort(key=lambda p: p.order)


def panels_for(user) -> list[dict]:
    return [{"template": panel.template, "data": panel.context(user)} for panel in PANELS if panel.visible(user)]
