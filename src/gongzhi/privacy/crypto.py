"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data.

Key material comes from ``settings.GONGZHI_DATA_KEY``: a comma-separated list of
``<key id>:<base64 32-byte key>``; the first key encrypts, every listed key decrypts, so a key
can be rotated by prepending a new one and running ``./gz manage rotate_data_key``.
Ciphertext is stored as ``<key id>$<base64url(nonce || ciphertext+tag)>``; the field's label is
bound in as associated data so a value cannot be copied into another column and still decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
TAG_BYTES = 16  # the GCM authentication tag appended to the ciphertext
INDEX_HEX_CHARS = 32  # 128 bits of HMAC: collision-free at any realistic scale
_SHA256_BLOCK_BYTES = 64


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@dataclass(frozen=True)
class DataKey:
    key_id: str
    secret: bytes

    @cached_property
    def aead(self) -> AESGCM:
        """The AES-GCM cipher of this key (built once: constructing it per value costs as much as sealing)."""
        return AESGCM(self.secret)

    @cached_property
    def index_secret(self) -> bytes:
        # A separate sub-key for blind indexes: the AES key itself never touches HMAC.
        return hmac.new(self.secret, b"gongzhi blind index v1", hashlib.sha256).digest()


def parse_keys(spec: str) -> tuple[DataKey, ...]:
    keys = []
    for n, part in enumerate(p.strip() for p in spec.split(",") if p.strip()):
        key_id, sep, material = part.partition(":")
        if not sep:
            key_id, material = f"k{n + 1}", part
        try:
            secret = base64.b64decode(material, validate=True)
        except ValueError as exc:
            raise ImproperlyConfigured(f"GONGZHI_DATA_KEY: key {key_id!r} is not valid base64") from exc
        if len(secret) != 32:
            raise ImproperlyConfigured(f"GONGZHI_DATA_KEY: key {key_id!r} must be 32 bytes (base64 of 32 random bytes)")
        if "$" in key_id:
            raise ImproperlyConfigured("GONGZHI_DATA_KEY: key ids may not contain '$'")
        if any(k.key_id == key_id for k in keys):
            raise ImproperlyConfigured(f"GONGZHI_DATA_KEY: key id {key_id!r} is listed twice")
        keys.append(DataKey(key_id, secret))
    if not keys:
        raise ImproperlyConfigured("GONGZHI_DATA_KEY is empty: personal data cannot be encrypted")
    return tuple(keys)


@lru_cache(maxsize=4)
def _keys_for(spec: str) -> tuple[DataKey, ...]:
    return parse_keys(spec)


def keys() -> tuple[DataKey, ...]:
    return _keys_for(settings.GONGZHI_DATA_KEY)


def current_key() -> DataKey:
    return keys()[0]


def encrypt(plaintext: str, *, label: str) -> str:
    return sealer(label)(plaintext)


def sealer(label: str) -> Callable[[str], str]:
    """``encrypt`` for many values of one field: the current key and the label bound once."""
    return _sealer(label, current_key())


@lru_cache(maxsize=64)
def _sealer(label: str, key: DataKey) -> Callable[[str], str]:
    prefix, seal, associated = f"{key.key_id}$", key.aead.encrypt, label.encode("utf-8")

    def encrypt_value(plaintext: str) -> str:
        # A fresh nonce from the OS every time, never from a buffer: importing processes fork, and a
        # buffer copied into two processes would give both the same nonces under the same key.
        nonce = os.urandom(NONCE_BYTES)
        return prefix + base64.urlsafe_b64encode(nonce + seal(nonce, plaintext.encode("utf-8"), associated)).decode()

    return encrypt_value


def decrypt(token: str, *, label: str) -> str:
    """Plaintext of ``token``; ``DecryptionError`` if it was altered, moved to another field
    (``label`` differs) or written under a key that is no longer configured."""
    key_id, sep, body = token.partition("$")
    if not sep:
        raise DecryptionError("value is not in the encrypted format")
    for key in keys():
        if key.key_id != key_id:
            continue
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
        except ValueError as exc:  # binascii.Error and UnicodeEncodeError are ValueErrors
            raise DecryptionError(f"value under key {key_id!r} is not valid base64") from exc
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError(f"value under key {key_id!r} is truncated")
        try:
            plain = key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], label.encode("utf-8"))
        except InvalidTag as exc:
            raise DecryptionError(f"authentication failed for key {key_id!r}") from exc
        return plain.decode("utf-8")
    raise DecryptionError(f"no configured key with id {key_id!r}")


def key_id_of(token: str) -> str:
    return token.partition("$")[0]


def normalize_for_index(value: str) -> str:
    """Full-width to half-width, strip spaces, upper-case (ID numbers end in X or x)."""
    if not value.isascii():  # NFKC leaves ASCII text as it is
        value = unicodedata.normalize("NFKC", value)
    return value.replace(" ", "").strip().upper()


def blind_index(value: str, *, label: str, key: DataKey | None = None) -> str:
    return indexer(label, key or current_key())(value)


@lru_cache(maxsize=64)
def indexer(label: str, key: DataKey) -> Callable[[str], str]:
    """``blind_index`` under one key and label, for many values.

    The index is HMAC-SHA256(index secret, ``label NUL normalised value``), hex, truncated. It is
    computed as RFC 2104 defines it, with hashlib: the inner hash keyed and fed the label and the
    outer hash keyed once, both copied per value (a third of the time of copying an ``hmac`` object,
    which matters to imports of 100,000s of persons).
    """
    block = key.index_secret.ljust(_SHA256_BLOCK_BYTES, b"\0")  # a 32-byte secret: shorter than the block
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block) + f"{label}\x00".encode("utf-8"))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))

    def index(value: str) -> str:
        digest = inner.copy()
        digest.update(normalize_for_index(value).encode("utf-8"))
        mac = outer.copy()
        mac.update(digest.digest())
        return mac.hexdigest()[:INDEX_HEX_CHARS]

    return index


def blind_index_candidates(value: str, *, label: str) -> list[str]:
    """Index values under every configured key, so lookups still work mid-rotation."""
    return [blind_index(value, label=label, key=k) for k in keys()]
