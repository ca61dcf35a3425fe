"""RSA keys: generate, serialize (PKCS#8, AES-256 when encrypted), load what openssl writes."""

from __future__ import annotations

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from core.errors import UserError
from core.passphrase import ENV_FOR
from core.pki.constants import KEY_SIZES

PUBLIC_EXPONENT = 65537


class PassphraseProblem(UserError):
    """A key's passphrase is missing or wrong (tell them apart by type, not by words).

    ``subject`` names the passphrase as a sentence starts ("The CA key passphrase"),
    so a front end that asks again in place can word its own sentence.
    """

    def __init__(self, sentence: str, subject: str = "The passphrase") -> None:
        super().__init__(sentence)
        self.subject = subject


class WrongPassphrase(PassphraseProblem):
    """The passphrase does not open the key."""

    @property
    def retry_sentence(self) -> str:
        """For a form that keeps the field: "The CA key passphrase is wrong; type it again."."""
        return f"{self.subject} is wrong; type it again."


class PassphraseNeeded(PassphraseProblem):
    """The key is encrypted and no passphrase was given."""


def generate_rsa(key_size: int) -> rsa.RSAPrivateKey:
    if key_size not in KEY_SIZES:
        sizes = ", ".join(str(s) for s in KEY_SIZES)
        raise UserError(f"A key size of {key_size} bits is not offered; choose one of {sizes}.")
    return rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=key_size)


def key_to_pem(key: PrivateKeyTypes, passphrase: bytes | None) -> bytes:
    """PKCS#8 PEM; with a passphrase PBES2 (PBKDF2-SHA256, AES-256-CBC) as openssl does."""
    if passphrase is None:
        encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    else:
        if not passphrase:
            raise UserError("The passphrase cannot be empty; choose one and keep it safe.")
        # For PKCS#8 PEM this is PBES2 with AES-256-CBC (checked with openssl asn1parse).
        encryption = serialization.BestAvailableEncryption(passphrase)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def is_encrypted_pem(data: bytes) -> bool:
    """True for PKCS#8 ENCRYPTED PRIVATE KEY and legacy Proc-Type: 4,ENCRYPTED keys."""
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data or b"Proc-Type: 4,ENCRYPTED" in data


def is_encrypted_key(data: bytes) -> bool:
    """True for an encrypted private key file: PEM (PKCS#8 or legacy) or DER PKCS#8."""
    if is_encrypted_pem(data):
        return True
    if b"-----BEGIN" in data:
        return False
    try:
        serialization.load_der_private_key(data, None)
    except TypeError:
        return True  # DER PKCS#8, encrypted
    except (ValueError, UnsupportedAlgorithm):
        pass
    return False


def load_private_key(
    data: bytes, passphrase: bytes | None, *, what: str = "key", kind: str = "key"
) -> PrivateKeyTypes:
    """Load a PEM or DER private key, as `openssl genrsa` (with or without -des3,
    -traditional or PKCS#8) writes it. cryptography 50 still decrypts legacy
    DEK-Info DES-EDE3-CBC keys itself (tested), so no fallback is needed.

    ``what`` names the key in messages ("CA key"); ``kind`` says where its
    passphrase comes from ("ca" or "key").
    """
    loader = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    try:
        try:
            return loader(data, passphrase)
        except TypeError:
            if passphrase is None:
                raise PassphraseNeeded(
                    f"The {what} is encrypted; give its passphrase (at the prompt, with "
                    f"--passphrase-file or ${ENV_FOR[kind]}).",
                    f"The {what} passphrase",
                ) from None
            # A passphrase for an unencrypted key: openssl ignores it, so do we.
            return loader(data, None)
    except ValueError as exc:
        if passphrase is not None and (is_encrypted_pem(data) or "password" in str(exc).lower()):
            raise WrongPassphrase(
                f"The {what} passphrase is wrong; type it again or use the file that holds "
                "the right one.",
                f"The {what} passphrase",
            ) from None
        raise UserError(
            f"The {what} is not a private key that can be read; check that you picked the "
            "right file."
        ) from None
    except UnsupportedAlgorithm:
        raise UserError(
            f"The {what} uses an algorithm that cannot be read; give a PEM or DER RSA key."
        ) from None
