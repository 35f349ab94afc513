"""Registry pages: the person list (search and filters), one person's record, and its edits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts.roles import Perm
from gongzhi.privacy import services as privacy
from gongzhi.privacy.masking import mask
from gongzhi.privacy.sensitive import field_kind

from .. import paging, selectors, services
from ..searching import guard_id_search
from ..forms import MoveForm, PersonFilterForm, PersonForm, TagForm, add_service_errors
from ..models.groups import labelled_attributes
from ..models import Estate, House, Household, Organisation, Person, PersonMove, PersonTag, SpecialGroup

PAGE_SIZE = 50

ACTION_LABELS = {
    "registry.person.create": gettext_lazy("登记"),
    "registry.person.update": gettext_lazy("修改"),
    "registry.person.move": gettext_lazy("变动"),
    "registry.person.tag": gettext_lazy("加入特殊人群"),
    "registry.person.untag": gettext_lazy("移出特殊人群"),
    "registry.house.create": gettext_lazy("登记"),
    "registry.house.update": gettext_lazy("修改"),
    "registry.estate.create": gettext_lazy("登记"),
    "registry.estate.update": gettext_lazy("修改"),
}


def query_pairs(form, exclude: tuple[str, ...] = ("page",)) -> list[tuple[str, str]]:
    """The submitted filters (for pagination links), without ``page``."""
    if not form.is_bound:
        return []
    return [(k, v) for k, v in form.data.items() if k not in exclude and v and k in form.fields]


def querystring(form, exclude: tuple[str, ...] = ("page",)) -> str:
    """The submitted filters as a query string (for pagination links), without ``page``."""
    return urlencode(query_pairs(form, exclude))


def can_edit(user, obj) -> bool:
    return selectors.in_perm_scope(user, Perm.REGISTRY_EDIT, obj.area)


def _field_labels(*models) -> dict[str, str]:
    labels: dict[str, str] = {}
    for model in models:
        for field in model._meta.get_fields():
            if hasattr(field, "verbose_name"):
                labels.setdefault(field.name, str(field.verbose_name))
    return labels


def _display(model, name: str, value: Any) -> Any:
    """A stored audit value in words: choice codes as their labels."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # keys that are not fields (e.g. a tag's "attributes") are shown as they are
        return value
    if field_kind(field) and value not in (None, ""):  # entries written before the audit masked them
        return mask(field_kind(field), value)
    if getattr(field, "choices", None) and value not in (None, ""):
        return dict(field.choices).get(value, value)
    if field.is_relation and field.related_model is Organisation and value is not None:  # an estate's bodies
        return Organisation.objects.filter(pk=value).values_list("name", flat=True).first() or value
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


def _attributes_in_words(schema: list, attributes: Any) -> str:
    """A tag's stored attributes as "残疾类别：听力残疾；残疾等级：一级" ("—" when there are none)."""
    if not isinstance(attributes, dict):
        return str(attributes)
    return "；".join(f"{item.label}：{item.value}" for item in labelled_attributes(schema, attributes)) or "—"


def history_rows(entries, model=Person) -> list[dict]:
    """Audit entries as rows of "field: before → after" for the history tables."""
    labels = _field_labels(model, PersonMove, PersonTag, House, Household, Estate)
    labels.update({"group": _("特殊人群"), "deceased": _("已故"), "moved_out": _("已迁出")})
    groups = {code: (name, schema) for code, name, schema in
              SpecialGroup.objects.values_list("code", "name", "attribute_schema")}
    group_names = {code: name for code, (name, _schema) in groups.items()}
    rows = []
    for entry in entries:
        before, after = entry.before or {}, entry.after or {}
        changes = []
        for name in dict.fromkeys([*before, *after]):
            old, new = before.get(name), after.get(name)
            if name == "group":
                old, new = group_names.get(old, old), group_names.get(new, new)
            elif name == "attributes":  # a tag's attributes by their names, never their keys
                schema = groups.get(after.get("group") or before.get("group"), ("", []))[1]
                old, new = (None if value is None else _attributes_in_words(schema, value) for value in (old, new))
            changes.append({"field": labels.get(name, name), "before": _display(model, name, old),
                            "after": _display(model, name, new)})
        rows.append({"entry": entry, "action": ACTION_LABELS.get(entry.action, entry.action), "changes": changes})
    return rows


def import_rows(changes) -> list[dict]:
    labels = _field_labels(Person)
    return [
        {"change": change, "batch": change.batch,
         "changes": [{"field": labels.get(name, name), "before": _display(Person, name, pair[0]),
                      "after": _display(Person, name, pair[1])}
                     for name, pair in (change.changes or {}).items() if isinstance(pair, (list, tuple))
                     and len(pair) == 2]}
        for change in changes
    ]


