"""Large imports: the sheet is read and checked in a second process while chunks are planned and written.

Forced here on small files (every file checked in the background, two rows per chunk) so that
households, errors and strict mode are seen across chunk boundaries; the result must be what the
in-process path gives.
"""

from types import SimpleNamespace

import pytest

from gongzhi.areas.models import Area
from gongzhi.registry.importing import engine, validate
from gongzhi.registry.importing.engine import import_residents
from gongzhi.registry.importing.reader import ImportFileError
from gongzhi.registry.models import House, Household, ImportBatch, ImportStatus, Person

from .factories import GRID, make_id
from .import_helpers import COMMUNITY, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "联系电话", "现住址", "户号", "与户主关系"]
ADDRESS = "幸福路88号阳光小区3栋2单元501室"


def ids(n):
    return [make_id("341702", f"19{60 + k:02d}0510", f"{201 + 2 * k:03d}") for k in range(n)]


def ledger(numbers):
    """Household H1's head comes after two members (a later chunk); rows 6 and 9 fail."""
    return xlsx_bytes([
        HEADERS,
        ["李四", numbers[0], "13900000001", ADDRESS, "H1", "妻子"],      # row 2
        ["张小三", numbers[1], "", "", "H1", "子女"],                    # row 3
        ["张三", numbers[2], "13900000003", ADDRESS, "H1", "户主"],      # row 4
        ["王五", numbers[3], "", "无名路1号", "H2", "户主"],             # row 5
        ["", numbers[4], "", "", "", ""],                                # row 6: no name
        ["赵六", numbers[5], "13900000006", "", "H2", "子女"],           # row 7
        ["钱七", numbers[6], "", "", "", ""],                            # row 8
        ["孙八", numbers[0], "", "", "", ""],                            # row 9: duplicate of row 2
    ])


@pytest.fixture
def chunks_of_two(monkeypatch):
    monkeypatch.setattr(validate, "CHECK_CHUNK_ROWS", 2)


@pytest.fixture
def in_background(monkeypatch):
    monkeypatch.setattr(engine, "BACKGROUND_CHECK_BYTES", 0)
    monkeypatch.setattr("gongzhi.core.parallel.available_cores", lambda: 2)


def run(data, **options):
    return import_residents(actor=None, data=data, filename="people.xlsx", area_code=COMMUNITY, **options)


def snapshot():
    persons = sorted(
        (p.real_name, p.id_number, p.phone, p.phone_last4, p.name_pinyin, p.name_initials, p.house_id,
         p.address_text, p.household.number if p.household else "", p.relation_to_head)
        for p in Person.objects.select_related("household"))
    households = sorted((h.number, h.head.real_name if h.head else "", h.house_id)
                        for h in Household.objects.select_related("head"))
    return persons, households


def outcome(report):
    return report.counts(), report.errors, report.unmatched_addresses, report.households_created


@pytest.fixture
def house(demo):
    return House.objects.create(area=Area.objects.get(code=GRID), address=ADDRESS)


def test_background_chunks_import_what_the_in_process_path_imports(house, chunks_of_two, monkeypatch):
    numbers = ids(7)
    in_process = outcome(run(ledger(numbers)))
    expected = snapshot()
    Person.objects.all().delete()
    Household.objects.all().delete()
    monkeypatch.setattr(engine, "BACKGROUND_CHECK_BYTES", 0)
    monkeypatch.setattr("gongzhi.core.parallel.available_cores", lambda: 2)
    report = run(ledger(numbers))
    assert outcome(report) == in_process
    assert snapshot() == expected
    counts, errors, unmatched, households = in_process
    assert counts == {"rows": 8, "created": 6, "updated": 0, "unchanged": 0, "failed": 2}
    assert [(error.row, error.column) for error in errors] == [(6, "姓名"), (9, "身份证号")]
    assert unmatched == [(5, "无名路1号")]
    # H1's head was written in a later chunk than its first members: the household still has it.
    assert ("H1", "张三", house.pk) in expected[1]
    assert ("H2", "王五", None) in expected[1]
    assert Person.objects.get(real_name="张三").id_number == numbers[2]  # stored ciphertext decrypts


def test_second_background_import_of_the_same_file_changes_nothing(demo, chunks_of_two, in_background):
    data = ledger(ids(7))
    run(data)
    assert run(data).counts() == {"rows": 8, "created": 0, "updated": 0, "unchanged": 6, "failed": 2}


