"""Keys: sizes offered, PKCS#8 AES-256 encryption, loading with and without passphrases."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from core.errors import UserError
from core.pki.keys import generate_rsa, key_to_pem, load_private_key


def test_only_offered_sizes(server_key):
    with pytest.raises(UserError, match="choose one of 2048, 3072, 4096"):
        generate_rsa(1024)


def test_encrypted_round_trip_and_errors(server_key):
    pem = key_to_pem(server_key, b"s3cret")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert load_private_key(pem, b"s3cret").public_key() == server_key.public_key()
    with pytest.raises(UserError, match=r"^The CA key passphrase is wrong;"):
        load_private_key(pem, b"nope", what="CA key", kind="ca")
    with pytest.raises(UserError, match="is encrypted; give its passphrase"):
        load_private_key(pem, None)
    with pytest.raises(UserError, match="cannot be empty"):
        key_to_pem(server_key, b"")


def test_plain_key_loads_even_when_a_passphrase_is_given(server_key):
    pem = key_to_pem(server_key, None)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert load_private_key(pem, b"ignored").public_key() == server_key.public_key()
    der = server_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    assert load_private_key(der, None).public_key() == server_key.public_key()


def test_garbage_is_not_a_key():
    with pytest.raises(UserError, match="is not a private key"):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", None)


def test_a_wrong_passphrase_is_its_own_error_class(server_key):
    from core.pki import WrongPassphrase
    from core.pki.keys import is_encrypted_key

    pem = key_to_pem(server_key, b"right-passphrase")
    with pytest.raises(WrongPassphrase, match="passphrase is wrong"):
        load_private_key(pem, b"wrong-passphrase")
    assert issubclass(WrongPassphrase, UserError)
    with pytest.raises(UserError) as missing:
        load_private_key(pem, None)
    assert not isinstance(missing.value, WrongPassphrase)  # no passphrase is not a wrong one
    der = server_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"right-passphrase"),
    )
    assert is_encrypted_key(pem) and is_encrypted_key(der)
    assert not is_encrypted_key(key_to_pem(server_key, None))
