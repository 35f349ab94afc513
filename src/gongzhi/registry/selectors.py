"""Reads of the community records: every selector starts from ``.visible_to(user)``.

``.visible_to`` limits rows by area only, and residents and department staff have an area scope
too, so every selector also requires ``registry.view`` (``PermissionDenied`` otherwise) and keeps
only the areas of the roles that grant it: a grid worker who is also a resident elsewhere sees
their grid, not the community they live in.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.db.models.expressions import RawSQL
from django.http import Http404

from gongzhi.accounts.permissions import has_perm, perm_paths
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area
from gongzhi.areas.scope import covers_every_area, scope_paths, within_paths
from gongzhi.audit.models import AuditEntry
from gongzhi.privacy.fields import blind_lookup

from . import fulltext, summaries, validators
from .choices import Gender, OrganisationKind, Registration, RelationToHead, ResidenceStatus
from .models.groups import labelled_attributes
from .models import (
    Estate,
    Facility,
    House,
    Household,
    ImportRowChange,
    MoveInRequest,
    MoveInStatus,
    Organisation,
    Person,
    PersonMove,
    PersonTag,
    SpecialGroup,
)

PERSON_ORDERS = {
    "name": ("name_pinyin", "pk"),
    "-name": ("-name_pinyin", "-pk"),
    "birth_date": ("birth_date", "pk"),
    "-birth_date": ("-birth_date", "-pk"),
    "updated": ("-updated_at", "-pk"),
}
AGE_BAND_YEARS = summaries.AGE_BAND_YEARS
AGE_BAND_TOP = summaries.AGE_BAND_TOP  # the last band is "100 and over"

_LAST4 = re.compile(r"\d{3}[\dX]")
# Search texts that name one person exactly (looked up through the blind indexes).
FULL_ID = re.compile(r"\d{15}|\d{17}[\dX]")
PHONE_LIKE = re.compile(r"[\d+\-\s()]{7,20}")


def in_perm_scope(user, perm: str, area: Area) -> bool:
    """``perm`` granted inside ``area`` by a role assigned there (not merely by any role)."""
    return has_perm(user, perm, area)


def _view_q(user, path_field: str = "area__path") -> Q:
    paths = perm_paths(user, Perm.REGISTRY_VIEW)
    q = Q(pk__in=[]) if not paths else Q()
    for path in paths:
        q |= Q(**{f"{path_field}__startswith": path})
    return q


def visible_records(model, user) -> QuerySet:
    """``model`` rows in the user's scope and in the areas where they hold ``registry.view``."""
    _require_view(user)
    return within_paths(model.objects.visible_to(user), user, perm_paths(user, Perm.REGISTRY_VIEW), "area__path")


def _require_view(user) -> None:
    if not has_perm(user, Perm.REGISTRY_VIEW):
        raise PermissionDenied


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _within_area(qs: QuerySet, user, area_code: str | None) -> QuerySet:
    """Rows in the subtree of ``area_code`` (none when the area is unknown or out of scope)."""
    if not area_code:
        return qs
    area = Area.objects.visible_to(user).filter(code=area_code).only("path").first()
    if area is None:
        return qs.none()
    return qs.filter(area__path__startswith=area.path)


CONTAINS_MIN_CHARACTERS = 3  # "contains" search is served by trigram indexes, which need three characters


def _prefix_range(field: str, text: str) -> Q:
    """``field`` starts with ``text``, written as a range an ordinary index answers.

    Used on SQLite, whose ``LIKE`` ignores case and never uses an index, and for the pinyin
    columns everywhere (lowercase letters and digits sort the same in every collation).
    """
    last = ord(text[-1])
    if last >= 0x10FFFF:
        return Q(**{f"{field}__startswith": text})
    return Q(**{f"{field}__gte": text, f"{field}__lt": text[:-1] + chr(last + 1)})


def _name_prefix(text: str) -> Q:
    if connection.vendor == "postgresql":
        # LIKE '张三%' (case-sensitive) is served by the varchar_pattern_ops index whatever the
        # collation; a range would follow the collation's order, which is not code point order.
        return Q(real_name__startswith=text)
    return _prefix_range("real_name", text)


