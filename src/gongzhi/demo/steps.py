"""The demo's builders: the district and the accounts first (``district.py``), then every step the
installed apps declare (``DemoStep`` in their ``plugin.py``), each after the steps it names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gongzhi.areas.models import Area
from gongzhi.core import plugins


@dataclass(frozen=True)
class DemoContext:
    root: Area  # the demo district
    residents: int  # how many synthetic residents were asked for (``--residents``)
    write: Callable[[str], None]  # a line of the command's output


def run_steps(ctx: DemoContext) -> None:
    for step in plugins.declarations().demo_steps:
        plugins.resolve(step.build)(ctx)
