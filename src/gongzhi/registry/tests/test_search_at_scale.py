"""Person search stays on indexes: prefixes as ranges, "contains" through trigram indexes, combined by UNION."""

import re
from pathlib import Path

import pytest
from django.db import connection

from gongzhi.areas.models import Area
from gongzhi.registry import selectors
from gongzhi.registry.models import House, Person

from .factories import GRID, make_id
from .factories import make_person as _make_person

pytestmark = pytest.mark.django_db
# The trigram watermark and its triggers exist on SQLite only (FTS5); PostgreSQL's pg_trgm GIN
# indexes are kept by the database, and the search tests above run on both.
SQLITE_TRIGRAMS = pytest.mark.skipif("connection.vendor != 'sqlite'",
                                     reason="the trigram watermark is SQLite's (FTS5); pg_trgm needs none")


def make_person(**fields) -> Person:
    person = _make_person(**fields)
    person.full_clean()
    person.save()
    return person


def names(qs) -> list[str]:
    return sorted(p.real_name for p in qs)


@pytest.fixture
def people(demo):
    grid = Area.objects.get(code=GRID)
    house = House.objects.create(area=grid, address="幸福路88号 阳光小区3栋2单元501室")
    return {
        "house": house,
        "ouyang": make_person(name="欧阳小红花", id_number=make_id(sequence="011"), house=house),
        "wang": make_person(name="王建明", id_number=make_id(sequence="022"), address_text="和平路12号Block-B"),
        "wu": make_person(name="吴佳敏", id_number=make_id(sequence="031")),
        "zhang": make_person(name="张三", id_number=make_id(sequence="042")),
    }


@pytest.mark.parametrize(("q", "expected"), [
    ("wjm", ["吴佳敏", "王建明"]),  # initials: a prefix range on name_initials
    ("wangj", ["王建明"]),  # full pinyin: a prefix range on name_pinyin
    ("欧阳", ["欧阳小红花"]),  # a name prefix
    ("小红花", ["欧阳小红花"]),  # contains, three characters or more: trigram index
    ("阳光小区", ["欧阳小红花"]),  # the house's address contains it
    ("block-b", ["王建明"]),  # the unmatched address, case ignored
    ("小红", []),  # two characters in the middle of a name: only prefixes below three characters
])
def test_search_matches_by_prefix_and_by_contains(demo, people, q, expected):
    assert names(selectors.persons_for(demo.users["grid"], q=q)) == expected


def test_trigram_search_follows_renames_moves_and_deletions(demo, people):
    """The trigram indexes are kept by the database itself (triggers on SQLite, GIN on PostgreSQL)."""
    grid_worker = demo.users["grid"]
    people["wu"].real_name = "吴佳敏慧"
    people["wu"].save()
    people["house"].address = "和谐路1号 明月小区"
    people["house"].save()
    people["zhang"].delete()
    assert names(selectors.persons_for(grid_worker, q="佳敏慧")) == ["吴佳敏慧"]
    assert names(selectors.persons_for(grid_worker, q="明月小区")) == ["欧阳小红花"]
    assert names(selectors.persons_for(grid_worker, q="阳光小区")) == []
    assert names(selectors.persons_for(grid_worker, q="张三")) == []


def _pending_ids() -> set[int]:
    from gongzhi.registry.fulltext import unindexed_ids

    return set(unindexed_ids())