@login_required
@require_GET
def person_list(request):
    form = PersonFilterForm(request.GET or None, user=request.user)
    args = form.selector_arguments() if form.is_bound else {"order": "name"}
    try:
        guard_id_search(request.user, args.get("q", ""), request=request)
    except ValidationError as error:
        form.add_error("q", error)
        page = paging.Page([], paging.Count(0))
    else:
        page = _person_page(request, form, args)
        selectors.attach_list_tags(page.object_list)
    return render(request, "registry/person_list.html", {
        "form": form, "page": page, "query": querystring(form),
        "filtered": form.is_bound and any(v for k, v in request.GET.items() if k not in ("page", "order")),
    })


def _person_page(request, form, args: dict) -> paging.Page:
    """The page of the person list that ``args`` (``PersonFilterForm.selector_arguments``) asks for."""
    # A "contains" search's matches are read once, for the count and the rows.
    matches = selectors.search_matches(args.get("q", ""))
    persons = selectors.for_person_list(selectors.persons_for(request.user, **args, matches=matches))
    # Many members of a group, or many "contains" matches: the same rows found by walking the name order.
    in_order = ((lambda: selectors.for_person_list(selectors.persons_for(request.user, **args, matches=matches,
                                                                          in_order=True)))
                if args.get("tags") or selectors.walks_search(args.get("q", "")) else None)
    counted = selectors.person_count_query(request.user, **args, matches=matches) if in_order is not None else None
    return paging.paginate(persons, request.GET, order=args.get("order") or "name", base=query_pairs(form),
                           per_page=PAGE_SIZE, in_order=in_order, counted=counted, by_pk=selectors.person_rows_by_pk)


@login_required
@require_GET
def person_detail(request, pk: int):
    person = selectors.person_for(request.user, pk)
    editable = can_edit(request.user, person)
    return render(request, "registry/person_detail.html", {
        "person": person,
        "members": selectors.household_members(request.user, person).select_related("house"),
        "history": history_rows(selectors.person_history(request.user, person).select_related("actor")),
        "imports": import_rows(selectors.person_import_changes(request.user, person)),
        "can_edit": editable,
        "tag_form": TagForm() if editable else None,
        "move_form": MoveForm() if editable else None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    person = selectors.person_for(request.user, pk)
    if not can_edit(request.user, person):
        raise PermissionDenied
    form = PersonForm(request.POST or None, person=person, 
                      may_unmask=privacy.may_unmask(request.user, person) or not person.id_number)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(actor=request.user, person=person, request=request, **form.changes())
        except ValidationError as error:
            person = selectors.person_for(request.user, pk)  # the service may have set fields before refusing
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/person_edit.html", {"person": person, "form": form})


@login_required
@require_POST
def person_tag(request, pk: int):
    person = selectors.person_for(request.user, pk)
    if not can_edit(request.user, person):
        raise PermissionDenied
    form = TagForm(request.POST)
    if form.is_valid() and form.apply(actor=request.user, person=person, request=request):
        messages.success(request, _("已加入特殊人群“%(group)s”。") % {"group": form.cleaned_data["group"].name})
        return redirect("registry:person_detail", pk=person.pk)
    return _detail_with_forms(request, person, tag_form=form)


@login_required
@require_POST
def person_move(request, pk: int):
    person = selectors.person_for(request.user, pk)
    if not can_edit(request.user, person):
        raise PermissionDenied
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.record_move(actor=request.user, person=person, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已登记变动。"))
            return redirect("registry:person_detail", pk=person.pk)
    return _detail_with_forms(request, person, move_form=form)


def _detail_with_forms(request, person, *, tag_form=None, move_form=None):
    person = selectors.person_for(request.user, person.pk)
    return render(request, "registry/person_detail.html", {
        "person": person,
        "members": selectors.household_members(request.user, person).select_related("house"),
        "history": history_rows(selectors.person_history(request.user, person).select_related("actor")),
        "imports": import_rows(selectors.person_import_changes(request.user, person)),
        "can_edit": True,
        "tag_form": tag_form or TagForm(),
        "move_form": move_form or MoveForm(),
    }, status=400)


urls: list = [
    path("", person_list, name="person_list"),
    path("persons/<int:pk>/", person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", person_edit, name="person_edit"),
    path("persons/<int:pk>/tags/", person_tag, name="person_tag"),
    path("persons/<int:pk>/moves/", person_move, name="person_move"),
]
