"""The HTTPS listener's certificate and key: encrypted or not, loaded, named.

Every way loading can fail becomes one sentence saying what to do.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from cryptography import x509

from core.errors import UserError
from core.pki.keys import PassphraseNeeded, WrongPassphrase, is_encrypted_key


def key_is_encrypted(path: Path) -> bool:
    """True when the key file needs a passphrase (core.pki's rule: PKCS#8 or legacy PEM)."""
    try:
        return is_encrypted_key(Path(path).read_bytes())
    except OSError:
        return False


def server_context(name: str, crt: Path, key: Path, passphrase: bytes | None) -> ssl.SSLContext:
    """A server-side SSLContext presenting ``crt``; UserError when the key will not do."""
    encrypted = key_is_encrypted(key)
    if encrypted and not passphrase:
        raise PassphraseNeeded(
            f"The server key of {name} is encrypted; give its passphrase "
            "(--passphrase-file FILE or $HANDSET_CA_KEY_PASSPHRASE).",
            f"The passphrase for the server key of {name}",
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    secret = passphrase or b""
    try:
        # A callable, so that OpenSSL never prompts on the terminal itself.
        context.load_cert_chain(crt, key, password=lambda: secret)
    except ssl.SSLError as exc:
        if encrypted and exc.reason != "KEY_VALUES_MISMATCH":
            raise WrongPassphrase(
                f"The passphrase for the server key of {name} is wrong; "
                "give the one chosen when it was issued.",
                f"The passphrase for the server key of {name}",
            ) from None
        raise UserError(
            f"Cannot use {crt} with its server.key ({exc.reason or exc}); "
            f"issue the certificate for {name} again."
        ) from None
    return context


def common_name(path: Path) -> str | None:
    """The CN of the certificate in ``path``, as the handset reads it; None if unreadable."""
    from core.handset.accept import certificate_cn

    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None
    return certificate_cn(cert)
