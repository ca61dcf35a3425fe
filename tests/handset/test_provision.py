"""The bulletin's provisioning rule on handshake results (no network here)."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.handset import check_provisioning, parse_boot_server
from core.handset import provision as p
from tests.handset.certs import make_cert
from tests.handset.results import Failure, Handshake


@pytest.fixture(scope="module")
def leaf(ca):
    return make_cert(
        "boot.example",
        ca.server_key,
        issuer=ca.cert,
        issuer_key=ca.key,
        ca=False,
        sans=("boot.example", "10.0.0.5"),
    )


def test_name_equal_to_cn_passes(leaf):
    outcome = check_provisioning(Handshake(True, None, "", peer_cert=leaf), "boot.example")
    assert outcome.ok and outcome.code == p.OK and outcome.cn == "boot.example"


@pytest.mark.parametrize("name", ["10.0.0.5", "BOOT.EXAMPLE", "boot.example.", "boot"])
def test_anything_but_the_exact_cn_fails_even_when_a_san_matches(leaf, name):
    outcome = check_provisioning(Handshake(True, None, "", peer_cert=leaf), name)
    assert not outcome.ok and outcome.code == p.NAME_MISMATCH
    assert f'"{name}"' in outcome.message and '"boot.example"' in outcome.message


def test_wildcard_cn_is_not_a_pattern(ca):
    wild = make_cert("*.example", ca.server_key, issuer=ca.cert, issuer_key=ca.key, ca=False)
    outcome = check_provisioning(Handshake(True, None, "", peer_cert=wild), "boot.example")
    assert outcome.code == p.NAME_MISMATCH


def test_no_cn(ca):
    nocn = make_cert(
        None, ca.server_key, issuer=ca.cert, issuer_key=ca.key, ca=False, sans=("boot.example",)
    )
    outcome = check_provisioning(Handshake(True, None, "", peer_cert=nocn), "boot.example")
    assert outcome.code == p.NO_CN


def test_untrusted_issuer_hint_depends_on_the_choice():
    tls = Handshake(False, Failure.TLS_UNTRUSTED, "unable to get local issuer", verify_code=20)
    outcome = check_provisioning(
        tls, "boot", ca_choice="Platform CAs Only", profile="Platform Profile 1"
    )
    assert outcome.code == p.UNTRUSTED
    assert "set Platform Profile 1's CA Certificate to All Certificates" in outcome.message
    outcome = check_provisioning(tls, "boot", ca_choice="All Certificates")
    assert "install the CA" in outcome.message


def test_expired_and_unreachable():
    expired = Handshake(False, Failure.TLS_UNTRUSTED, "certificate has expired", verify_code=10)
    assert check_provisioning(expired, "boot").code == p.EXPIRED
    refused = Handshake(False, Failure.REFUSED, "Nothing listens on boot:443.")
    outcome = check_provisioning(refused, "boot")
    assert outcome.code == p.UNREACHABLE and "Nothing listens" in outcome.message
    assert check_provisioning(Handshake(False, Failure.TIMEOUT, "t"), "b").code == p.UNREACHABLE
    assert check_provisioning(Handshake(False, Failure.TLS_ERROR, "x"), "b").code == p.TLS_ERROR


@pytest.mark.parametrize(
    ("text", "host", "port", "url"),
    [
        ("boot.example", "boot.example", 443, "https://boot.example/"),
        ("https://boot.example/", "boot.example", 443, "https://boot.example/"),
        ("https://Boot.Example:8443/x", "Boot.Example", 8443, "https://Boot.Example:8443/"),
        ("10.0.0.5:9443", "10.0.0.5", 9443, "https://10.0.0.5:9443/"),
        ("https://[::1]:8443/", "::1", 8443, "https://[::1]:8443/"),
    ],
)
def test_parse_boot_server(text, host, port, url):
    server = parse_boot_server(text)
    assert (server.host, server.port, server.url) == (host, port, url)


@pytest.mark.parametrize("text", ["http://boot/", "https://boot:0/", "https://:443/", "u@boot"])
def test_parse_boot_server_refuses(text):
    with pytest.raises(UserError):
        parse_boot_server(text)


def test_with_no_custom_ca_the_untrusted_hint_gives_both_steps():
    """Setting the profile alone on a fresh phone only led to the second failure."""
    tls = Handshake(False, Failure.TLS_UNTRUSTED, "unable to get local issuer", verify_code=20)
    outcome = check_provisioning(
        tls, "boot", ca_choice="Platform CAs Only", profile="Platform Profile 1", custom_cas=0
    )
    assert outcome.message.endswith(
        "install the CA that issued it under Custom CA Certificates, then set "
        "Platform Profile 1's CA Certificate to All Certificates."
    )
    outcome = check_provisioning(
        tls, "boot", ca_choice="Platform CAs Only", profile="Platform Profile 1", custom_cas=1
    )
    assert "install" not in outcome.message
