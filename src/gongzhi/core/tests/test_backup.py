"""Backup and restore (``./gz manage backup OUT`` / ``restore IN``), on SQLite and on PostgreSQL.

The round trip runs on the suite's real database (a file on SQLite, the throw-away cluster on
PostgreSQL) in a transactional test, so the snapshot sees committed data and the restore really
replaces it: every table (row count and a hash of its content) and every file's bytes come back,
the audit chain verifies, and neither key is in the archive. Damaged, truncated and mismatched
archives are refused before anything changes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from gongzhi.audit.integrity import verify_chain
from gongzhi.audit.models import AuditChainHead, AuditEntry
from gongzhi.audit.services import record
from gongzhi.core.backup import archive, database
from gongzhi.core.backup.errors import BackupError
from gongzhi.core.backup.running import pid_file_processes, running_signs

REPO_ROOT = Path(__file__).resolve().parents[4]
OTHER_KEY = "k1:" + base64.b64encode(bytes(range(100, 132))).decode()


# --- helpers ----------------------------------------------------------------------------------

def table_states(*, audit_upto: int | None = None) -> dict[str, tuple[int, str]]:
    """``{table: (rows, sha256 of its sorted rows)}`` for every table of the database.

    ``audit_upto`` leaves out audit entries after that seq and the chain head (compared apart)."""
    states = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            quoted = connection.ops.quote_name(table)
            if audit_upto is not None and table == AuditChainHead._meta.db_table:
                continue
            where = ""
            if audit_upto is not None and table == AuditEntry._meta.db_table:
                where = f" WHERE seq <= {int(audit_upto)}"
            cursor.execute(f"SELECT * FROM {quoted}{where}")
            rows = sorted(repr(tuple(row)) for row in cursor.fetchall())
            states[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return states


def file_states(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def staging_left(root: Path) -> list[Path]:
    return [p for p in root.rglob(".restore-*")] + [p for p in Path(settings.VAR_DIR).glob(".restore-*")]


def member_offset(path: Path, name: str) -> tuple[int, int]:
    with tarfile.open(path) as tar:
        info = tar.getmember(name)
        return info.offset_data, info.size


def flip_byte(src: Path, dest: Path, offset: int) -> Path:
    data = bytearray(src.read_bytes())
    data[offset] ^= 0x5A
    dest.write_bytes(bytes(data))
    return dest


def rewrite_manifest(src: Path, dest: Path, change, *, rehash: bool = True) -> Path:
    """A copy of the (uncompressed) archive ``src`` with its manifest changed by ``change(manifest)``."""
    with tarfile.open(src) as tar, tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as out:
        for info in tar:
            data = tar.extractfile(info).read()
            if info.name == archive.MANIFEST:
                manifest = json.loads(data)
                change(manifest)
                if rehash:
                    manifest["manifest_sha256"] = archive._manifest_digest(manifest)
                data = json.dumps(manifest).encode()
                info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return dest


def subprocess_env(var_dir: Path) -> dict:
    """``./gz manage``'s environment on the suite's database, data key and data directory."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{conf['NAME']}"
    else:
        url = f"postgres://{conf['USER']}@{conf['HOST']}:{conf['PORT']}/{conf['NAME']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGZHI_", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "gongzhi.settings.embedded", "GONGZHI_DATABASE_URL": url,
                "GONGZHI_VAR_DIR": str(var_dir), "GONGZHI_DATA_KEY": settings.GONGZHI_DATA_KEY,
                "GONGZHI_SECRET_KEY": settings.SECRET_KEY})
    return env