def _contains_ids(text: str) -> list[QuerySet | RawSQL]:
    """Branches finding persons whose name, unmatched address or house address contains ``text``."""
    if connection.vendor == "sqlite":
        phrase = '"' + text.replace('"', '""') + '"'
        return [
            RawSQL("SELECT rowid FROM registry_person_fts WHERE registry_person_fts MATCH %s", [phrase]),
            # A join from the matching houses: twice as fast as ``house_id IN (…)``, which SQLite
            # first builds into a list.
            RawSQL("SELECT p.id FROM registry_house_fts f JOIN registry_person p ON p.house_id = f.rowid "
                   "WHERE registry_house_fts MATCH %s", [phrase]),
            fulltext.pending_matches(text),
        ]
    return [
        Person.objects.filter(real_name__icontains=text).values("pk"),
        Person.objects.filter(address_text__icontains=text).values("pk"),
        Person.objects.filter(house__in=House.objects.filter(address__icontains=text).values("pk")).values("pk"),
    ]


def _search_q(q: str, *, walk: bool = False) -> Q:
    """How a search box text matches a person.

    Each way of matching is a query its own index answers (blind index, last four, pinyin and
    initials prefixes as ranges, a name prefix, trigram indexes for "contains"), and the person
    ids they find are combined with UNION: one OR across them would leave no index usable and
    make the database walk every person in scope.

    ``walk``: written so that SQLite tests persons in list order against the ids found (``+id IN``
    keeps it from starting at the ids), for a page of many "contains" matches (see ``walks_search``).
    """
    text = unicodedata.normalize("NFKC", q).strip()
    if not text:
        return Q()
    compact = validators.normalise(text)
    if _LAST4.fullmatch(compact):
        match = Q(id_last4=compact)
        if compact.isdigit():
            match |= Q(phone_last4=compact)
        return match
    if FULL_ID.fullmatch(compact):
        return blind_lookup(Person, "id_index", compact)
    if PHONE_LIKE.fullmatch(text):
        try:
            return blind_lookup(Person, "phone_index", validators.clean_phone(text))
        except ValidationError:
            return Q(pk__in=[])
    # The rest (``_union_text``) is searched by name, pinyin, initials and "contains".
    union = _search_union(text)
    if walk and connection.vendor == "sqlite":
        return Q(RawSQL(f'+"registry_person"."id" IN ({union.sql})', union.params, output_field=BooleanField()))
    return Q(pk__in=union)


def _search_union(text: str, *, keep_repeats: bool = False) -> RawSQL:
    """The person ids matching ``text`` by name prefix, pinyin, initials or "contains", one UNION
    (``.branches`` says of how many parts: an id comes at most once from each)."""
    branches: list[Q] = [_name_prefix(text)]
    letters = _letters(text)
    if letters:
        branches += [_prefix_range("name_pinyin", letters), _prefix_range("name_initials", letters)]
    ids = [Person.objects.filter(branch).values("pk") for branch in branches]
    if len(text) >= CONTAINS_MIN_CHARACTERS:
        ids += _contains_ids(text)
    union = _union_sql(ids, keep_repeats=keep_repeats)
    union.branches = len(ids)
    return union


MATCHES_READ_LIMIT = 20_000
# On SQLite the matches are kept in a table of the connection's own temporary database: writing it
# takes no lock on the main database, and the page's queries probe it as an index.
MATCHES_TABLE = "temp.registry_search_matches"


@dataclass
class Matches:
    """The persons a "contains" search finds, searched once for a page: its count and its rows both
    test persons against them, where each query would otherwise search the trigram indexes again.

    SQLite keeps them in ``MATCHES_TABLE`` (one search's at a time on a connection), PostgreSQL in
    ``array``, an array literal (``{1,2,3}``) as the database wrote it, sent back the same way.
    """

    count: int
    array: str = "{}"

    def sql(self, *, walk: bool = False) -> RawSQL:
        if connection.vendor == "sqlite":
            # ``+`` on the column: SQLite then walks the name order and probes the table (``walk``).
            column = '+"registry_person"."id"' if walk else '"registry_person"."id"'
            return RawSQL(f"{column} IN {MATCHES_TABLE}", [], output_field=BooleanField())
        # A bigint array, as the column: PostgreSQL tests membership of an array of the column's own
        # type by hashing it; an int4 array against the int8 column is searched element by element.
        # Sent as one array literal: psycopg's adaptation of a list of 10,000 ints took 5 ms more.
        return RawSQL('"registry_person"."id" = ANY(%s::bigint[])', [self.array], output_field=BooleanField())

    @property
    def ids(self) -> list[int]:
        return [int(pk) for pk in self.array.strip("{}").split(",") if pk]