def test_strict_import_undoes_chunks_written_before_the_failed_row(demo, chunks_of_two, in_background):
    numbers = ids(7)
    report = run(ledger(numbers), strict=True)
    assert report.status == ImportStatus.REJECTED
    assert report.counts() == {"rows": 8, "created": 0, "updated": 0, "unchanged": 0, "failed": 2}
    assert not Person.objects.exists() and not Household.objects.exists()
    batch = ImportBatch.objects.get(pk=report.batch_id)  # the batch itself is kept, with the errors
    assert batch.status == ImportStatus.REJECTED and len(batch.errors) == 2


def test_dry_run_in_the_background_writes_no_person(demo, chunks_of_two, in_background):
    report = run(ledger(ids(7)), dry_run=True)
    assert report.status == ImportStatus.DRY_RUN and report.created == 6
    assert not Person.objects.exists() and not Household.objects.exists()


def test_unreadable_file_raises_its_reason_from_the_background(demo, in_background):
    with pytest.raises(ImportFileError, match="找不到表头"):
        run(xlsx_bytes([["甲", "乙"], ["1", "2"]]))
    assert not ImportBatch.objects.exists()


def test_mid_rotation_persons_indexed_under_the_old_key_are_matched_and_new_ones_use_the_new_key(
        demo, chunks_of_two, in_background):
    from django.test import override_settings

    from gongzhi.privacy import crypto

    old_key = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # the test settings' key
    new_key = "k2:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM="
    numbers = ids(7)
    data = ledger(numbers)
    run(data)  # indexed and encrypted under k1
    with override_settings(GONGZHI_DATA_KEY=f"{new_key},{old_key}"):
        again = run(data)
        assert again.counts() == {"rows": 8, "created": 0, "updated": 0, "unchanged": 6, "failed": 2}
        Person.objects.filter(id_index=Person.objects.get(real_name="钱七").id_index).delete()
        assert run(data).created == 1
        added = Person.objects.get(real_name="钱七")
        assert added.id_index == crypto.blind_index(numbers[6], label=Person._meta.get_field("id_index").crypto_label)
        assert list(Person.objects.with_id_number(numbers[6])) == [added]


