"""Audit findings 7 and 8: what a CSR made by the real openssl may put in front of a
terminal, and what `sign` copies from it. Each refusal is one sentence, nothing on
disk changed."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from core.pki.names import printable
from core.pki.sign import MAX_CSR_NAMES
from core.pki.summary import summarize
from handset_ca.cli import main
from handset_ca.commands.pki import summary_lines
from tests.conftest import CA_PASS

from .conftest import openssl
from .test_signing_policy import make_csr, refused, san, sign

pytestmark = pytest.mark.e2e

ESCAPES = "\x1b[2J\x1b[31mPWNED\x1b]0;title\x07"
FORGED = "x\n...\tissue\tFAKE"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("audit-sign-keys")
    openssl("genrsa", "-out", "rsa2048.key", "2048", cwd=root)
    openssl("ecparam", "-name", "prime192v1", "-genkey", "-noout", "-out", "p192.key", cwd=root)
    openssl("ecparam", "-name", "secp224r1", "-genkey", "-noout", "-out", "p224.key", cwd=root)
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "p256.key", cwd=root)
    return root


@pytest.fixture
def env(monkeypatch, tmp_path, ca_template):
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    monkeypatch.delenv("HANDSET_CA_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ca_template, tmp_path / "pki")
    return tmp_path


def no_controls(text: str) -> None:
    assert all(ch in "\n" or ch.isprintable() for ch in text), repr(text)


# ---- 7. control characters from a CSR's subject --------------------------------------------


@pytest.mark.parametrize("value", [ESCAPES, FORGED, "a\u202eb", "csi\x9b2J"])
def test_a_csr_with_a_control_character_in_its_subject_is_refused(env, keys, capsys, value):
    csr = make_csr(keys, env, f"/CN=boot.example.com/O={value}", "-utf8")
    err = refused(capsys, env, str(csr))
    no_controls(err)
    assert "control character in its O (Organization)" in err
    assert printable(value) in err  # named, escaped


def test_the_sign_form_preview_refuses_it_too(keys, tmp_path):
    from core.errors import UserError
    from core.pki.sign import names_preview

    csr = make_csr(keys, tmp_path, f"/CN=boot.example.com/OU={FORGED}")
    with pytest.raises(UserError, match="control character in its OU"):
        names_preview(csr.read_bytes())


@pytest.mark.parametrize("option", ["--org", "--ou", "--state", "--locality"])
@pytest.mark.parametrize("value", [ESCAPES, FORGED, "csi\x9b2J", "rlo\u202e"])
def test_issue_refuses_a_control_character_in_a_subject_option(env, capsys, option, value):
    code = main(["issue", "boot.example.com", "--workspace", "pki", option, value])
    out, err = capsys.readouterr()
    assert code == 2 and not out  # a usage error: the option value and err.count("\n") == 1
    assert "contains a control character; type plain text" in err
    assert not (env / "pki" / "issued").exists()


def cert_with_subject(attrs: list[x509.NameAttribute], sans: list[x509.GeneralName]):
    """A certificate made elsewhere (cryptography, since we refuse to sign one)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(x509.Name(attrs))
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .sign(key, hashes.SHA256())
    )


HOSTILE = [
    x509.NameAttribute(NameOID.COMMON_NAME, "x\x1b[31m.example.com"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, ESCAPES),
    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, FORGED),
]
HOSTILE_SANS = [x509.DNSName("a\x1b]0;t\x07.example.com"), x509.RFC822Name("a\n@b.c")]


