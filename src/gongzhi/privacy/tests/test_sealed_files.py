"""Sealed files: what goes in comes out; nothing readable on disk; damage of any kind is refused."""

import io
import os

import pytest
from django.test import override_settings

from gongzhi.privacy import crypto, sealed

SECRET = "341702200211252264 13912340000 张三".encode()


def sealed_bytes(plain: bytes, label: str = "job:1:input") -> bytes:
    out = io.BytesIO()
    sealed.seal(io.BytesIO(plain), out, label=label)
    return out.getvalue()


def opened(data: bytes, label: str = "job:1:input") -> bytes:
    return b"".join(sealed.unsealed(io.BytesIO(data), label=label))


@pytest.mark.parametrize("size", [0, 1, sealed.CHUNK_BYTES - 1, sealed.CHUNK_BYTES, sealed.CHUNK_BYTES + 1,
                                  3 * sealed.CHUNK_BYTES + 17])
def test_what_is_sealed_opens_to_the_same_bytes_and_shows_none_of_them(size):
    plain = (SECRET * (size // len(SECRET) + 1))[:size]
    data = sealed_bytes(plain)
    assert opened(data) == plain
    if size >= len(SECRET):
        assert SECRET not in data and b"13912340000" not in data


def test_a_writer_fed_in_small_pieces_gives_the_same_file_contents():
    out = io.BytesIO()
    with sealed.SealingWriter(out, label="x") as writer:
        for _ in range(5000):
            writer.write(SECRET)
    assert opened(out.getvalue(), "x") == SECRET * 5000


def test_openpyxl_saves_a_workbook_through_the_writer():
    from openpyxl import Workbook, load_workbook

    workbook = Workbook()
    workbook.active.append(["13912340000"])
    out = io.BytesIO()
    with sealed.SealingWriter(out, label="x") as writer:
        workbook.save(writer)
    assert b"13912340000" not in out.getvalue()
    assert load_workbook(io.BytesIO(opened(out.getvalue(), "x"))).active["A1"].value == "13912340000"


def test_damage_reordering_truncation_and_the_wrong_file_are_refused():
    plain = os.urandom(3 * sealed.CHUNK_BYTES)
    data = sealed_bytes(plain)
    flipped = bytearray(data)
    flipped[-5] ^= 1
    with pytest.raises(sealed.SealError):
        opened(bytes(flipped))
    with pytest.raises(sealed.SealError):
        opened(data[:-1])
    chunk = 4 + sealed.CHUNK_BYTES + crypto.TAG_BYTES
    start = len(sealed.MAGIC) + 1 + len("k1") + sealed.PREFIX_BYTES  # where the first chunk begins
    assert len(data) == start + 3 * chunk
    # Whole chunks dropped from the end: the last one left was not sealed as the last.
    with pytest.raises(sealed.SealError):
        opened(data[:start + chunk])
    # Two chunks swapped.
    first, second = data[start:start + chunk], data[start + chunk:start + 2 * chunk]
    with pytest.raises(sealed.SealError):
        opened(data[:start] + second + first + data[start + 2 * chunk:])
    # Another file's label (a job's input put in place of another job's).
    with pytest.raises(sealed.SealError):
        opened(data, label="job:2:input")
    with pytest.raises(sealed.SealError):
        opened(b"PK\x03\x04 a plain zip")


def test_files_sealed_under_an_old_key_open_during_rotation_and_not_after():
    data = sealed_bytes(SECRET)  # under the test settings' k1
    rotated = "k2:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM="
    with override_settings(GONGZHI_DATA_KEY=f"{rotated},k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="):
        assert opened(data) == SECRET
    with override_settings(GONGZHI_DATA_KEY=rotated), pytest.raises(sealed.SealError, match="k1"):
        opened(data)
