"""Small display helpers for the community-records templates."""

from __future__ import annotations

import datetime
from html import escape

from django import template
from django.template.base import render_value_in_context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from gongzhi.core.urlbuild import pk_url
from gongzhi.privacy.masking import mask_id_number
from gongzhi.privacy.templatetags.privacy_tags import masked_cells
from gongzhi.registry.models import Person

register = template.Library()


@register.filter
def age(person) -> int | str:
    """Age in whole years today ("" when the birth date is unknown)."""
    value = person.age_on(datetime.date.today()) if person is not None else None
    return "" if value is None else value


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (``None`` when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def move_date(context, move, person) -> str:
    """A move's date as the viewer may see it: a birth, or a move in on the day of birth, dates the
    birth, so it is masked like the birth date for viewers without ``personal.unmask``."""
    from gongzhi.privacy.masking import MASKED_BIRTH_DATE
    from gongzhi.privacy.services import may_unmask
    from gongzhi.registry.choices import MoveKind

    dates_birth = move.kind == MoveKind.BIRTH or (person.birth_date is not None and move.date == person.birth_date)
    request = context.get("request")
    if dates_birth and not may_unmask(getattr(request, "user", None) or context.get("user"), person):
        return MASKED_BIRTH_DATE
    return move.date.isoformat() if move.date else "—"


@register.simple_tag(takes_context=True)
def person_rows(context, persons) -> SafeString:
    """The person list's table rows, written in one pass over the page (strings escaped as the
    template escaped them: ``html.escape`` is what Django's ``escape`` calls).

    As a template loop, each row's two masked cells (an include and a permission check each), its
    links (a ``reverse()`` each) and its tags (another include) made rendering most of a list page
    at district scale (issue 11). Here the reveal permission is decided once per area
    (``MaskedCells``), the links join each key to one reversed prefix, and the markup is the
    template's (``tests/test_person_rows.py`` holds it to the template it replaced).
    """
    cells = masked_cells(context)
    person_url, house_url = pk_url("registry:person_detail"), pk_url("registry:house_detail")
    status = {"deceased": f' <span class="tag">{escape(gettext("已故"))}</span>',
              "moved_out": f' <span class="tag">{escape(gettext("已迁出"))}</span>'}
    unmatched = f' <span class="tag danger" title="{escape(gettext("尚未匹配到房屋"))}">{escape(gettext("未匹配"))}</span>'
    genders = {value: escape(str(label)) for value, label in Person._meta.get_field("gender").flatchoices}
    today = datetime.date.today()
    rows = []
    for p in persons:
        age_value = p.age_on(today)
        if p.house:
            home = f'<a href="{house_url(p.house_id)}">{escape(p.house.address)}</a>'
        elif p.address_text:
            home = escape(p.address_text) + unmatched
        else:
            home = "—"
        rows.append(
            f'<tr>\n<td><a href="{person_url(p.pk)}">{escape(p.real_name)}</a>'
            f'{status["deceased"] if p.deceased else status["moved_out"] if p.moved_out else ""}</td>\n'
            f'<td>{genders.get(p.gender) or escape(p.gender)}</td>\n'
            f'<td>{"" if age_value is None else age_value}</td>\n'
            f'<td>{cells.cell(p, "id_number")}</td>\n<td>{cells.cell(p, "phone")}</td>\n<td>{home}</td>\n'
            f"<td>{escape(p.area.name)}</td>\n<td>{_tag_spans(context, _tags_of(p))}</td>\n</tr>"
        )
    return mark_safe("".join(rows))


def _tags_of(person) -> list:
    """The person's tags: as ``selectors.for_person_list`` read them, else from its relation."""
    tags = getattr(person, "list_tags", None)
    return person.tags.all() if tags is None else tags


def _shown(value, context) -> str:
    """``{{ value }}``: a plain string escaped directly (most attribute keys and values), anything else
    localised and escaped as the template would."""
    if type(value) is str:
        return escape(value)
    return render_value_in_context(value, context)


def _tag_attributes(tag) -> list[tuple[str, object]]:
    """A tag's attributes as (Chinese label, value): in the group's declared order, named by their
    labels; keys the group does not declare (older data) follow under their own names."""
    attributes = tag.attributes or {}
    schema = tag.group.attribute_schema or []
    declared = [(item.get("label") or item["key"], attributes[item["key"]]) for item in schema
                if isinstance(item, dict) and "key" in item and attributes.get(item["key"]) is not None]
    keys = {item.get("key") for item in schema if isinstance(item, dict)}
    return declared + [(key, value) for key, value in attributes.items() if key not in keys and value is not None]


def _shown_value(value, context) -> str:
    if value is True:
        return escape(gettext("是"))
    if value is False:
        return escape(gettext("否"))
    return _shown(value, context)


@register.simple_tag(takes_context=True)
def tag_title(context, tag) -> SafeString:
    """A tag's tooltip: 残疾类别：听力残疾；残疾等级：二级 (labels, not the stored keys; 是/否, not True/False)."""
    return mark_safe("；".join(f"{_shown(label, context)}：{_shown_value(value, context)}"
                              for label, value in _tag_attributes(tag)))


def _tag_spans(context, tags) -> SafeString:
    """``registry/_tags.html``: each tag with its attributes as the title."""
    spans = []
    for tag in tags:
        spans.append(f'<span class="tag" title="{tag_title(context, tag)}">{escape(tag.group.name)}</span> ')
    return mark_safe("".join(spans) + "\n")


@register.filter
def masked_id(value: str) -> str:
    """An ID number shown masked (move-in requests are listed without a reveal widget)."""
    return mask_id_number(value or "") or "—"


@register.filter
def may_edit_registry(user) -> bool:
    """Whether ``user`` registers records anywhere (the move-in requests tab is for them)."""
    from gongzhi.accounts.permissions import has_perm
    from gongzhi.accounts.roles import Perm

    return has_perm(user, Perm.REGISTRY_EDIT)