def _index_is_whole() -> None:
    """FTS5's own check of the external-content index against the person table (every row indexed)."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO registry_person_fts(registry_person_fts, rank) VALUES ('integrity-check', 1)")


@SQLITE_TRIGRAMS
def test_new_persons_are_found_before_and_after_they_are_indexed_in_bulk(demo, people):
    """Inserted persons are indexed in bulk by ``fulltext.flush``: nothing happens on insert.

    Before: a trigger indexed each row as it was inserted, 90 µs a row at district size, five times
    the insert. Until the flush a new person (above the watermark) is found by a scan of the few
    new ones; its renames and deletion leave the index alone (it holds no entry for them), and the
    flush indexes what it holds then.
    """
    from gongzhi.registry import fulltext

    grid_worker = demo.users["grid"]
    assert {p.pk for p in people.values() if isinstance(p, Person)} <= _pending_ids()
    assert names(selectors.persons_for(grid_worker, q="小红花")) == ["欧阳小红花"]  # new, found by the scan
    assert names(selectors.persons_for(grid_worker, q="block-b")) == ["王建明"]
    people["wu"].real_name = "吴佳敏慧"
    people["wu"].save()
    people["zhang"].delete()
    assert people["zhang"].pk is None and len(_pending_ids() & {p.pk for p in people.values()
                                                               if isinstance(p, Person) and p.pk}) == 3
    assert fulltext.flush() >= 3 and _pending_ids() == set()
    _index_is_whole()
    with connection.cursor() as cursor:  # found through the index itself now, not the scan
        cursor.execute("SELECT rowid FROM registry_person_fts WHERE registry_person_fts MATCH ?", ['"佳敏慧"'])
        assert [row[0] for row in cursor.fetchall()] == [people["wu"].pk]
    assert names(selectors.persons_for(grid_worker, q="佳敏慧")) == ["吴佳敏慧"]
    people["ouyang"].real_name = "欧阳小白花"  # an indexed person: the index follows the rename
    people["ouyang"].save()
    people["wang"].delete()
    _index_is_whole()
    assert names(selectors.persons_for(grid_worker, q="小红花")) == []
    assert names(selectors.persons_for(grid_worker, q="小白花")) == ["欧阳小白花"]
    assert names(selectors.persons_for(grid_worker, q="block-b")) == []


@SQLITE_TRIGRAMS
def test_the_import_and_the_clock_leave_no_person_unindexed(demo):
    from gongzhi.registry.importing.engine import import_residents
    from gongzhi.registry.tasks import index_new_persons

    from .import_helpers import COMMUNITY, csv_bytes

    make_person(name="欧阳明月", id_number=make_id(sequence="811"))
    data = csv_bytes([["姓名", "身份证号码", "现住址"], ["司马长风", make_id(sequence="822"), "无名路78号"]])
    assert import_residents(actor=None, data=data, filename="people.csv", area_code=COMMUNITY).created == 1
    assert _pending_ids() == set()  # the import's chunk indexed every new person, the form's too
    make_person(name="上官飞燕", id_number=make_id(sequence="833"))
    assert len(_pending_ids()) == 1
    index_new_persons.call()
    assert _pending_ids() == set()
    _index_is_whole()


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tiny test tables are always read whole; forbid that to see what indexes can do.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize("q", ["wjm", "小红花", "欧阳"])
def test_search_never_reads_every_person(demo, people, q):
    """Before: one OR of prefixes and "contains" LIKEs, which no index answers (5 s at 1M people)."""
    plan = _plan(selectors.persons_for(demo.users["district"], q=q).order_by())
    assert not re.search(r"(Seq Scan on|\bSCAN) registry_person(\s|$)", plan, re.MULTILINE), plan


def test_postgresql_connections_turn_jit_off(monkeypatch):
    """JIT compiled each statistics query anew (≈ 300 ms at 1M people); these pages never gain from it."""
    from gongzhi.settings.base import database_from_env

    monkeypatch.setenv("GONGZHI_DATABASE_URL", "postgres://gongzhi@127.0.0.1:5432/gongzhi")
    assert "-c jit=off" in database_from_env(Path("unused.sqlite3"))["OPTIONS"]["options"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"


def test_search_indexes_exist_and_blind_indexes_carry_no_pattern_index(db):
    """Blind indexes are compared with = and IN only: PostgreSQL's extra "_like" index is dropped."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'registry_person'")
            indexes = dict(cursor.fetchall())
            assert {"registry_person_name_trgm", "registry_person_address_trgm",
                    "registry_person_area_pinyin"} <= set(indexes)
            assert not [name for name, definition in indexes.items()
                        if "pattern_ops" in definition and ("id_index" in definition or "phone_index" in definition)]
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'registry_person'")
            # No insert trigger: it doubled the cost of inserting a person (flushed in bulk instead).
            assert {row[0] for row in cursor.fetchall()} == {"registry_person_fts_delete", "registry_person_fts_update"}


@pytest.fixture
def many(demo):
    """Sixty persons with houses and a group, so that every list page has a next page and a last page."""
    from gongzhi.registry.models import PersonTag, SpecialGroup

    grid, group = Area.objects.get(code=GRID), SpecialGroup.objects.get(code="disabled")
    for n in range(60):
        house = House.objects.create(area=grid, address=f"幸福路{n}号 明月小区")
        person = make_person(name=f"王建{n:02d}", id_number=make_id(sequence=f"{300 + n:03d}"),
                             phone=f"139000000{n:02d}", house=house)
        PersonTag.objects.create(person=person, group=group)


