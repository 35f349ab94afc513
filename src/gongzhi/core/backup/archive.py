"""``./gz manage backup OUT`` and ``./gz manage restore IN``: one tar file holding everything.

The archive (a POSIX tar, gzip-compressed when its name ends in ``.gz``/``.tgz``)::

    database/db.sqlite3 | database/db.pgdump   the database snapshot (database.py)
    files/media/<path>                         every file under MEDIA_ROOT (uploads, job inputs and outputs)
    manifest.json                              last: what the archive must hold, with checksums

The manifest (format version, creation time, app version, latest migration per app, database
vendor and version, every member's size and SHA-256, a fingerprint per data key) is written last
so that a truncated archive has none: a restore refuses it. The data key, the secret key and
anything else under var/ but MEDIA_ROOT never enter the archive; the key fingerprint is
HMAC-SHA256(key, a constant), which tells keys apart without revealing them.

A restore reads the whole archive into staging (beside the live data, on the same file system),
hashing as it goes, and checks everything — the manifest's own checksum, every member's size and
SHA-256, no member missing or extra, the format version, the database vendor, every data key the
backup was made under present in this installation's GONGZHI_DATA_KEY, no migration unknown to
this code — before it touches anything. Then it swaps the files (the old ones are kept aside
until the database is back), restores the database in one transaction (database.py), puts the
old files back if that fails, applies the migrations this code has beyond the backup, and
records the restore in the restored audit log, whose chain it then verifies.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from gongzhi.audit.integrity import VerificationResult, verify_chain
from gongzhi.audit.services import record

from . import database
from .errors import BackupError

FORMAT = "gongzhi-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES_PREFIX = "files/"
FINGERPRINT_CONSTANT = b"gongzhi backup key fingerprint v1"
STAGING_PREFIX = ".restore-"
CHUNK = 1024 * 1024

Say = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


# --- what is backed up ------------------------------------------------------------------------

def data_roots() -> dict[str, Path]:
    """The directories holding data, by their name in the archive. MEDIA_ROOT holds every upload
    (case photos, attachments) and every job's input and output (imports, exports, staged area
    files). The rest of var/ is not data: keys (never backed up), static files (collectstatic),
    logs, the job-progress cache and sockets. An MBTiles base map (GONGZHI_MAP_MBTILES) is
    configuration the operator supplies, kept with the configuration, not in the backup."""
    return {"media": Path(settings.MEDIA_ROOT)}


def _excluded_paths() -> set[Path]:
    """Files that must never enter an archive even if a data root holds them: keys, the database."""
    var = Path(settings.VAR_DIR)
    paths = {var / "data.key", var / "secret.key"}
    if database.vendor() == "sqlite":
        live = database.sqlite_path()
        paths |= {live, Path(f"{live}-wal"), Path(f"{live}-shm"), Path(f"{live}-journal")}
    return {p.resolve() for p in paths}


def _walk(root: Path):
    """Regular files under ``root`` (sorted, symlinks not followed, restore staging left out)."""
    if not root.is_dir():
        return
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(STAGING_PREFIX))
        for name in sorted(files):
            path = Path(current) / name
            if path.is_file() and not path.is_symlink():
                yield path


def key_fingerprints() -> list[dict[str, str]]:
    """``[{id, fingerprint}]`` of every configured data key, the current (encrypting) one first."""
    from gongzhi.privacy import crypto

    return [{"id": key.key_id, "fingerprint": hmac.new(key.secret, FINGERPRINT_CONSTANT, hashlib.sha256).hexdigest()}
            for key in crypto.keys()]


def applied_migrations() -> dict[str, str]:
    """The latest applied migration of each app, as the database records it."""
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = name  # names start with their number: the last in order is the latest
    return latest


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gongzhi")
    except PackageNotFoundError:  # pragma: no cover - the package is installed by ./gz
        return "unknown"


def _manifest_digest(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- writing ----------------------------------------------------------------------------------

class _HashingWriter:
    """A write-only file that hashes and counts what passes through it."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


