"""Files sealed at rest: AES-256-GCM in 64 KiB chunks under the field-encryption key.

Job inputs (uploaded ledgers) and outputs (exports, some unmasked) hold personal data; stored as
they are, anyone who can read ``var/`` or a backup reads every phone and ID number in them. So the
platform keeps them sealed and opens them only to hand them to their owner or to the job.

Format: ``MAGIC``, the key id (one length byte, then the id), an 8-byte random file prefix, then
chunks, each a 4-byte big-endian length and the chunk's ciphertext with its tag. A chunk's nonce is
the file prefix and its 4-byte number; its associated data binds the ``label`` (which file this is),
its number and whether it is the last one — so chunks cannot be reordered, swapped between files or
cut off at the end without the reader noticing. Keys rotate like field values: the id in the header
names the key, and every configured key can open.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from typing import IO

from cryptography.exceptions import InvalidTag

from . import crypto

MAGIC = b"GZSEAL1\n"
CHUNK_BYTES = 64 * 1024
PREFIX_BYTES = 8
_LENGTH = struct.Struct(">I")
MAX_CHUNKS = 2**32 - 1


class SealError(crypto.DecryptionError):
    """A sealed file is damaged, cut short, not sealed, or sealed under a key no longer configured."""


def _associated(label: str, number: int, last: bool) -> bytes:
    return f"{label}\x00{number}\x00{int(last)}".encode()


class SealingWriter:
    """A write-only binary stream that seals what is written into ``target`` (``close`` finishes it).

    Not seekable: writers that need to seek (``zipfile``, hence openpyxl) detect that and stream.
    """

    def __init__(self, target: IO[bytes], *, label: str) -> None:
        key = crypto.current_key()
        self._target, self._label, self._aead = target, label, key.aead
        self._prefix = os.urandom(PREFIX_BYTES)
        self._buffer = bytearray()
        self._number = 0
        self.closed = False
        key_id = key.key_id.encode()
        target.write(MAGIC + bytes([len(key_id)]) + key_id + self._prefix)

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def write(self, data) -> int:
        if self.closed:
            raise ValueError("write to a closed sealing writer")
        self._buffer += data
        while len(self._buffer) > CHUNK_BYTES:  # keep one chunk back: it may be the last
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def flush(self) -> None:
        self._target.flush()

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        if self._number >= MAX_CHUNKS:
            raise ValueError("file too large to seal")
        nonce = self._prefix + struct.pack(">I", self._number)
        sealed = self._aead.encrypt(nonce, chunk, _associated(self._label, self._number, last))
        self._target.write(_LENGTH.pack(len(sealed)) + sealed)
        self._number += 1

    def close(self) -> None:
        if self.closed:
            return
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self.closed = True
        self._target.flush()

    def __enter__(self) -> SealingWriter:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.close()


def seal(source: IO[bytes], target: IO[bytes], *, label: str) -> int:
    """Copy ``source`` (read in chunks) into ``target`` sealed; returns the plaintext size."""
    size = 0
    with SealingWriter(target, label=label) as writer:
        while block := source.read(CHUNK_BYTES):
            writer.write(block)
            size += len(block)
    return size


def _read_exact(source: IO[bytes], n: int) -> bytes:
    data = source.read(n)
    if len(data) != n:
        raise SealError("sealed file is cut short")
    return data


def unsealed(source: IO[bytes], *, label: str) -> Iterator[bytes]:
    """The plaintext of a sealed ``source``, chunk by chunk; ``SealError`` on any damage.

    A chunk is handed out only after its tag was checked; that the file did not end early is
    known at the last chunk, so a consumer must treat the content as whole only once the
    iterator is exhausted (a download of a damaged file stops with an error).
    """
    if source.read(len(MAGIC)) != MAGIC:
        raise SealError("not a sealed file")
    key_id = _read_exact(source, _read_exact(source, 1)[0]).decode("ascii", "replace")
    key = next((k for k in crypto.keys() if k.key_id == key_id), None)
    if key is None:
        raise SealError(f"no configured key with id {key_id!r}")
    prefix = _read_exact(source, PREFIX_BYTES)
    number = 0
    pending: bytes | None = None
    while True:
        head = source.read(_LENGTH.size)
        if not head:
            break
        if pending is not None:
            yield _open(key, prefix, number - 1, pending, label, last=False)
        if len(head) != _LENGTH.size:
            raise SealError("sealed file is cut short")
        pending = _read_exact(source, _LENGTH.unpack(head)[0])
        number += 1
    if pending is None:
        raise SealError("sealed file is cut short")
    yield _open(key, prefix, number - 1, pending, label, last=True)


def _open(key, prefix: bytes, number: int, sealed: bytes, label: str, *, last: bool) -> bytes:
    try:
        return key.aead.decrypt(prefix + struct.pack(">I", number), sealed, _associated(label, number, last))
    except InvalidTag:
        raise SealError("sealed file is damaged, reordered, cut short or not this file") from None


def is_sealed(source: IO[bytes]) -> bool:
    """Whether a seekable ``source`` starts like a sealed file (its position is kept)."""
    at = source.tell()
    try:
        return source.read(len(MAGIC)) == MAGIC
    finally:
        source.seek(at)


class UnsealingReader(io.RawIOBase):
    """A readable stream of a sealed ``source``'s plaintext (for ``FileResponse`` and the like);
    closing it closes ``source``."""

    def __init__(self, source: IO[bytes], *, label: str) -> None:
        super().__init__()
        self._source = source
        self._chunks = unsealed(source, label=label)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            block = next(self._chunks, None)
            if block is None:
                return 0
            self._pending = block
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()