@pytest.mark.parametrize(("params", "queries"), [
    ({}, 8),
    ({"q": "wj"}, 8),
    ({"q": "明月小区"}, 8),  # the matches read once, and counted from them (SQLite: kept in a temporary table)
    ({"tag": "disabled"}, 8),
    ({"last": "1"}, 8),
    ({"after": "wangjian49~1"}, 8),
    ({"order": "birth_date", "page": "2"}, 8),
])
def test_person_list_pages_use_a_fixed_number_of_queries(login_as, many, django_assert_num_queries, params, queries):
    from django.urls import reverse

    client = login_as("district")
    client.get(reverse("registry:person_list"), params)
    if selectors.walks_search(params.get("q", "")):
        # SQLite: the temporary table made sure of and emptied before the matches go in;
        # PostgreSQL: no parallel workers for reading them (a transaction to SET LOCAL in).
        queries += 2 if connection.vendor == "sqlite" else 3
    if connection.vendor == "postgresql":
        queries += 1  # a page is found as keys first (core.paging), then its rows are read by key
    with django_assert_num_queries(queries):
        response = client.get(reverse("registry:person_list"), params)
    assert response.status_code == 200 and 'data-testid="person-table"' in response.content.decode()


def test_persons_written_by_the_import_engine_are_found_by_contains_search(demo):
    """The import writes with one prepared INSERT per chunk (executemany): the trigram index still follows."""
    from gongzhi.registry.importing.engine import import_residents

    from .import_helpers import COMMUNITY, csv_bytes

    data = csv_bytes([["姓名", "身份证号码", "现住址"],
                      ["欧阳明月", make_id(sequence="811"), "无名路77号 青松苑"],
                      ["司马长风", make_id(sequence="822"), "无名路78号"]])
    report = import_residents(actor=None, data=data, filename="people.csv", area_code=COMMUNITY, dry_run=False)
    assert report.created == 2, report.counts()
    assert names(selectors.persons_for(demo.users["community"], q="明月")) == []  # two characters, mid-name
    assert names(selectors.persons_for(demo.users["community"], q="阳明月")) == ["欧阳明月"]
    assert names(selectors.persons_for(demo.users["community"], q="青松苑")) == ["欧阳明月"]
    assert names(selectors.persons_for(demo.users["community"], q="无名路")) == ["司马长风", "欧阳明月"]


def test_a_large_group_is_listed_by_walking_the_name_order(login_as, many, monkeypatch):
    """Above WALK_ABOVE members the page tests persons in name order instead of sorting every member."""
    from django.urls import reverse

    from gongzhi.registry import paging

    client = login_as("district")
    expected = client.get(reverse("registry:person_list"), {"tag": "disabled"}).content.decode()
    monkeypatch.setattr(paging, "WALK_ABOVE", 10)
    walked = client.get(reverse("registry:person_list"), {"tag": "disabled"}).content.decode()
    rows = re.findall(r'<a href="/registry/persons/(\d+)/">', walked)
    assert len(rows) == 50 and rows == re.findall(r'<a href="/registry/persons/(\d+)/">', expected)
    last = client.get(reverse("registry:person_list"), {"tag": "disabled", "last": "1"}).content.decode()
    assert len(re.findall(r'<a href="/registry/persons/(\d+)/">', last)) == 50


@SQLITE_TRIGRAMS
def test_a_person_given_a_low_id_is_never_deleted_from_an_index_that_lacks_it(demo, people):
    """Before: the delete trigger told the index to drop any person at or below the watermark, and
    one it did not hold (the demo refills a wiped table from id 1) left it "malformed"."""
    from gongzhi.registry import fulltext

    fulltext.flush()
    low = people["zhang"].pk
    people["zhang"].delete()
    make_person(name="张三丰", id_number=make_id(sequence="777"), pk=low)  # below the watermark, not indexed
    Person.objects.filter(pk=low).update(real_name="张三丰甲")
    Person.objects.filter(pk=low).delete()
    _index_is_whole()
    assert fulltext.flush(above=0) == 0  # nothing left unindexed