class _HashingReader:
    """Reads exactly ``size`` bytes of ``raw``, hashing them; a file that shrank is an error."""

    def __init__(self, raw: BinaryIO, size: int, label: str):
        self.raw, self.left, self.label, self.sha256 = raw, size, label, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        want = self.left if n is None or n < 0 else min(n, self.left)
        data = self.raw.read(want)
        if not data:
            raise BackupError(f"文件在备份过程中被截短 / {self.label} shrank while it was being backed up")
        self.left -= len(data)
        self.sha256.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, fh: BinaryIO, size: int, mtime: float) -> str:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    reader = _HashingReader(fh, size, name)
    tar.addfile(info, reader)
    return reader.sha256.hexdigest()


def default_name(now: datetime | None = None) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"gongzhi-backup-{now:%Y%m%d-%H%M%S}.tar.gz"


SUFFIXES = (".tar", ".tar.gz", ".tgz")


def resolve_output(out: Path | str) -> Path:
    """OUT itself (a .tar, .tar.gz or .tgz file), or a dated file name inside OUT when it is a
    directory (created when OUT ends with a slash)."""
    raw = str(out)
    path = Path(raw)
    if raw.endswith(("/", os.sep)) and not path.exists():
        path.mkdir(parents=True, mode=0o700)
    if path.is_dir():
        path = path / default_name()
    elif not path.name.endswith(SUFFIXES):
        raise BackupError(f"OUT 须是目录或 .tar/.tar.gz/.tgz 文件 / OUT must be a directory or end in .tar, .tar.gz "
                          f"or .tgz: {raw}")
    for root in data_roots().values():
        if path.resolve().is_relative_to(root.resolve()):
            raise BackupError(f"备份不能写在被备份的目录 {root} 之内 / the archive cannot be written inside a directory it "
                              f"backs up ({root}): choose another place, e.g. var/backups/")
    if path.exists():
        raise BackupError(f"目标文件已存在，不会覆盖 / {path} already exists; it is not overwritten")
    if not path.parent.is_dir():
        raise BackupError(f"目录不存在 / directory not found: {path.parent}")
    return path


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str
    files: int
    manifest: dict


def create_backup(out: Path | str, *, say: Say = _quiet) -> BackupResult:
    """Write a backup of the database and the data files to ``out`` (a file, or a directory)."""
    out = resolve_output(out)
    member = database.member_name()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "app_version": app_version(),
        "database": {"vendor": database.vendor(), "version": database.server_version(), "member": member},
        "migrations": applied_migrations(),
        "data_keys": key_fingerprints(),
        "roots": {},
        "members": [],
    }
    excluded = _excluded_paths()
    partial = out.with_name(out.name + ".partial")
    compress = out.name.endswith((".gz", ".tgz"))
    stage = Path(tempfile.mkdtemp(prefix="gongzhi-backup-", dir=out.parent))
    try:
        snapshot = stage / Path(member).name
        say(f"数据库快照 / database snapshot ({database.vendor()})")
        database.dump(snapshot)
        # Owner-only whatever the umask: the archive holds personal data.
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw:
            writer = _HashingWriter(raw)
            # gzip level 6 (tarfile's own "w|gz" is level 9: several times slower for little gain).
            stream = gzip.GzipFile(fileobj=writer, mode="wb", compresslevel=6, mtime=0) if compress else writer
            with tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                with open(snapshot, "rb") as fh:
                    size = os.fstat(fh.fileno()).st_size
                    digest = _add(tar, member, fh, size, snapshot.stat().st_mtime)
                manifest["members"].append({"path": member, "size": size, "sha256": digest})
                snapshot.unlink()
                for root_name, root in data_roots().items():
                    manifest["roots"][root_name] = str(root)
                    count = 0
                    for path in _walk(root):
                        if path.resolve() in excluded:
                            continue
                        name = FILES_PREFIX + root_name + "/" + path.relative_to(root).as_posix()
                        try:
                            fh = open(path, "rb")
                        except FileNotFoundError:  # deleted since the walk listed it (a purge)
                            continue
                        with fh:
                            stat = os.fstat(fh.fileno())
                            digest = _add(tar, name, fh, stat.st_size, stat.st_mtime)
                        manifest["members"].append({"path": name, "size": stat.st_size, "sha256": digest})
                        count += 1
                    say(f"文件 / files in {root_name}: {count}")
                manifest["manifest_sha256"] = _manifest_digest(manifest)
                body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(timezone.now().timestamp()), 0o600
                tar.addfile(info, io.BytesIO(body))
            if compress:
                stream.close()  # the gzip trailer (closing a GzipFile leaves its fileobj open)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, out)  # a backup that did not finish never has the final name
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    files = len(manifest["members"]) - 1
    record(actor=None, actor_name="backup command", action="backup.create", object_repr=out.name[:200],
           after={"size": writer.size, "sha256": writer.sha256.hexdigest(), "files": files})
    return BackupResult(path=out, size=writer.size, sha256=writer.sha256.hexdigest(), files=files, manifest=manifest)


