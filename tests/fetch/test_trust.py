"""core.trust: the built-in list and the contexts built from it."""

from __future__ import annotations

import ssl

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core import trust
from tests.servers import make_ca


def test_builtin_list_is_certifis_mozilla_bundle():
    certs = trust.builtin_certificates()
    assert len(certs) > 100
    assert all(isinstance(c, x509.Certificate) for c in certs)
    names = {c.subject.rfc4514_string() for c in certs}
    assert any("ISRG Root X1" in n for n in names)  # Let's Encrypt's root
    certs.clear()  # a fresh list per call: callers cannot spoil the cache
    assert len(trust.builtin_certificates()) > 100


def test_context_verifies_chains_but_not_host_names():
    ctx = trust.ssl_context_for([], builtin=True)
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname is False
    assert ctx.cert_store_stats()["x509_ca"] == len(trust.builtin_certificates())


def test_custom_only_context_holds_just_the_custom_cas():
    ca1, _ = make_ca("One")
    ca2, _ = make_ca("Two")
    ctx = trust.ssl_context_for([ca1, ca2], builtin=False)
    assert ctx.cert_store_stats()["x509_ca"] == 2
    both = trust.ssl_context_for([ca1], builtin=True)
    assert both.cert_store_stats()["x509_ca"] == len(trust.builtin_certificates()) + 1


def test_empty_trust_trusts_nothing():
    assert trust.ssl_context_for([], builtin=False).cert_store_stats()["x509_ca"] == 0


def test_contexts_are_cached_by_content():
    ca1, _ = make_ca("One")
    same = x509.load_der_x509_certificate(ca1.public_bytes(Encoding.DER))
    first = trust.ssl_context_for([ca1], builtin=False)
    assert trust.ssl_context_for([same], builtin=False) is first
    assert trust.ssl_context_for([ca1], builtin=True) is not first
    assert trust.default_context() is trust.ssl_context_for([], builtin=True)
