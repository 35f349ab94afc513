"""The person list's rows, written in one pass (issue 11: rendering was most of a list page at
district scale): the same markup as the per-cell template they replaced, the reveal permission
still decided for each row's own area, and no query per row."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area
from gongzhi.privacy import services as privacy
from gongzhi.privacy.sensitive import PLAIN_FOR_UNMASKERS
from gongzhi.registry import selectors
from gongzhi.registry.models import House, PersonTag, SpecialGroup

from .factories import GRID, NEIGHBOUR_GRID, OTHER_STREET_GRID, make_id, make_person

pytestmark = pytest.mark.django_db

LIST = reverse("registry:person_list")

# The row of registry/person_list.html before issue 11, with each {% masked %} cell given as
# ``id_cell`` / ``phone_cell`` (rendered by ``masked_by_template`` below, as the inclusion tag did).
TEMPLATE_ROW = """{% load i18n registry_tags %}<tr>
<td><a href="{% url 'registry:person_detail' p.pk %}">{{ p.real_name }}</a>{% if p.deceased %} <span class="tag">{% translate "已故" %}</span>{% elif p.moved_out %} <span class="tag">{% translate "已迁出" %}</span>{% endif %}</td>
<td>{{ p.get_gender_display }}</td>
<td>{{ p|age }}</td>
<td>{{ id_cell }}</td>
<td>{{ phone_cell }}</td>
<td>{% if p.house %}<a href="{% url 'registry:house_detail' p.house_id %}">{{ p.house.address }}</a>{% elif p.address_text %}{{ p.address_text }} <span class="tag danger" title="{% translate '尚未匹配到房屋' %}">{% translate "未匹配" %}</span>{% else %}—{% endif %}</td>
<td>{{ p.area.name }}</td>
<td>{% include "registry/_tags.html" with tags=p.tags.all %}</td>
</tr>"""


def masked_by_template(viewer, obj, field: str) -> str:
    """What ``{% masked obj field %}`` rendered before: privacy/_masked.html, permission asked per cell."""
    shown = privacy.shown_value(viewer, obj, field)
    plain = privacy.masking_kind(obj, field) in PLAIN_FOR_UNMASKERS and privacy.may_unmask(viewer, obj)
    label = obj._meta.label_lower
    return render_to_string("privacy/_masked.html", {
        "masked": shown or "", "can_reveal": not plain and privacy.can_reveal(viewer, obj, field),
        "model": label, "pk": obj.pk, "field": field, "dom_id": f"reveal-{label.replace('.', '-')}-{field}-{obj.pk}",
        "error": "",
    })


def rendered_both_ways(viewer, persons) -> tuple[str, str]:
    request = RequestFactory().get(LIST)
    request.user = viewer
    fast = Template("{% load registry_tags %}{% person_rows persons %}").render(
        Context({"persons": persons, "request": request}))
    row = Template(TEMPLATE_ROW)
    reference = "".join(row.render(Context({
        "p": p, "request": request, "id_cell": masked_by_template(viewer, p, "id_number"),
        "phone_cell": masked_by_template(viewer, p, "phone"),
    })) for p in persons)
    return fast, reference


@pytest.fixture
def varied(demo):
    """Persons showing every branch of a row: house or unmatched address or none, deceased, moved
    out, no phone, tags with attributes (numbers and markup), a name with markup, two grids."""
    grid = Area.objects.get(code=GRID)
    house = House.objects.create(area=grid, address="幸福路88号 阳光小区3栋2单元501室")
    disabled, veteran = SpecialGroup.objects.get(code="disabled"), SpecialGroup.objects.get(code="veteran")
    tagged = make_person(name="张三", id_number=make_id(sequence="011"), phone="13912345678", house=house)
    PersonTag.objects.create(person=tagged, group=disabled, attributes={"等级": 2, "类别": "<肢体>"})
    PersonTag.objects.create(person=tagged, group=veteran)
    make_person(name="<b>李四</b>", id_number=make_id(birth="19400101", sequence="022"), address_text="和平路12号&3")
    make_person(name="王五", id_number=make_id(sequence="033"), deceased=True, phone="+8613800001111")
    make_person(name="赵六", id_number=make_id(sequence="044"), moved_out=True, birth_date=None)
    make_person(name="钱七", grid=NEIGHBOUR_GRID, id_number="")
    make_person(name="孙八", grid=OTHER_STREET_GRID, id_number=make_id(sequence="055"), phone="0551-6543210")


@pytest.mark.parametrize("username", ["district", "community", "grid"])
def test_rows_are_the_markup_of_the_template_they_replaced(demo, varied, username):
    viewer = demo.users[username]
    persons = list(selectors.for_person_list(selectors.persons_for(viewer)))
    assert len(persons) >= 4
    fast, reference = rendered_both_ways(viewer, persons)
    assert fast == reference
    reveals = fast.count('<details class="reveal">')
    assert reveals > 0 if username != "grid" else reveals == 0  # grid workers may not unmask


def test_reveal_is_offered_only_in_the_areas_where_the_viewer_may_unmask(demo, varied):
    """Deciding the permission once per page must still follow each row's area: a grid worker in one
    community who is community staff in another street sees reveal forms only for the latter's rows."""
    viewer = User.objects.create(username="two_hats", real_name="两岗", home_area=Area.objects.get(code=GRID))
    RoleAssignment.objects.create(user=viewer, role=Role.GRID_WORKER, area=Area.objects.get(code=GRID))
    RoleAssignment.objects.create(user=viewer, role=Role.COMMUNITY_STAFF,
                                  area=Area.objects.get(code=OTHER_STREET_GRID).parent)
    persons = list(selectors.for_person_list(selectors.persons_for(viewer)))
    names = {p.real_name for p in persons}
    assert {"张三", "孙八"} <= names
    fast, reference = rendered_both_ways(viewer, persons)
    assert fast == reference
    rows = {re.search(r'">([^<]+)</a>', row).group(1): row for row in fast.split("</tr>") if "<td>" in row}
    assert '<details class="reveal">' in rows["孙八"]
    assert '<details class="reveal">' not in rows["张三"] and "139****5678" in rows["张三"]


def test_the_list_page_shows_the_rows_in_a_fixed_number_of_queries(login_as, varied, django_assert_num_queries):
    client = login_as("district")
    client.get(LIST)
    # PostgreSQL: the page's keys from the name index first, then its rows.
    with django_assert_num_queries(8 if connection.vendor == "sqlite" else 9):
        html = client.get(LIST).content.decode()
    for shown in ("张三", "139****5678", "&lt;b&gt;李四&lt;/b&gt;", "和平路12号&amp;3", "已故", "已迁出", "未匹配",
                  'title="等级：2；类别：&lt;肢体&gt;"'):
        assert shown in html, shown
    assert "13912345678" not in html and "<b>李四</b>" not in html
