"""The words for places and their people: 镇/村/村民小组 (``Area.kind_label``), 村民 or 居民.

``{% people_word area %}`` names the people living in an area; ``{% people_word user %}`` the
people a staff member serves: 村民 when every area in their scope is a village or lies in one,
居民 otherwise (a street or a town may hold both).
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area, is_village_code
from gongzhi.areas.scope import scope_paths

register = template.Library()


@register.simple_tag
def people_word(subject) -> str:
    if isinstance(subject, Area):
        return subject.resident_label
    paths = scope_paths(subject)
    codes = [path.strip("/").rsplit("/", 1)[-1] for path in paths]
    if codes and all(is_village_code(code) for code in codes):
        return _("村民")
    return _("居民")