def gz_manage(*args: str, var_dir: Path) -> subprocess.CompletedProcess:
    connections.close_all()  # the test's own connection must not look like a running server
    return subprocess.run([str(REPO_ROOT / "gz"), "manage", *args], cwd=REPO_ROOT, env=subprocess_env(var_dir),
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def data_dirs(settings, tmp_path):
    """A var/ and MEDIA_ROOT of this test's own (the embedded layout: MEDIA_ROOT = var/media)."""
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = settings.VAR_DIR / "media"
    settings.MEDIA_ROOT.mkdir(parents=True)
    return settings.MEDIA_ROOT


def add_files(media: Path) -> None:
    """Files like the platform's: a case photo, a topic attachment, a job's sealed output."""
    (media / "cases/2026/05").mkdir(parents=True)
    (media / "cases/2026/05/井盖.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(3000))
    (media / "deliberation/topics/7").mkdir(parents=True)
    (media / "deliberation/topics/7/方案.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(500))
    (media / "imports/12").mkdir(parents=True)
    (media / "imports/12/导出.xlsx").write_bytes(os.urandom(2048))
    (media / "empty.txt").write_bytes(b"")


def add_people(demo) -> None:
    from gongzhi.registry.tests.factories import make_person

    for n, name in enumerate(["王备份", "李恢复", "赵校验"]):
        make_person(name=name, phone=f"1395555{n:04d}")
    record(actor=demo.users["community"], action="registry.export_persons", object_repr="备份测试")


# --- the round trip ---------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_round_trip_restores_every_table_and_file_and_the_audit_chain(demo, data_dirs, tmp_path):
    add_people(demo)
    add_files(data_dirs)
    before_tables = table_states()
    del before_tables[AuditChainHead._meta.db_table]  # moves on with the restore's own entry: checked below
    before_files = file_states(data_dirs)
    last_seq = AuditChainHead.objects.get(id=1).last_seq

    # The real command line, as an operator (or the systemd timer) runs it.
    out = tmp_path / "b.tar"
    made = gz_manage("backup", str(out), var_dir=settings.VAR_DIR)
    assert made.returncode == 0, made.stderr
    assert "备份完成" in made.stdout and out.exists()
    assert AuditEntry.objects.filter(action="backup.create", object_repr="b.tar").exists()

    # Neither key is in the archive, in any form.
    blob = out.read_bytes()
    for key in (settings.GONGZHI_DATA_KEY, settings.GONGZHI_DATA_KEY.partition(":")[2], settings.SECRET_KEY):
        assert key.encode() not in blob
    from gongzhi.privacy import crypto

    assert crypto.current_key().secret not in blob
    with tarfile.open(out) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(archive.MANIFEST).read())
    assert names[-1] == archive.MANIFEST and not any("key" in n.rsplit("/", 1)[-1] for n in names)
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"]["audit"] and manifest["data_keys"][0]["id"] == "k1"
    assert {m["path"] for m in manifest["members"]} >= {"files/media/cases/2026/05/井盖.jpg", "files/media/empty.txt"}

    # Life goes on: rows deleted and added, files changed, added and removed.
    from gongzhi.registry.models import Person

    Person.objects.filter(real_name="王备份").delete()
    record(actor=None, actor_name="system", action="demo.setup")
    (data_dirs / "cases/2026/05/井盖.jpg").write_bytes(b"changed")
    (data_dirs / "new.bin").write_bytes(b"new")
    (data_dirs / "empty.txt").unlink()
    changed_tables, changed_files = table_states(), file_states(data_dirs)

    # A damaged archive is refused with a clear message, and nothing changes.
    offset, _size = member_offset(out, "files/media/cases/2026/05/井盖.jpg")
    message = refused(flip_byte(out, tmp_path / "bad.tar", offset + 100))
    assert "校验和不符" in message and "井盖.jpg" in message
    assert table_states() == changed_tables and file_states(data_dirs) == changed_files
    assert not staging_left(data_dirs)

    # The restore puts every table and every file back.
    output = io.StringIO()
    call_command("restore", str(out), stdout=output)
    assert "审计链完整" in output.getvalue()
    assert table_states(audit_upto=last_seq) == before_tables
    assert file_states(data_dirs) == before_files
    assert not staging_left(data_dirs)
    # The restored chain goes on with the restore itself, and verifies.
    assert list(AuditEntry.objects.filter(seq__gt=last_seq).values_list("action", flat=True)) == ["backup.restore"]
    result = verify_chain()
    assert result.ok and result.checked == last_seq + 1
    # The database works on: new rows get fresh ids (PostgreSQL's sequences came back too).
    from gongzhi.registry.tests.factories import make_person

    assert make_person(name="新来的", id_number="110101199003070003").pk > max(
        Person.objects.exclude(real_name="新来的").values_list("pk", flat=True))


# --- refusals ---------------------------------------------------------------------------------

@pytest.fixture
def made(demo, data_dirs, tmp_path):
    """One uncompressed backup of the demo data and its files."""
    add_files(data_dirs)
    call_command("backup", str(tmp_path / "b.tar"), stdout=io.StringIO())
    return tmp_path / "b.tar"


def refused(path: Path, *args: str) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(path), *args, stdout=io.StringIO())
    return str(caught.value)


def test_damaged_truncated_and_mismatched_backups_are_refused_and_nothing_changes(made, data_dirs, tmp_path, settings):
    call_command("backup", str(tmp_path / "c.tar.gz"), stdout=io.StringIO())  # recorded in the audit log
    tables, files = table_states(), file_states(data_dirs)
    member = database.SQLITE_MEMBER if connection.vendor == "sqlite" else database.POSTGRES_MEMBER
    offset, size = member_offset(made, member)
    data = made.read_bytes()

    # A byte flipped in the database snapshot.
    message = refused(flip_byte(made, tmp_path / "flip.tar", offset + size // 2))
    assert "校验和不符" in message and member in message
    # Truncated: in the middle of a member, and at a member boundary (the manifest, last, is gone).
    (tmp_path / "cut.tar").write_bytes(data[: offset + size // 3])
    assert "损坏或不完整" in refused(tmp_path / "cut.tar")
    (tmp_path / "cut2.tar").write_bytes(data[: offset + ((size + 511) // 512) * 512])
    assert "缺少清单" in refused(tmp_path / "cut2.tar")
    # The compressed form: a flipped byte is refused too.
    gz = (tmp_path / "c.tar.gz").read_bytes()
    assert gz[:2] == b"\x1f\x8b"
    flip_byte(tmp_path / "c.tar.gz", tmp_path / "cflip.tar.gz", len(gz) // 2)
    assert "恢复被拒绝" in refused(tmp_path / "cflip.tar.gz")
    # A manifest edited by hand (checksum not matching), a file member listed but missing.
    edited = rewrite_manifest(made, tmp_path / "edited.tar", lambda m: m.update(created_at="2020-01-01"), rehash=False)
    assert "清单校验失败" in refused(edited)
    dropped = rewrite_manifest(made, tmp_path / "dropped.tar",
                               lambda m: m["members"].append({"path": "files/media/x", "size": 1, "sha256": "0" * 64}))
    assert "缺少 1 个条目" in refused(dropped)
    # Made by a newer version (a migration this code does not have), another database vendor,
    # a newer archive format.
    newer = rewrite_manifest(made, tmp_path / "newer.tar", lambda m: m["migrations"].update(audit="0999_future"))
    assert "audit.0999_future" in refused(newer)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    vendor = rewrite_manifest(made, tmp_path / "vendor.tar", lambda m: m["database"].update(vendor=other))
    assert "不支持跨数据库恢复" in refused(vendor)
    future = rewrite_manifest(made, tmp_path / "future.tar", lambda m: m.update(format_version=2))
    assert "格式版本" in refused(future)
    # Made under another data key: refused, naming the key.
    settings.GONGZHI_DATA_KEY = OTHER_KEY
    message = refused(made)
    assert "数据密钥不符" in message and "k1" in message
    # --check refuses the same way, and changes nothing either.
    with pytest.raises(CommandError, match="数据密钥不符"):
        call_command("restore", str(made), "--check", stdout=io.StringIO())

    assert table_states() == tables and file_states(data_dirs) == files
    assert not staging_left(data_dirs)


def test_check_accepts_an_intact_backup_and_refuses_what_is_not_a_backup(made, tmp_path):
    output = io.StringIO()
    call_command("restore", str(made), "--check", stdout=output)
    assert "备份完好" in output.getvalue()
    (tmp_path / "notes.tar").write_bytes(b"not a tar at all" * 100)
    assert "损坏或不完整" in refused(tmp_path / "notes.tar")
    assert "找不到备份文件" in refused(tmp_path / "missing.tar")
    with pytest.raises(CommandError, match="已存在"):
        call_command("backup", str(made), stdout=io.StringIO())
    with pytest.raises(CommandError, match="inside a directory it backs up"):
        call_command("backup", str(settings.MEDIA_ROOT / "b.tar"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="must be a directory or end in .tar"):
        call_command("backup", str(tmp_path / "backups"), stdout=io.StringIO())
    # A directory (created when named with a trailing slash) receives a dated, compressed archive.
    call_command("backup", f"{tmp_path}/nightly/", stdout=io.StringIO())
    (written,) = (tmp_path / "nightly").iterdir()
    assert written.name.startswith("gongzhi-backup-") and written.name.endswith(".tar.gz")
    assert written.stat().st_mode & 0o777 == 0o600  # personal data: owner-only whatever the umask


def test_restore_refuses_while_the_platform_runs(made, data_dirs):
    """A live worker's pid file (what ``python -m gongzhi db_worker`` writes) stops a restore."""
    worker = subprocess.Popen([sys.executable, "-c", "print('up', flush=True); import time; time.sleep(60)",
                               "gongzhi", "db_worker"], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "up"  # exec'd: its command line is the worker's
        run = Path(settings.VAR_DIR) / "run"
        run.mkdir(parents=True, exist_ok=True)
        (run / f"db_worker-{worker.pid}.pid").write_text(str(worker.pid))
        (run / "db_worker-999999999.pid").write_text("gone")  # killed outright long ago: ignored
        (run / f"gunicorn-{os.getpid()}.ctl").write_text("")  # our own pid: not another process
        assert pid_file_processes() == [f"db_worker (pid {worker.pid})"]
        message = refused(made)
        assert "平台正在运行" in message and "systemctl stop" in message and str(worker.pid) in message
        assert running_signs()
    finally:
        worker.kill()
        worker.wait()
        worker.stdout.close()
    assert pid_file_processes() == []


def test_another_process_holding_the_sqlite_file_open_is_seen(db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL: other sessions are found in pg_stat_activity")
    from gongzhi.core.backup.running import processes_with_file_open

    path = tmp_path / "x.sqlite3"
    holder = subprocess.Popen([sys.executable, "-c", f"import sqlite3, sys, time; c = sqlite3.connect({str(path)!r}); "
                               "c.execute('create table t(x)'); print('ok', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        assert [s for s in processes_with_file_open([path]) if s.startswith(f"pid {holder.pid}:")]
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_a_missing_postgresql_client_is_named(monkeypatch):
    from gongzhi.core.backup import database

    monkeypatch.setattr(database.shutil, "which", lambda _name: None)
    monkeypatch.setattr(database.glob, "glob", lambda _pattern: [])
    with pytest.raises(BackupError, match="pg_dump not found.*postgresql-client"):
        database.pg_binary("pg_dump")
    monkeypatch.setattr(database.glob, "glob", lambda _p: ["/usr/lib/postgresql/9/bin/psql",
                                                           "/usr/lib/postgresql/15/bin/psql"])
    assert database.pg_binary("psql") == "/usr/lib/postgresql/15/bin/psql"
