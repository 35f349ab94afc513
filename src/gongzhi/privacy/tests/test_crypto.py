"""AES-GCM field encryption and the HMAC blind index."""

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from gongzhi.privacy import crypto

KEY1 = "k1:" + base64.b64encode(bytes(range(32))).decode()
KEY2 = "k2:" + base64.b64encode(bytes(range(32, 64))).decode()
LABEL = "registry.resident.id_number"


def test_round_trip_and_fresh_nonce_every_time():
    token = crypto.encrypt("110105194912310021", label=LABEL)
    assert token.startswith("k1$") and "110105" not in token
    assert crypto.decrypt(token, label=LABEL) == "110105194912310021"
    assert crypto.encrypt("110105194912310021", label=LABEL) != token
    assert crypto.decrypt(crypto.encrypt("张三 ☎", label=LABEL), label=LABEL) == "张三 ☎"


def test_ciphertext_copied_into_another_field_does_not_decrypt():
    token = crypto.encrypt("13800000001", label="accounts.user.phone")
    with pytest.raises(crypto.DecryptionError, match="authentication failed"):
        crypto.decrypt(token, label="registry.resident.phone")


@pytest.mark.parametrize("position", [4, 20, -1])
def test_tampered_ciphertext_is_detected(position):
    token = crypto.encrypt("13800000001", label=LABEL)
    key_id, body = token.split("$")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[position] ^= 0x01
    forged = f"{key_id}${base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(forged, label=LABEL)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("k9$AAAA", "no configured key with id 'k9'"),
        ("13800000001", "not in the encrypted format"),
        ("k1$not base64!", "not valid base64"),
        ("k1$AAAA", "truncated"),
    ],
)
def test_unusable_values_raise_decryption_error(token, message):
    with pytest.raises(crypto.DecryptionError, match=message):
        crypto.decrypt(token, label=LABEL)


def test_value_written_under_a_key_that_is_no_longer_configured_fails():
    with override_settings(GONGZHI_DATA_KEY=KEY2):
        token = crypto.encrypt("x", label=LABEL)
    with override_settings(GONGZHI_DATA_KEY=KEY1), pytest.raises(crypto.DecryptionError, match="'k2'"):
        crypto.decrypt(token, label=LABEL)
    with override_settings(GONGZHI_DATA_KEY=f"{KEY1},{KEY2}"):
        assert crypto.decrypt(token, label=LABEL) == "x"


def test_first_key_encrypts_and_every_key_decrypts():
    with override_settings(GONGZHI_DATA_KEY=f"{KEY2},{KEY1}"):
        assert crypto.current_key().key_id == "k2"
        assert crypto.encrypt("x", label=LABEL).startswith("k2$")
        assert [k.key_id for k in crypto.keys()] == ["k2", "k1"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("k1:@@@", "not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "32 bytes"),
        ("k$1:" + base64.b64encode(bytes(32)).decode(), "may not contain"),
        (f"{KEY1},{KEY1}", "listed twice"),
    ],
)
def test_bad_key_configuration_is_refused(spec, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.parse_keys(spec)


def test_key_without_id_gets_a_positional_id():
    (key,) = crypto.parse_keys(base64.b64encode(bytes(32)).decode())
    assert key.key_id == "k1"


def test_blind_index_normalises_full_width_digits_spaces_and_lower_case_x():
    canonical = crypto.blind_index("11010519491231002X", label=LABEL)
    assert crypto.blind_index("１１０１０５１９４９１２３１００２ｘ", label=LABEL) == canonical
    assert crypto.blind_index(" 110105 19491231 002x ", label=LABEL) == canonical
    assert crypto.blind_index("110105194912310021", label=LABEL) != canonical
    assert len(canonical) == crypto.INDEX_HEX_CHARS


def test_blind_index_depends_on_label_and_key():
    value = "13800000001"
    assert crypto.blind_index(value, label="a.b.phone") != crypto.blind_index(value, label="a.b.mobile")
    with override_settings(GONGZHI_DATA_KEY=f"{KEY2},{KEY1}"):
        candidates = crypto.blind_index_candidates(value, label=LABEL)
        assert len(set(candidates)) == 2
    with override_settings(GONGZHI_DATA_KEY=KEY1):
        assert crypto.blind_index(value, label=LABEL) == candidates[1]


@pytest.mark.parametrize("value", ["110105194912310X2", "13800000001", "张三", "", "x" * 200])
@pytest.mark.parametrize("label", [LABEL, "registry.person.phone_index", "标签" * 40])
def test_blind_index_is_hmac_sha256_of_label_and_normalised_value_under_the_index_subkey(value, label):
    """The prepared HMAC (RFC 2104 over hashlib, keyed once, copied per value) gives what hmac gives."""
    import hashlib
    import hmac

    with override_settings(GONGZHI_DATA_KEY=KEY1):
        key = crypto.current_key()
        expected = hmac.digest(key.index_secret, f"{label}\x00{value.upper()}".encode(), hashlib.sha256).hex()
        assert crypto.indexer(label, key)(value) == expected[:crypto.INDEX_HEX_CHARS]
        assert crypto.blind_index(value, label=label) == expected[:crypto.INDEX_HEX_CHARS]


def test_blind_index_normalises_before_hashing():
    with override_settings(GONGZHI_DATA_KEY=KEY1):
        assert crypto.blind_index("１１０１０５ 194912310x2", label=LABEL) == crypto.blind_index(
            "110105194912310X2", label=LABEL)


def test_sealer_follows_the_current_key_and_binds_the_label():
    with override_settings(GONGZHI_DATA_KEY=f"{KEY2},{KEY1}"):
        token = crypto.sealer(LABEL)("13800000001")
        assert crypto.key_id_of(token) == "k2"
        assert crypto.decrypt(token, label=LABEL) == "13800000001"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(token, label="other.label")
    with override_settings(GONGZHI_DATA_KEY=KEY1):
        assert crypto.key_id_of(crypto.sealer(LABEL)("13800000001")) == "k1"