def search_matches(q: str) -> Matches | None:
    """The persons ``q`` matches when it is a "contains" search (``walks_search``) and they are at
    most ``MATCHES_READ_LIMIT``; ``None`` otherwise (the search is then written into each query)."""
    if not walks_search(q):
        return None
    union = _search_union(_union_text(q), keep_repeats=True)
    # Rows, not persons, are limited (``UNION ALL``): with up to ``branches`` rows a person, more
    # than the limit of persons is certain once ``branches`` times (limit + 1) rows have come.
    bounded = f"{union.sql} LIMIT {union.branches * (MATCHES_READ_LIMIT + 1)}"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {MATCHES_TABLE.split('.')[1]} "
                           "(id integer NOT NULL PRIMARY KEY)")
            cursor.execute(f"DELETE FROM {MATCHES_TABLE}")  # noqa: S608 - a fixed table name
            cursor.execute(f"INSERT OR IGNORE INTO {MATCHES_TABLE} {bounded}", union.params)
            found = cursor.rowcount  # ids found twice were ignored, not counted
        else:
            with transaction.atomic():
                # Two worker processes to start cost more than they save on a few thousand rows
                # (12 ms instead of 19 at 1M people).
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                # Counted and joined where they are: one row back, not 10,000 tuples to build.
                cursor.execute(f"SELECT COUNT(DISTINCT id), array_agg(DISTINCT id)::text FROM ({bounded}) found (id)",
                               union.params)
                found, array = cursor.fetchone()
            return Matches(found, array or "{}") if found <= MATCHES_READ_LIMIT else None
    return Matches(found) if found <= MATCHES_READ_LIMIT else None


def _letters(text: str) -> str:
    """``text`` as pinyin letters to match by prefix ("" when it is not all letters)."""
    letters = text.lower().replace(" ", "")
    return letters if letters.isascii() and letters.isalpha() else ""


def walks_search(q: str) -> bool:
    """Whether many matches of ``q`` are best paged by walking the list order.

    True when "contains" matches may dominate: they fall anywhere in name order, so walking the
    order finds a page's rows after a few thousand persons, where sorting every match reads them
    all. Not for pinyin (all-letters) text: its many matches are one stretch of the name order,
    which the prefix range reads directly and a walk from the start would reach only at its end.
    """
    text = _union_text(q)
    return text is not None and len(text) >= CONTAINS_MIN_CHARACTERS and not _letters(text)


def _union_text(q: str) -> str | None:
    """``q`` as ``_search_q`` hands it to ``_search_union``; ``None`` when it is searched otherwise
    (empty, the last four characters, a full ID number or a phone number)."""
    text = unicodedata.normalize("NFKC", q or "").strip()
    compact = validators.normalise(text)
    if not text or _LAST4.fullmatch(compact) or FULL_ID.fullmatch(compact) or PHONE_LIKE.fullmatch(text):
        return None
    return text


def _union_sql(parts: list[QuerySet | RawSQL], *, keep_repeats: bool = False) -> RawSQL:
    """One ``SELECT … UNION SELECT …`` of the person ids each part finds.

    On SQLite ``UNION ALL``: an id may then come twice, which ``IN`` does not mind and the kept
    matches ignore, and no sorted list of all ids is built to remove them. PostgreSQL plans ``IN``
    over a plain ``UNION`` better (it knows the ids come once): 3 ms, not 13, for ``wjm``.
    """
    statements, params = [], []
    for part in parts:
        sql, part_params = (part.sql, part.params) if isinstance(part, RawSQL) else (
            part.order_by().query.sql_with_params())
        statements.append(sql)
        params.extend(part_params)
    return RawSQL((" UNION ALL " if keep_repeats or connection.vendor == "sqlite" else " UNION ").join(statements),
                  params)


