"""Server-rendered charts of the community records: pygal SVG, inlined in the page.

Government intranets have no internet, and the site's CSP allows no inline script or style.
So the chart is rendered with ``js=[]`` (pygal's default is a kozea.github.io script), and
pygal's ``<style>`` block, ``style=""`` attributes, comments (which carry pygal.org links) and
generated ids are removed: the chart's look comes from ``.chart`` rules in ``app.css`` keyed on
pygal's class names, and the figures are repeated in an accessible table under the chart.
"""

from __future__ import annotations

import re

import pygal
from django.utils.html import escape
from django.utils.translation import gettext as _
from pygal.style import Style

FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'

_STRIP = [
    re.compile(r"<defs>.*?</defs>", re.S),  # the <style> element (blocked by the CSP anyway)
    re.compile(r"<!--.*?-->", re.S),  # generator comments with http links
    re.compile(r"<title>.*?</title>", re.S),  # pygal's "Pygal" title and axis-position tooltips
    re.compile(r'\sstyle="[^"]*"'),  # inline style attributes (blocked by the CSP)
    re.compile(r'\sid="[^"]*"'),  # random per-render ids; several charts may share a page
]


def _clean(svg: str, title: str) -> str:
    for pattern in _STRIP:
        svg = pattern.sub("", svg)
    # An accessible name for the figure (the same figures are in the table under it).
    return svg.replace('class="pygal-chart"', f'class="pygal-chart" role="img" aria-label="{escape(title)}"', 1)


def _count_label(value) -> str:
    """Axis and value labels: counts without sign; fractional axis ticks left unlabelled."""
    if value is None or not float(value).is_integer():
        return ""
    return f"{abs(int(value))}"


def age_pyramid_svg(pyramid: list[dict], *, title: str = "") -> str:
    """An age pyramid of ``area_statistics(...)["pyramid"]`` as inline SVG markup (oldest at the top).

    Women are drawn to the right and men to the left of the axis; the value axis shows counts
    without sign. Persons of unknown gender are not drawn (the table lists them).
    """
    title = title or _("年龄金字塔")
    bands = list(pyramid)  # pygal draws the first label at the bottom: youngest at the base
    chart = pygal.HorizontalStackedBar(
        style=Style(font_family=FONT, label_font_family=FONT, major_label_font_family=FONT,
                    legend_font_family=FONT, title_font_family=FONT, tooltip_font_family=FONT,
                    value_font_family=FONT, value_label_font_family=FONT, no_data_font_family=FONT,
                    colors=("#2f6fb5", "#d1495b")),
        js=[],  # no script at all: works offline and under the CSP
        disable_xml_declaration=True,
        width=720,
        height=520,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        truncate_label=-1,
        truncate_legend=-1,
        no_data_text=_("暂无数据"),
        value_formatter=_count_label,
    )
    chart.x_labels = [row["band"] for row in bands]
    # Negative counts for men put their bars left of the axis (what pygal.Pyramid does, but with
    # the legend in reading order: men, then women).
    chart.add(_("男"), [-row["male"] for row in bands])
    chart.add(_("女"), [row["female"] for row in bands])
    return _clean(chart.render(is_unicode=True), title)