# --- reading and checking ---------------------------------------------------------------------

def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (not path.is_absolute() and ".." not in path.parts and name == path.as_posix()
            and all(part and not part.startswith(STAGING_PREFIX) for part in path.parts))


def read_archive(path: Path, sink: Callable[[str], BinaryIO | None] | None = None) -> tuple[dict, dict]:
    """Read every member once: ``(manifest, {member: (size, sha256)})``. ``sink(name)`` gives the
    file a member's bytes are copied to (``None``: only hash it). Any damage is a BackupError."""
    seen: dict[str, tuple[int, str]] = {}
    manifest_bytes = None
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for info in tar:
                if not info.isfile() or not _safe_member_name(info.name):
                    raise BackupError(f"备份中有不应有的条目 / unexpected entry in the backup: {info.name!r}")
                if info.name in seen or (info.name == MANIFEST and manifest_bytes is not None):
                    raise BackupError(f"备份中条目重复 / duplicate entry in the backup: {info.name!r}")
                source = tar.extractfile(info)
                if info.name == MANIFEST:
                    manifest_bytes = source.read(4 * 1024 * 1024 + 1)
                    continue
                if manifest_bytes is not None:
                    raise BackupError(f"清单之后还有条目 / entry after the manifest: {info.name!r}")
                target = sink(info.name) if sink else None
                digest, size = hashlib.sha256(), 0
                try:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        if target is not None:
                            target.write(chunk)
                finally:
                    if target is not None:
                        target.close()
                seen[info.name] = (size, digest.hexdigest())
    except BackupError:
        raise
    except FileNotFoundError as exc:
        raise BackupError(f"找不到备份文件 / backup file not found: {path}") from exc
    except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
        raise BackupError(f"备份文件已损坏或不完整 / the backup is damaged or truncated: {exc}") from exc
    if manifest_bytes is None:
        raise BackupError("备份缺少清单：文件已损坏、不完整（被截断）或不是本平台的备份 / the backup has no manifest: it is damaged, "
                          "truncated or not a Gongzhi backup")
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError as exc:
        raise BackupError(f"备份清单已损坏 / the backup's manifest is damaged: {exc}") from exc
    _check_integrity(manifest, seen)
    return manifest, seen


