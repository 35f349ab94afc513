"""A read-only reader of an MBTiles file (SQLite: ``tiles`` and ``metadata``, TMS row order).

The file is opened through an SQLite URI with ``mode=ro`` (nothing is ever written to it), one
connection per thread, reopened when the file is replaced (its size, mtime or inode changes).
Anything wrong with the file raises ``TilesUnavailable`` with a code; callers answer with that
code and log it once, never with a traceback.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

RASTER_FORMATS = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
VECTOR_FORMATS = {"pbf", "mvt"}
MAX_ZOOM = 30


class TilesUnavailable(Exception):
    """The file cannot serve tiles: ``code`` is ``missing``, ``corrupt`` or ``vector``."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Metadata:
    name: str
    format: str  # png, jpg, webp (normalised: jpeg → jpg) or pbf
    bounds: tuple[float, float, float, float] | None  # west, south, east, north (WGS-84 degrees)
    minzoom: int
    maxzoom: int
    attribution: str
    version: str  # changes whenever the file does: the client's cache key
    raw: dict = field(default_factory=dict, compare=False)

    @property
    def content_type(self) -> str:
        return RASTER_FORMATS.get(self.format, "application/octet-stream")

    @property
    def is_vector(self) -> bool:
        return self.format in VECTOR_FORMATS


def sniff_format(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "pbf"  # gzip'd or raw protobuf: a vector tile


def _bounds(text: str) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except (ValueError, AttributeError):
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return west, south, east, north


def _int(text, default: int) -> int:
    try:
        value = int(float(text))
    except (TypeError, ValueError):
        return default
    return min(max(value, 0), MAX_ZOOM)


class MBTiles:
    """One MBTiles file. ``metadata()`` and ``tile(z, x, y)`` take XYZ (slippy map) coordinates."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._meta: tuple[tuple, Metadata] | None = None

    # --- the connection ------------------------------------------------------------------------

    def _stamp(self) -> tuple:
        try:
            st = self.path.stat()
        except OSError as exc:
            raise TilesUnavailable("missing", f"{self.path}: {exc.strerror or exc}") from None
        if not self.path.is_file():
            raise TilesUnavailable("missing", f"{self.path}: not a file")
        return st.st_size, st.st_mtime_ns, st.st_ino

    def _connection(self) -> tuple[sqlite3.Connection, tuple]:
        stamp = self._stamp()
        held = getattr(self._local, "held", None)
        if held and held[1] == stamp:
            return held
        if held:
            held[0].close()
            self._local.held = None
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, check_same_thread=True)
            conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            raise TilesUnavailable("corrupt", f"{self.path}: {exc}") from None
        self._local.held = (conn, stamp)
        return self._local.held

    def close(self) -> None:
        held = getattr(self._local, "held", None)
        if held:
            held[0].close()
            self._local.held = None

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn, _stamp = self._connection()
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:  # not a database, no such table, disk image is malformed
            self.close()
            raise TilesUnavailable("corrupt", f"{self.path}: {exc}") from None

    # --- what the file holds -------------------------------------------------------------------

    def metadata(self) -> Metadata:
        stamp = self._stamp()
        cached = self._meta
        if cached and cached[0] == stamp:
            return cached[1]
        raw = {str(k): "" if v is None else str(v) for k, v in self._query("SELECT name, value FROM metadata")}
        fmt = raw.get("format", "").strip().lower()
        fmt = "jpg" if fmt == "jpeg" else fmt
        if fmt not in RASTER_FORMATS and fmt not in VECTOR_FORMATS:
            first = self._query("SELECT tile_data FROM tiles WHERE tile_data IS NOT NULL LIMIT 1")
            fmt = sniff_format(bytes(first[0][0])) if first else "png"
        minzoom, maxzoom = raw.get("minzoom"), raw.get("maxzoom")
        if minzoom is None or maxzoom is None:
            row = self._query("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles")[0]
            minzoom = row[0] if minzoom is None else minzoom
            maxzoom = row[1] if maxzoom is None else maxzoom
        low, high = _int(minzoom, 0), _int(maxzoom, 18)
        meta = Metadata(
            name=raw.get("name", self.path.stem), format=fmt, bounds=_bounds(raw.get("bounds", "")),
            minzoom=min(low, high), maxzoom=max(low, high), attribution=raw.get("attribution", "").strip(),
            version=f"{stamp[0]:x}{stamp[1]:x}"[-12:], raw=raw,
        )
        with self._lock:
            self._meta = (stamp, meta)
        return meta

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ ``z/x/y`` (the file stores TMS rows: ``row = 2**z - 1 - y``), or None."""
        if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        rows = self._query(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (2**z - 1) - y),
        )
        if not rows or rows[0][0] is None:
            return None
        return bytes(rows[0][0])

    def counts(self) -> list[tuple[int, int]]:
        """``(zoom, number of tiles)`` per zoom level, lowest first."""
        return [(int(z), int(n)) for z, n in
                self._query("SELECT zoom_level, COUNT(*) FROM tiles GROUP BY zoom_level ORDER BY zoom_level")]


_files: dict[str, MBTiles] = {}
_files_lock = threading.Lock()


def open_mbtiles(path: str | os.PathLike) -> MBTiles:
    """The shared reader of ``path`` (one per path per process; connections per thread)."""
    key = str(path)
    with _files_lock:
        found = _files.get(key)
        if found is None:
            found = _files[key] = MBTiles(path)
        return found
