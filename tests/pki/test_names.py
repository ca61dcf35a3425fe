"""Boot server names (the CN phones compare as a plain string) and subjects."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.pki import Subject, Workspace, check_server_name
from core.pki.names import build_name, check_folder_name, name_text


@pytest.mark.parametrize(
    "name", ["bootserver1.spectralink.com", "boot", "10.0.0.5", "fe80::1", "a-b.c_d.example"]
)
def test_good_names_have_no_warning(name):
    assert check_server_name(name) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "is empty"),
        ("boot server", "contains a blank"),
        ("boot\t.example.com", "contains a blank"),
        ("boot.example.com.", "ends with a dot"),
        ("../../etc", "is not a host name"),
        ("boot..example.com", "is not a host name"),
        ("-boot.example.com", "is not a host name"),
        ("http://boot", "is not a host name"),
        ("a" * 65, "longer than 64"),
        ("10.0.0.300", "all digits and dots but not an IPv4 address"),
        ("10.0.0", "not an IPv4 address"),
        ("192.168.1.1.1", "not an IPv4 address"),
    ],
)
def test_unusable_names_are_refused(name, message):
    with pytest.raises(UserError, match=message):
        check_server_name(name)


def test_upper_case_warns_and_explains_the_string_comparison():
    (warning,) = check_server_name("Boot.Example.com")
    assert "lower case" in warning and "plain string" in warning
    assert "'boot.example.com'" in warning


@pytest.mark.parametrize("name", ["boot.example.com", "10.0.0.5", "fe80::1", "x_y"])
def test_folder_names(name):
    assert check_folder_name(name) == name


def test_name_text_is_openssl_style_in_certificate_order():
    name = build_name(Subject(cn="Root CA", country="us", org="Acme", email="a@b.c"))
    assert name_text(name) == "C=US, O=Acme, CN=Root CA, emailAddress=a@b.c"


@pytest.mark.parametrize(
    ("subject", "message"),
    [
        (Subject(cn="x", country="U1"), "two letters"),
        (Subject(cn="x", country="USA"), "two letters"),
        (Subject(cn="x", country="U"), "two letters"),
        (Subject(cn="x", country="ÜS"), "two letters"),
        (Subject(cn="x", email="notanemail"), "is not an address"),
        (Subject(cn="x", email="a@@b.com"), "is not an address"),
        (Subject(cn="x", email="a@b@c.com"), "is not an address"),
        (Subject(cn="x", email="admin@localhost"), "is not an address"),
        (Subject(cn="x", email="@example.com"), "is not an address"),
        (Subject(cn="x", email="a@example."), "is not an address"),
        (Subject(cn="x", email="a b@example.com"), "is not an address"),
        (Subject(cn="x", org="a\nb"), "control character"),
        (Subject(cn="x" * 65), "longer than 64"),
        (Subject(cn="   "), "Common Name is required"),
    ],
)
def test_bad_subjects(subject, message):
    with pytest.raises(UserError, match=message):
        build_name(subject)


def test_every_caller_checks_the_subject(tmp_path, ws, server_key):
    """The core refuses bad countries and e-mails for the CA, issue and CSRs alike."""
    from core.pki.sign import build_csr

    from .conftest import CA_PASS, snapshot

    before = snapshot(ws.root)
    for bad in (Subject(cn="Root CA", country="USA"), Subject(cn="Root CA", email="nope")):
        with pytest.raises(UserError):
            Workspace(tmp_path / "new").create_ca(bad, CA_PASS)
        with pytest.raises(UserError):
            build_csr(
                server_key, Subject(cn="boot.example.com", country=bad.country, email=bad.email)
            )
        with pytest.raises(UserError):
            ws.issue(
                "boot.example.com",
                CA_PASS,
                subject=Subject(cn="boot.example.com", country=bad.country, email=bad.email),
            )
    with pytest.raises(UserError, match="not an IPv4 address"):
        ws.issue("10.0.0.300", CA_PASS)
    assert snapshot(ws.root) == before and not (tmp_path / "new").exists()