@pytest.fixture
def refusing_person():
    """A real database trigger that refuses to insert a person of the given name (a failing write)."""
    from django.db import connection

    name = "中断者"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("CREATE TRIGGER refuse_person BEFORE INSERT ON registry_person "
                           f"WHEN NEW.real_name = '{name}' BEGIN SELECT RAISE(ABORT, 'refused'); END")
        else:
            cursor.execute("CREATE FUNCTION refuse_person() RETURNS trigger AS $$ BEGIN "
                           f"IF NEW.real_name = '{name}' THEN RAISE EXCEPTION 'refused'; END IF; "
                           "RETURN NEW; END $$ LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER refuse_person BEFORE INSERT ON registry_person "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_person()")

    def lift():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER IF EXISTS refuse_person")
            else:
                cursor.execute("DROP TRIGGER IF EXISTS refuse_person ON registry_person")
                cursor.execute("DROP FUNCTION IF EXISTS refuse_person()")

    yield SimpleNamespace(name=name, lift=lift)
    lift()


@pytest.fixture
def chunk_per_transaction(monkeypatch):
    """No chunk joins the transaction of the one before (as when the next has not arrived yet)."""
    monkeypatch.setattr(engine, "ready_now", lambda items: False)


@pytest.fixture
def commits(monkeypatch):
    """The number of chunks written at each commit of the import's transactions."""
    written, per_commit = [], []
    point = engine.faults.point

    def counting(name):
        if name == "registry.import.chunk_writing":
            written.append(name)
        elif name == "registry.import.chunk_written":
            per_commit.append(len(written))
            written.clear()
        point(name)

    monkeypatch.setattr(engine.faults, "point", counting)
    return per_commit


@pytest.mark.django_db(transaction=True)
def test_a_commit_failing_midway_keeps_the_chunks_written_and_says_so(
        demo, chunks_of_two, in_background, refusing_person, chunk_per_transaction):
    numbers = ids(6)
    data = xlsx_bytes([HEADERS, *[[f"甲{k}", number, "", "", "", ""] for k, number in enumerate(numbers[:4])],
                       [refusing_person.name, numbers[4], "", "", "", ""], ["乙", numbers[5], "", "", "", ""]])
    with pytest.raises(engine.ImportInterrupted, match="已写入 4 行"):
        run(data)
    # Each chunk was its own transaction: the two chunks before the failing one stay, nothing after.
    assert sorted(Person.objects.values_list("real_name", flat=True)) == ["甲0", "甲1", "甲2", "甲3"]
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INTERRUPTED and batch.created == 4
    # The re-import (once the cause is gone) adds the rest and duplicates nobody.
    refusing_person.lift()
    report = run(data)
    assert report.counts() == {"rows": 6, "created": 2, "updated": 0, "unchanged": 4, "failed": 0}
    assert Person.objects.count() == 6


def test_chunks_already_arrived_join_one_transaction(demo, chunks_of_two, in_background, commits, monkeypatch):
    """Each commit writes every index page it touched to SQLite's WAL: chunks waiting to be written
    go in together, while the lock has been held for less than the writer's holding time."""
    monkeypatch.setattr(engine, "ready_now", lambda items: True)  # every next chunk has arrived
    numbers = ids(7)
    data = xlsx_bytes([HEADERS, *[[f"甲{k}", number, "", "", "", ""] for k, number in enumerate(numbers)]])
    report = run(data)
    assert report.counts() == {"rows": 7, "created": 7, "updated": 0, "unchanged": 0, "failed": 0}
    assert commits == [4]  # four chunks (2 + 2 + 2 + 1 rows), one commit
    assert Person.objects.count() == 7
    from django.db import connection

    if connection.vendor == "sqlite":  # the trigram index brought up to date after the commit (PostgreSQL: GIN)
        assert not engine.fulltext.unindexed_ids()


def test_a_chunk_not_arrived_yet_is_not_waited_for_inside_a_transaction(demo, chunks_of_two, in_background,
                                                                        commits, chunk_per_transaction):
    numbers = ids(5)
    data = xlsx_bytes([HEADERS, *[[f"甲{k}", number, "", "", "", ""] for k, number in enumerate(numbers)]])
    assert run(data).created == 5
    assert commits == [1, 1, 1]


def test_the_holding_time_ends_a_shared_transaction(demo, chunks_of_two, in_background, commits, monkeypatch):
    monkeypatch.setattr(engine, "ready_now", lambda items: True)
    monkeypatch.setattr(engine._ChunkWriter, "HOLD_SECONDS", 0)  # no time to share: one chunk a commit
    monkeypatch.setattr(engine._ChunkWriter, "PAUSE_SECONDS", 0.01)
    numbers = ids(5)
    data = xlsx_bytes([HEADERS, *[[f"甲{k}", number, "", "", "", ""] for k, number in enumerate(numbers)]])
    assert run(data).created == 5
    assert commits == [1, 1, 1]


@pytest.mark.django_db(transaction=True)
def test_a_failure_in_a_shared_transaction_keeps_what_was_committed_before_it(
        demo, chunks_of_two, in_background, refusing_person, commits, monkeypatch):
    """Chunks 1 and 2 commit together; chunk 3 (sharing a transaction with nothing committed yet)
    fails: the report and the batch count the four rows committed, the re-import adds the rest."""
    arrived = iter([True, False, True])  # chunk 2 joins chunk 1; chunk 4 would join chunk 3
    monkeypatch.setattr(engine, "ready_now", lambda items: next(arrived, False))
    numbers = ids(7)
    data = xlsx_bytes([HEADERS, *[[f"甲{k}", number, "", "", "", ""] for k, number in enumerate(numbers[:5])],
                       [refusing_person.name, numbers[5], "", "", "", ""], ["乙", numbers[6], "", "", "", ""]])
    with pytest.raises(engine.ImportInterrupted, match="已写入 4 行"):
        run(data)
    assert commits == [2]
    assert sorted(Person.objects.values_list("real_name", flat=True)) == ["甲0", "甲1", "甲2", "甲3"]
    assert ImportBatch.objects.get().created == 4
    refusing_person.lift()
    assert run(data).counts() == {"rows": 7, "created": 3, "updated": 0, "unchanged": 4, "failed": 0}