def persons_for(
    user, *, q: str = "", area_code: str | None = None, tags: tuple[str, ...] | list[str] = (),
    age_min: int | None = None, age_max: int | None = None, gender: str | None = None,
    registration: str | None = None, residence_status: str | None = None, order: str = "name",
    in_order: bool = False, matches: Matches | None = None,
) -> QuerySet[Person]:
    """The persons ``user`` may see, searched, filtered and sorted; with what lists show.

    ``q`` matches the start of a name, full pinyin or initials (``zs`` finds 张三), the last four
    characters of an ID number or phone, a full ID number or phone (exact, through the blind
    index; full-width input works), and from three characters on a name or address containing it. ``tags`` are special-group
    codes; a person must carry all of them. They are found from the tag table (best for a small
    group, and for counting), or with ``in_order`` by testing persons in list order (best for
    the first rows of a large group); ``in_order`` also pages many "contains" matches that way.
    """
    qs = _within_area(visible_records(Person, user), user, area_code)
    if q and matches is not None:
        qs = qs.filter(matches.sql(walk=in_order))
    elif q:
        qs = qs.filter(_search_q(q, walk=in_order and walks_search(q)))
    for code in tags:
        if in_order:
            # Each person checked in list order (one probe of the unique (person, group) index, by the
            # group's id: no join to the groups per person): the first page of a large group is found
            # after a few hundred persons.
            qs = qs.filter(Exists(PersonTag.objects.filter(person=OuterRef("pk"), group_id=group_id(code))))
        else:
            # Driven from the tag side: the group's members by the tag table's index, then sorted. A
            # join (one tag row per person and group, so no duplicates), not ``pk IN (members)``:
            # SQLite builds the whole member list before the first row (at 1M people, 60,000 members
            # for a count that stops at 10,001: 18 ms instead of 12).
            qs = qs.filter(tags__group__code=code)
    today = datetime.date.today()
    if age_min is not None:
        qs = qs.filter(birth_date__lte=_years_before(today, age_min))
    if age_max is not None:
        qs = qs.filter(birth_date__gt=_years_before(today, age_max + 1))
    if gender:
        qs = qs.filter(gender=gender)
    if registration:
        qs = qs.filter(registration=registration)
    if residence_status:
        qs = qs.filter(residence_status=residence_status)
    if order not in PERSON_ORDERS:
        raise ValueError(f"unknown order {order!r}; one of {sorted(PERSON_ORDERS)}")
    return (
        qs.select_related("area", "house")
        .prefetch_related(Prefetch("tags", queryset=PersonTag.objects.select_related("group")))
        .order_by(*PERSON_ORDERS[order])
    )


def group_id(code: str) -> int | None:
    """The special group's id by its code (``None``: no such group, which matches no one), from the
    filter options' cache (``forms.group_ids``)."""
    from .forms import group_ids

    return group_ids().get(code)


def person_count_query(user, *, q: str = "", area_code: str | None = None, tags=(), order: str = "name",
                       matches: Matches | None = None, **others) -> QuerySet | int | None:
    """Rows as many as ``persons_for(user, …)`` finds and cheaper to count, their number, or ``None``.

    Only in a scope that holds every area, with no filter but one: a special group's tag rows, one
    per member (unique per person and group), counted from the tag table's index without reading
    each member's row (at 1M people, 10,001 of them: 8 ms of a 9 ms count); a search's ``matches``,
    already read, are the persons it finds.
    """
    if area_code or any(value is not None for value in others.values()) or bool(q) + len(tags) != 1:
        return None
    if q and matches is None:
        return None
    _require_view(user)
    paths = perm_paths(user, Perm.REGISTRY_VIEW)
    if not (covers_every_area(user, scope_paths(user)) and covers_every_area(user, paths)):
        return None
    if matches is not None:
        return matches.count
    return PersonTag.objects.filter(group_id=group_id(tags[0])).values("person_id")


