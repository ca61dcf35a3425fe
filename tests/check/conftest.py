"""Shared RSA keys and certificates for the checker's tests (generated once)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.check.certs import make_cert, name


@dataclass
class Pki:
    ca_key: rsa.RSAPrivateKey
    ca: x509.Certificate
    other_key: rsa.RSAPrivateKey
    server_key: rsa.RSAPrivateKey
    weak_key: rsa.RSAPrivateKey

    def server_cert(self, cn: str | None, san: list[str] | None = None, **kw) -> x509.Certificate:
        return make_cert(
            self.server_key,
            cn,
            issuer_key=self.ca_key,
            issuer_name=self.ca.subject,
            ca=False,
            days=365,
            san=san,
            **kw,
        )


@pytest.fixture(scope="session")
def pki() -> Pki:
    ca_key = rsa.generate_private_key(65537, 2048)
    return Pki(
        ca_key=ca_key,
        ca=make_cert(ca_key, "Root CA"),
        other_key=rsa.generate_private_key(65537, 2048),
        server_key=rsa.generate_private_key(65537, 2048),
        weak_key=rsa.generate_private_key(65537, 1024),
    )


__all__ = ["Pki", "name"]


@pytest.fixture(scope="session")
def site(pki: Pki):
    """One HTTP server on 127.0.0.1 with a route per good, broken and hostile case."""
    from core.fetch import MAX_BYTES
    from tests.check.certs import der, key_pem, make_cert, pem
    from tests.servers import (
        HTTPServer,
        Route,
        gzip_bomb,
        html_page,
        no_answer,
        not_found,
        redirect,
        server_error,
        trickle,
    )

    routes = {
        "/ca.crt": pem(pki.ca),
        "/ca.der": Route(der(pki.ca), "application/pkix-cert"),
        "/with-key.pem": pem(pki.ca) + key_pem(pki.ca_key),
        "/empty": b"",
        "/index.html": html_page(),
        "/not-utf8": b"\xff\xfe\x80\x81 this is not UTF-8 \xc3\x28",
        "/huge": b"A" * (MAX_BYTES * 8),
        "/bomb": gzip_bomb(),
        "/loop": redirect("/loop"),
        "/to-ftp": redirect("ftp://127.0.0.1/ca.crt"),
        "/moved": redirect("/ca.crt", 301),
        "/404": not_found(),
        "/500": server_error(),
        "/trickle": trickle(interval=1.0),
        "/hang": no_answer(),
        "/server.crt": pem(pki.server_cert("boot.example.com")),
        "/weak.crt": pem(make_cert(pki.weak_key)),
        "/v1-root.crt": pem(make_cert(pki.ca_key, ca=None)),  # self-issued, no basicConstraints
        "/forged.crt": pem(make_cert(pki.other_key, issuer_key=pki.ca_key)),  # issuer == subject
        "/intermediate.crt": pem(
            make_cert(
                pki.other_key, "Intermediate", issuer_key=pki.ca_key, issuer_name=pki.ca.subject
            )
        ),
        "/upper/CA.crt": pem(pki.ca),
        "/my%20ca.crt": pem(pki.ca),
    }
    with HTTPServer(routes) as server:
        yield server
