"""--boot-server parsing and the handset's plain CN comparison, reason by reason."""

from __future__ import annotations

import pytest

from core.check.bootrules import name_reason
from core.errors import UserError
from core.handset.provision import parse_boot_server

TARGET = "boot.example.com"


def test_parse_boot_server_forms():
    assert parse_boot_server("https://boot.example.com/").host == TARGET
    assert parse_boot_server("boot.example.com").port == 443
    assert parse_boot_server("https://10.0.0.5:8443/x").port == 8443
    assert parse_boot_server("https://[::1]:8443/").host == "::1"


@pytest.mark.parametrize("spec", ["http://boot/", "https://", "https://boot:99999/", "ftp://b/"])
def test_parse_boot_server_refuses(spec):
    with pytest.raises(UserError) as info:
        parse_boot_server(spec)
    assert str(info.value).count(".") >= 1 and "\n" not in str(info.value)


def test_exact_cn_passes(pki):
    assert name_reason(pki.server_cert("boot.example.com"), TARGET) is None


def test_name_only_in_san(pki):
    cert = pki.server_cert("Boot Server", san=["boot.example.com"])
    assert name_reason(cert, TARGET).code == "boot-server-san-only"


def test_wildcard_cn(pki):
    reason = name_reason(pki.server_cert("*.example.com"), TARGET)
    assert reason.code == "boot-server-wildcard" and "plain text" in reason.message


def test_mismatch_and_case_difference(pki):
    assert name_reason(pki.server_cert("other.example.com"), TARGET).code == (
        "boot-server-cn-mismatch"
    )
    # plain string comparison: a different case is a different name
    assert name_reason(pki.server_cert("Boot.Example.com"), TARGET).code == (
        "boot-server-cn-mismatch"
    )
    assert name_reason(pki.server_cert(None), TARGET).code == "boot-server-cn-mismatch"


def test_ip_address_name(pki):
    target = "10.1.2.3"
    assert name_reason(pki.server_cert("10.1.2.3"), target) is None
    assert name_reason(pki.server_cert("boot", san=["10.1.2.3"]), target).code == (
        "boot-server-san-only"
    )