# What the person list shows of each row: reading a person's other columns, and all of its area's
# and house's, cost more than rendering the row (issue 11). ``name_pinyin`` is the page cursor.
PERSON_LIST_FIELDS = (
    "real_name", "name_pinyin", "gender", "birth_date", "id_number", "phone", "address_text", "deceased",
    "moved_out", "area__name", "area__path", "house__address",
)


def for_person_list(persons: QuerySet[Person]) -> QuerySet[Person]:
    """``persons`` (from ``persons_for``) with only the columns the person list shows; their tags are
    read for the page's rows by ``attach_list_tags``."""
    return persons.only(*PERSON_LIST_FIELDS).prefetch_related(None)


@dataclass(frozen=True)
class ListTag:
    """A tag as the person list shows it: its group's name and its attributes."""

    group: Any  # ``.name`` and ``.attribute_schema``
    attributes: dict

    @property
    def labelled_attributes(self) -> list:
        return labelled_attributes(self.group.attribute_schema, self.attributes)


@dataclass(frozen=True)
class _GroupName:
    name: str
    attribute_schema: list


def attach_list_tags(persons: list[Person]) -> None:
    """Each person's tags in ``list_tags`` (in the groups' order), read with one query as values:
    a prefetch built two model instances a tag (the tag and its group) for the page's fifty rows."""
    by_person: dict[int, list[ListTag]] = {person.pk: [] for person in persons}
    if by_person:
        rows = (PersonTag.objects.filter(person_id__in=list(by_person)).order_by("group__order", "group__code")
                .values_list("person_id", "group_id", "group__name", "group__attribute_schema", "attributes"))
        groups: dict[int, _GroupName] = {}
        for person_id, group_id, name, schema, attributes in rows:
            group = groups.get(group_id) or groups.setdefault(group_id, _GroupName(name, schema or []))
            by_person[person_id].append(ListTag(group, attributes or {}))
    for person in persons:
        person.list_tags = by_person[person.pk]


def person_rows_by_pk(pks: list[int]) -> QuerySet[Person]:
    """The list's rows of persons already found in the user's scope (``paging.paginate``'s ``by_pk``)."""
    return for_person_list(Person.objects.select_related("area", "house").filter(pk__in=pks))