def test_every_display_of_certificate_text_escapes_control_characters(env, capsys):
    cert = cert_with_subject(HOSTILE, HOSTILE_SANS)
    lines = summary_lines(summarize(cert))
    no_controls("".join(lines))
    assert r"\x1b[2J\x1b[31mPWNED\x1b]0;title\x07" in lines[0]
    assert r"x\n...\tissue\tFAKE" in lines[0]
    assert r"DNS:a\x1b]0;t\x07.example.com" in lines[-1] and r"email:a\n@b.c" in lines[-1]

    (env / "hostile.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    assert main(["show", "hostile.crt"]) == 0
    out, _ = capsys.readouterr()
    no_controls(out)
    assert r"O=\x1b[2J" in out and r"DNS:a\x1b]0;t\x07" in out


def test_ca_show_and_status_escape_a_hostile_issued_certificate(env, capsys):
    cert = cert_with_subject(HOSTILE, HOSTILE_SANS)
    folder = env / "pki" / "issued" / "x\x1b[31mred"
    folder.mkdir(parents=True)
    (folder / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    assert main(["status", "--workspace", "pki"]) == 1  # it expires within 90 days
    out, err = capsys.readouterr()
    no_controls(out + err)
    assert r"x\x1b[31mred" in out
    main(["ca", "show", "--workspace", "pki"])
    out, err = capsys.readouterr()
    no_controls(out + err)


# ---- 8. what a CSR may ask for -------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("0.0.0.0", "is the unspecified address"),
        ("224.0.0.1", "is a multicast address"),
        ("ff02::1", "is a multicast address"),
        ("::", "is the unspecified address"),
    ],
)
def test_an_ip_address_issue_refuses_is_refused_in_a_csr(env, keys, capsys, address, why):
    csr = make_csr(keys, env, "/CN=boot.example.com", "-addext", f"subjectAltName=IP:{address}")
    err = refused(capsys, env, str(csr))
    assert f"asks for the address {address}, which cannot be signed: it {why}" in err
    assert "--csr-names drop" in err


def test_a_good_ip_address_is_still_copied(env, keys, capsys):
    csr = make_csr(keys, env, "/CN=boot.example.com", "-addext", "subjectAltName=IP:10.0.0.5")
    code, _, err = sign(capsys, str(csr))
    assert code == 0, err
    crt = env / "pki/issued/boot.example.com/server.crt"
    assert [str(ip) for ip in san(crt).get_values_for_type(x509.IPAddress)] == ["10.0.0.5"]


@pytest.mark.parametrize(("key", "curve"), [("p192", "secp192r1"), ("p224", "secp224r1")])
def test_an_ec_curve_under_256_bits_is_refused(env, keys, capsys, key, curve):
    csr = make_csr(keys, env, "/CN=boot.example.com", key=key)
    err = refused(capsys, env, str(csr))
    assert f"EC key is on the curve {curve}" in err and "under 256" in err


def test_p256_is_still_signed(env, keys, capsys):
    csr = make_csr(keys, env, "/CN=boot.example.com", key="p256")
    code, _, err = sign(capsys, str(csr))
    assert code == 0, err


def test_3000_names_are_refused_and_100_are_signed(env, keys, capsys):
    many = ",".join(f"DNS:h{i}.example.com" for i in range(3000))
    csr = make_csr(keys, env, "/CN=boot.example.com", "-addext", f"subjectAltName={many}")
    err = refused(capsys, env, str(csr))
    assert "asks for 3,000 names, more than the 100" in err
    enough = ",".join(f"DNS:h{i}.example.com" for i in range(MAX_CSR_NAMES))
    csr = make_csr(keys, env, "/CN=boot.example.com", "-addext", f"subjectAltName={enough}")
    code, _, err = sign(capsys, str(csr))
    assert code == 0, err


@pytest.mark.parametrize("extra", [(), ("-addext", "subjectAltName=DNS:boot.example.com")])
@pytest.mark.parametrize("policy", ["copy", "drop"])
def test_a_bad_email_address_in_the_subject_is_refused(env, keys, capsys, extra, policy):
    csr = make_csr(keys, env, "/CN=boot.example.com/emailAddress=bad email", *extra)
    err = refused(capsys, env, str(csr), "--csr-names", policy)
    assert "The CSR's subject has the e-mail address 'bad email', which is not an address" in err


def test_a_good_email_address_is_copied_even_without_a_san(env, keys, capsys):
    csr = make_csr(keys, env, "/CN=boot.example.com/emailAddress=admin@example.com")
    code, _, err = sign(capsys, str(csr))
    assert code == 0, err
    crt = env / "pki/issued/boot.example.com/server.crt"
    assert san(crt).get_values_for_type(x509.RFC822Name) == ["admin@example.com"]