def _check_integrity(manifest: dict, seen: dict[str, tuple[int, str]]) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("这不是共治平台的备份文件 / not a Gongzhi backup (manifest format)")
    if manifest.get("manifest_sha256") != _manifest_digest(manifest):
        raise BackupError("备份清单校验失败，清单已被改动或损坏 / the manifest's checksum does not match: it was "
                          "altered or damaged")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {version} 高于本程序支持的 {FORMAT_VERSION}，请用更新版本恢复 / backup format "
                          f"version {version} is newer than this code supports ({FORMAT_VERSION})")
    listed = {m["path"]: (m["size"], m["sha256"]) for m in manifest.get("members", [])}
    missing = sorted(set(listed) - set(seen))
    if missing:
        raise BackupError(f"备份不完整，缺少 {len(missing)} 个条目 / the backup is incomplete: {len(missing)} entries "
                          f"missing, e.g. {missing[0]}")
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise BackupError(f"备份中有清单未列出的条目 / entries not in the manifest: {extra[0]}")
    for name, (size, digest) in listed.items():
        got_size, got_digest = seen[name]
        if got_size != size or not hmac.compare_digest(got_digest, digest):
            raise BackupError(f"校验和不符，备份已损坏 / checksum mismatch, the backup is damaged: {name} "
                              f"(expected {size} bytes sha256 {digest[:16]}…, found {got_size} bytes "
                              f"{got_digest[:16]}…)")
    if manifest.get("database", {}).get("member") not in listed:
        raise BackupError("备份中没有数据库快照 / the backup holds no database snapshot")


def check_compatible(manifest: dict) -> list[str]:
    """Refuse a backup this installation cannot take; return notes (migrations to apply after)."""
    backup_vendor = manifest["database"]["vendor"]
    if backup_vendor != database.vendor():
        raise BackupError(f"备份来自 {backup_vendor} 数据库，当前为 {database.vendor()}：不支持跨数据库恢复 / the backup "
                          f"is of a {backup_vendor} database, this installation uses {database.vendor()}: "
                          "restoring across database vendors is not supported")
    if manifest["database"]["member"] != database.member_name():
        raise BackupError(f"数据库快照条目不符 / unexpected database member {manifest['database']['member']}")
    ours = {k["fingerprint"]: k["id"] for k in key_fingerprints()}
    missing = [k["id"] for k in manifest.get("data_keys", []) if k.get("fingerprint") not in ours]
    if missing or not manifest.get("data_keys"):
        raise BackupError(
            f"数据密钥不符：备份使用的密钥 {', '.join(missing) or '?'} 不在当前 GONGZHI_DATA_KEY 中，恢复后个人信息将无法解密 / "
            f"data key mismatch: the backup was made under key(s) {', '.join(missing) or '?'} that this installation's "
            "GONGZHI_DATA_KEY does not hold; personal data would not decrypt. Configure the key the backup was made "
            "with (keep old keys as long as backups made under them are kept)")
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, name in manifest.get("migrations", {}).items()
                     if (app, name) not in known)
    if unknown:
        raise BackupError(f"备份来自更新版本的程序（迁移 {unknown[0]} 本程序没有），请先升级程序再恢复 / the backup was made by "
                          f"a newer version: migration {unknown[0]} is unknown to this code; upgrade first")
    notes = []
    code_latest: dict[str, str] = {}
    for app, name in sorted(known):
        code_latest[app] = max(code_latest.get(app, ""), name)
    behind = sorted(app for app, name in code_latest.items() if manifest.get("migrations", {}).get(app, "") < name)
    if behind:
        notes.append(f"备份的数据库结构早于本程序（{', '.join(behind)}），恢复后将执行迁移 / the backup predates this "
                     f"code's migrations ({', '.join(behind)}): they are applied after the restore")
    return notes


def verify_backup(path: Path) -> dict:
    """Check an archive completely (every checksum, compatibility) without changing anything."""
    manifest, _seen = read_archive(Path(path))
    check_compatible(manifest)
    return manifest


# --- restoring --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RestoreResult:
    manifest: dict
    files: int
    notes: list[str]
    chain: VerificationResult