def person_for(user, pk: Any) -> Person:
    """One person with house, household, tags and moves; ``Http404`` when out of scope."""
    person = (
        visible_records(Person, user)
        .select_related("area", "house", "household")
        .prefetch_related(Prefetch("tags", queryset=PersonTag.objects.select_related("group")),
                          Prefetch("moves", queryset=PersonMove.objects.select_related("recorded_by")))
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise Http404
    return person


def person_history(user, person: Person) -> QuerySet[AuditEntry]:
    """Every recorded change of ``person`` (who, when, fields before/after — sensitive ones masked)."""
    person_for(user, person.pk)
    return AuditEntry.objects.filter(object_type="registry.person", object_id=str(person.pk),
                                     action__startswith="registry.person.").order_by("-seq")


def houses_for(user, *, q: str = "", area_code: str | None = None, use: str | None = None) -> QuerySet[House]:
    """The houses ``user`` may see; ``q`` matches the address."""
    qs = _within_area(visible_records(House, user), user, area_code)
    if q:
        qs = qs.filter(address__icontains=unicodedata.normalize("NFKC", q).strip())
    if use:
        qs = qs.filter(use=use)
    # Each page's residents are counted row by row (a subquery the page's 50 rows evaluate): counted
    # with a join and GROUP BY, every house of a district was grouped with its residents for each page.
    residents = (Person.objects.filter(house=OuterRef("pk")).order_by().values("house")
                 .annotate(n=Count("pk")).values("n"))
    return (qs.select_related("area").annotate(resident_count=Coalesce(Subquery(residents), 0))
            .order_by("address", "pk"))


def house_moves(house: House, residents: list) -> list[PersonMove]:
    """The moves at ``house`` (those who moved out included) and its residents' other moves, newest
    first. Their ids come from two index lookups of their own, then the rows with names: written as one
    ``house = … OR person IN …`` (or joined to the persons while looking) the planner may scan every move
    (SQLite did, its statistics saying most moves have no house)."""
    ids = {*PersonMove.objects.filter(house=house).values_list("pk", flat=True),
           *PersonMove.objects.filter(person__in=residents).values_list("pk", flat=True)}
    if not ids:
        return []
    return list(PersonMove.objects.filter(pk__in=ids).select_related("person", "recorded_by")
                .only("kind", "date", "place", "person__real_name", "recorded_by__real_name", "recorded_by__username")
                .order_by("-date", "-pk"))


def house_for(user, pk: Any) -> House:
    """One house with its (visible) residents and their tags (以房查人); ``Http404`` when out of scope."""
    residents = (visible_records(Person, user).select_related("household", "area")
                 .prefetch_related(Prefetch("tags", queryset=PersonTag.objects.select_related("group")))
                 .order_by("name_pinyin", "pk"))
    house = (
        visible_records(House, user)
        .select_related("area", "building__estate", "unit", "owner", "tenant")
        .prefetch_related(Prefetch("residents", queryset=residents))
        .filter(pk=pk)
        .first()
    )
    if house is None:
        raise Http404
    return house


def house_history(user, house: House) -> QuerySet[AuditEntry]:
    """Recorded changes of ``house`` (newest first)."""
    _check_visible(House, user, house.pk)
    return AuditEntry.objects.filter(object_type="registry.house", object_id=str(house.pk)).order_by("-seq")


def estates_for(user, *, q: str = "", area_code: str | None = None,
                management_mode: str | None = None) -> QuerySet[Estate]:
    """The estates ``user`` may see, with their bodies and their counts of buildings and houses;
    ``q`` matches the estate's name or address or the name of its property company or 业委会."""
    qs = _within_area(visible_records(Estate, user), user, area_code)
    if q:
        text = unicodedata.normalize("NFKC", q).strip()
        qs = qs.filter(Q(name__icontains=text) | Q(address__icontains=text)
                       | Q(property_company__name__icontains=text) | Q(owners_committee__name__icontains=text))
    if management_mode:
        qs = qs.filter(management_mode=management_mode)
    # The counts are the estate's own columns, kept by triggers (migration 0018): counting the houses
    # of a page's fifty estates read 100,000 index entries at 1,000,000 people.
    return (qs.select_related("area", "property_company", "owners_committee")
            .order_by("name", "pk"))


def estate_for(user, pk: Any) -> Estate:
    """One estate with its bodies; ``Http404`` when out of scope."""
    return _one(estates_for(user), pk)


def estate_history(user, estate: Estate) -> QuerySet[AuditEntry]:
    """Recorded changes of ``estate`` (newest first)."""
    _check_visible(Estate, user, estate.pk)
    return AuditEntry.objects.filter(object_type="registry.estate", object_id=str(estate.pk)).order_by("-seq")


def organisation_choices(user, estate: Estate, kind: str) -> QuerySet[Organisation]:
    """Organisations of ``kind`` an editor may link to ``estate``: visible to them and registered in the
    estate's community (a 业委会) or street (a property company serves several communities)."""
    from .models.places import community_path

    area = estate.area
    if kind == OrganisationKind.OWNERS_COMMITTEE:
        prefix = community_path(area)
    else:
        parts = [part for part in area.path.split("/") if part]
        prefix = "/" + "/".join(parts[:min(2, len(parts))]) + "/"
    return (visible_records(Organisation, user).filter(kind=kind, area__path__startswith=prefix)
            .order_by("name", "pk"))


def organisations_for(user, *, q: str = "", area_code: str | None = None,
                      kind: str | None = None) -> QuerySet[Organisation]:
    """The organisations ``user`` may see; ``q`` matches name or address."""
    qs = _within_area(visible_records(Organisation, user), user, area_code)
    if q:
        text = unicodedata.normalize("NFKC", q).strip()
        qs = qs.filter(Q(name__icontains=text) | Q(address__icontains=text) | Q(uscc=text.upper()))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("area").order_by("kind", "name", "pk")


def with_served_estates(user, organisations: list[Organisation]) -> list[Organisation]:
    """``organisations`` with ``served_estates``: the estates (that ``user`` may see) each runs as their
    property company or 业委会 — two queries for a page."""
    by_pk = {org.pk: org for org in organisations}
    for org in organisations:
        org.served_estates = []
    if by_pk:
        estates = visible_records(Estate, user).filter(
            Q(property_company__in=list(by_pk)) | Q(owners_committee__in=list(by_pk))).order_by("name", "pk")
        for estate in estates.only("pk", "name", "property_company", "owners_committee"):
            for pk in {estate.property_company_id, estate.owners_committee_id} & by_pk.keys():
                by_pk[pk].served_estates.append(estate)
    return organisations


def organisation_for(user, pk: Any) -> Organisation:
    return _one(organisations_for(user), pk)


def facilities_for(user, *, q: str = "", area_code: str | None = None,
                   category: str | None = None) -> QuerySet[Facility]:
    """The facilities ``user`` may see; ``q`` matches name or address."""
    qs = _within_area(visible_records(Facility, user), user, area_code)
    if q:
        text = unicodedata.normalize("NFKC", q).strip()
        qs = qs.filter(Q(name__icontains=text) | Q(address__icontains=text))
    if category:
        qs = qs.filter(category=category)
    return qs.select_related("area").order_by("category", "name", "pk")


def facility_for(user, pk: Any) -> Facility:
    return _one(facilities_for(user), pk)


def _check_visible(model, user, pk: Any) -> None:
    """``Http404`` unless ``user`` may see the ``model`` row ``pk`` (a check without loading it again)."""
    if not visible_records(model, user).filter(pk=pk).exists():
        raise Http404


def _one(qs: QuerySet, pk: Any):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def area_statistics(user, area: Area) -> dict[str, Any]:
    """Population figures for ``area`` (persons living there now that the user may see).

    Read from the area's stored summary (``summaries.refresh``, run by the worker) when there is
    one, ``as_of`` saying when it was computed; otherwise counted now (``as_of`` is ``None``).
    Returns ``total``; ``by_tag`` (``[{code, name, count}]``); ``pyramid``: five-year bands
    (``[{band: "0-4", male, female, unknown}]``, the last ``"100+"``); ``registration`` and
    ``residence_status`` counts keyed by their codes, with ``""`` for not recorded.
    """
    if not in_perm_scope(user, Perm.REGISTRY_VIEW, area):
        raise PermissionDenied
    # Everyone living in the area's subtree is in this user's scope (registry.view held there).
    stored = summaries.stored_figures(area)
    if stored is not None:
        figures, as_of = stored
        groups = SpecialGroup.objects.filter(code__in=list(figures["tags"])).order_by("order", "code")
        by_tag = [{"code": g.code, "name": g.name, "count": figures["tags"][g.code]} for g in groups]
        return _statistics(area, figures["total"], figures["bands"], by_tag, figures["registration"],
                           figures["residence_status"], as_of)
    persons = visible_records(Person, user).filter(area__path__startswith=area.path).current()
    today = datetime.date.today()
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for low, _label in summaries.band_labels():
        in_band = Q(birth_date__lte=_years_before(today, low))
        if low < AGE_BAND_TOP:
            in_band &= Q(birth_date__gt=_years_before(today, low + AGE_BAND_YEARS))
        for key, gender in (("male", Q(gender=Gender.MALE)), ("female", Q(gender=Gender.FEMALE)),
                            ("unknown", ~Q(gender__in=[Gender.MALE, Gender.FEMALE]))):
            aggregates[f"{low}:{key}"] = Count("pk", filter=in_band & gender)
    counts = persons.aggregate(**aggregates)
    by_tag = [
        {"code": row["group__code"], "name": row["group__name"], "count": row["count"]}
        for row in PersonTag.objects.filter(person__in=persons).fitting(today)
        .values("group__code", "group__name", "group__order")
        .annotate(count=Count("person", distinct=True)).order_by("group__order", "group__code")
    ]
    registration = {row["registration"]: row["n"]
                    for row in persons.order_by().values("registration").annotate(n=Count("pk"))}
    residence = {row["residence_status"]: row["n"]
                 for row in persons.order_by().values("residence_status").annotate(n=Count("pk"))}
    return _statistics(area, counts.pop("total"), counts, by_tag, registration, residence, None)


def _statistics(area: Area, total: int, bands: dict[str, int], by_tag: list[dict], registration: dict[str, int],
                residence: dict[str, int], as_of: datetime.datetime | None) -> dict[str, Any]:
    pyramid = [{"band": label, **{key: bands.get(f"{low}:{key}", 0) for key in ("male", "female", "unknown")}}
               for low, label in summaries.band_labels()]
    return {
        "area": area.code,
        "total": total,
        "by_tag": by_tag,
        "pyramid": pyramid,
        "registration": {code: registration.get(code, 0) for code in [*Registration.values, ""]},
        "residence_status": {code: residence.get(code, 0) for code in [*ResidenceStatus.values, ""]},
        "registered": registration.get(Registration.LOCAL, 0),
        "floating": residence.get(ResidenceStatus.FLOATING, 0),
        "as_of": as_of,
    }


def visit_houses_for(user, *, q: str = "") -> QuerySet[House]:
    """Houses for a field visit (入户走访): ``q`` matches the address or a resident's name or initials."""
    qs = visible_records(House, user)
    text = unicodedata.normalize("NFKC", q).strip()
    if text:
        residents = visible_records(Person, user).filter(house=OuterRef("pk"))
        names = Q(real_name__icontains=text)
        letters = text.lower().replace(" ", "")
        if letters.isascii() and letters.isalpha():
            names |= Q(name_pinyin__startswith=letters) | Q(name_initials__startswith=letters)
        qs = qs.filter(Q(address__icontains=text) | Exists(residents.filter(names)))
    return (qs.select_related("area").annotate(resident_count=Count("residents"))
            .order_by("area__path", "address", "pk"))


def first_household_of(user, house: House) -> Household | None:
    """The (visible) household living in ``house`` that a newcomer joins, if any."""
    return visible_records(Household, user).filter(house=house).order_by("pk").first()


def person_import_changes(user, person: Person) -> QuerySet[ImportRowChange]:
    """The changes resident imports made to ``person`` (newest first), with their batch."""
    person_for(user, person.pk)
    return (ImportRowChange.objects.filter(person=person).select_related("batch", "batch__actor")
            .order_by("-batch__created_at", "-pk"))


def household_members(user, person: Person) -> QuerySet[Person]:
    """The visible members of ``person``'s household (head first)."""
    if person.household_id is None:
        return visible_records(Person, user).none()
    head_first = Case(When(relation_to_head=RelationToHead.HEAD, then=0), default=1)
    return (visible_records(Person, user).filter(household_id=person.household_id)
            .order_by(head_first, "birth_date", "pk"))


# --- Move-in requests ------------------------------------------------------------------------


def move_in_requests_to_decide(user) -> QuerySet:
    """Requests addressed to areas where the user holds ``registry.edit`` (the holder's staff)."""
    paths = perm_paths(user, Perm.REGISTRY_EDIT)
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(holding_area__path__startswith=path)
    return (MoveInRequest.objects.visible_to(user).filter(q)
            .select_related("requesting_area", "holding_area", "person", "requested_by", "decided_by"))


def move_in_request_to_decide(user, pk: Any) -> MoveInRequest:
    """One request addressed to the user's edit scope; ``Http404`` for anyone else."""
    move_in = move_in_requests_to_decide(user).filter(pk=pk).first()
    if move_in is None:
        raise Http404
    return move_in


def own_move_in_requests(user) -> QuerySet:
    """The user's own requests, with their outcome (the holding area is not for them to read)."""
    return MoveInRequest.objects.filter(requested_by=user).select_related("requesting_area")


def own_move_in_request(user, pk: Any) -> MoveInRequest:
    move_in = own_move_in_requests(user).filter(pk=pk).first()
    if move_in is None:
        raise Http404
    return move_in


def pending_move_in_count(user) -> int:
    return move_in_requests_to_decide(user).filter(status=MoveInStatus.PENDING).count()