class _Staging:
    """Where a restore puts what it read before anything live changes (same file systems)."""

    def __init__(self):
        self.roots = data_roots()
        for root in self.roots.values():
            root.mkdir(parents=True, exist_ok=True)
        db_dir = database.sqlite_path().parent if database.vendor() == "sqlite" else Path(settings.VAR_DIR)
        db_dir.mkdir(parents=True, exist_ok=True)
        self.db_dir = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + "db-", dir=db_dir))
        self.new = {name: Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + "new-", dir=root))
                    for name, root in self.roots.items()}
        self.old = {name: Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + "old-", dir=root))
                    for name, root in self.roots.items()}
        self.db_file: Path | None = None
        self.count = 0

    def sink(self, member: str) -> BinaryIO:
        if member.startswith("database/"):
            target = self.db_dir / PurePosixPath(member).name
            if member == database.member_name():  # another vendor's snapshot is refused by check_compatible
                self.db_file = target
            return open(target, "xb")
        _files, root_name, relative = member.split("/", 2)
        if root_name not in self.new:
            raise BackupError(f"备份中的文件目录未知 / unknown data directory in the backup: {root_name}")
        target = self.new[root_name] / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        self.count += 1
        return open(target, "xb")

    def swap_files(self) -> None:
        """Move the live files aside and the restored ones in (rename within each root)."""
        for name, root in self.roots.items():
            for entry in list(root.iterdir()):
                if not entry.name.startswith(STAGING_PREFIX):
                    os.rename(entry, self.old[name] / entry.name)
            for entry in list(self.new[name].iterdir()):
                os.rename(entry, root / entry.name)

    def swap_back(self) -> None:
        for name, root in self.roots.items():
            for entry in list(root.iterdir()):
                if not entry.name.startswith(STAGING_PREFIX):
                    os.rename(entry, self.new[name] / entry.name)
            for entry in list(self.old[name].iterdir()):
                os.rename(entry, root / entry.name)

    def remove(self) -> None:
        shutil.rmtree(self.db_dir, ignore_errors=True)
        for directory in (*self.new.values(), *self.old.values()):
            shutil.rmtree(directory, ignore_errors=True)


def ensure_stopped(*, force: bool = False) -> list[str]:
    """Refuse while the platform runs on this data (unless forced); return what was seen."""
    from .running import running_signs

    signs = running_signs()
    if signs and not force:
        raise BackupError(
            "平台正在运行，请先停止 Web 服务、任务进程和定时进程再恢复 / the platform is running: stop the web server, the "
            "task worker and the clock first (systemctl stop gongzhi-web gongzhi-worker gongzhi-clock, or stop "
            "./gz serve / ./gz demo). Seen: " + "; ".join(signs[:5]))
    return signs


def restore_backup(path: Path, *, force: bool = False, say: Say = _quiet) -> RestoreResult:
    """Restore ``path`` over the live database and files (see the module's docstring)."""
    from django.core.management import call_command

    ensure_stopped(force=force)
    staging = _Staging()
    try:
        say("校验备份 / verifying the backup")
        manifest, _seen = read_archive(Path(path), staging.sink)
        notes = check_compatible(manifest)
        if staging.db_file is None:
            raise BackupError("备份中没有数据库快照 / the backup holds no database snapshot")
        database.check(staging.db_file)
        say("替换文件和数据库 / replacing the files and the database")
        try:
            staging.swap_files()
            database.restore(staging.db_file)
        except BaseException:
            staging.swap_back()  # the old files back in place; the database was never changed
            raise
    finally:
        staging.remove()
    for note in notes:
        say(note)
    if notes:
        call_command("migrate", interactive=False, verbosity=0)
    record(actor=None, actor_name="restore command", action="backup.restore", object_repr=Path(path).name[:200],
           after={"created_at": manifest.get("created_at"), "app_version": manifest.get("app_version"),
                  "files": staging.count, "forced": force})
    return RestoreResult(manifest=manifest, files=staging.count, notes=notes, chain=verify_chain())
