"""Issue 11, cases 1-4: what `sign` puts in a certificate from a CSR made by the real openssl.

Each CSR here is made by `openssl req`, exactly as the audit made it; every refusal
is one sentence on stderr with nothing changed on disk.
"""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

import pytest
from cryptography import x509

from handset_ca.cli import main
from tests.conftest import CA_PASS
from tests.pki.conftest import snapshot

from .conftest import openssl

pytestmark = pytest.mark.e2e

AUDIT_SANS = "subjectAltName=DNS:www.google.com,DNS:foo bar.com,DNS:*,DNS:a..b"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Server keys made by openssl: RSA 2048, 1024 and 512, EC P-256, Ed25519."""
    root = tmp_path_factory.mktemp("policy-keys")
    for bits in (2048, 1024, 512):
        openssl("genrsa", "-out", f"rsa{bits}.key", str(bits), cwd=root)
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", "ec.key", cwd=root)  # fmt: skip
    openssl("genpkey", "-algorithm", "ED25519", "-out", "ed25519.key", cwd=root)
    return root


def make_csr(keys: Path, dest: Path, subj: str, *extra: str, key: str = "rsa2048") -> Path:
    csr = dest / f"{key}-{abs(hash((subj, extra)))}.csr"
    openssl("req", "-new", "-key", str(keys / f"{key}.key"), "-subj", subj, *extra,
            "-out", str(csr))  # fmt: skip
    return csr


@pytest.fixture
def env(monkeypatch, tmp_path, ca_template):
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ca_template, tmp_path / "pki")
    return tmp_path


def sign(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["sign", "--workspace", "pki", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, env: Path, *argv: str) -> str:
    before = snapshot(env / "pki")
    code, out, err = sign(capsys, *argv)
    assert code != 0 and not out, out
    assert err.startswith("handset-ca: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "report" not in err
    assert snapshot(env / "pki") == before
    return err


def san(cert_path: Path) -> x509.SubjectAlternativeName:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value


def key_usage(cert_path: Path) -> x509.KeyUsage:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert.extensions.get_extension_for_class(x509.KeyUsage).value


# ---- 1. SANs from a CSR -------------------------------------------------------------------


def test_the_audits_csr_is_refused_naming_the_bad_name(env, keys, capsys):
    csr = make_csr(keys, env, "/CN=evil.example.com", "-addext", AUDIT_SANS)
    err = refused(capsys, env, str(csr))
    assert "'foo bar.com'" in err and "--csr-names drop" in err


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("foo bar.com", "blank"),
        ("*", "wildcard"),
        ("a..b", "host name"),
        ("*.example.com", "--allow-wildcard"),
        ("bad_name.example.com", "host name"),
        ("10.0.0.5", "IP:10.0.0.5"),
    ],
)
def test_each_bad_name_is_refused_naming_it(env, keys, capsys, name, reason):
    csr = make_csr(keys, env, "/CN=boot.example.com", "-addext", f"subjectAltName=DNS:{name}")
    err = refused(capsys, env, str(csr))
    assert repr(name) in err and reason in err


def test_a_wildcard_is_signed_with_allow_wildcard_only_as_a_whole_label(env, keys, capsys):
    csr = make_csr(keys, env, "/CN=boot.example.com", "-addext",
                   "subjectAltName=DNS:*.example.com")  # fmt: skip
    code, out, err = sign(capsys, str(csr), "--allow-wildcard")
    assert code == 0, err
    assert "Names:    DNS:boot.example.com, DNS:*.example.com" in out
    for bad in ("*", "w*.example.com", "*.com"):
        other = make_csr(keys, env, "/CN=other.example.com", "-addext",
                         f"subjectAltName=DNS:{bad}")  # fmt: skip
        assert repr(bad) in refused(capsys, env, str(other), "--allow-wildcard")


def test_the_names_signed_are_listed_and_openssl_reads_the_same(env, keys, capsys):
    csr = make_csr(keys, env, "/CN=evil.example.com", "-addext",
                   "subjectAltName=DNS:www.google.com,IP:10.0.0.5,email:x@example.com")  # fmt: skip
    code, out, err = sign(capsys, str(csr))
    assert code == 0, err
    assert "Names:    DNS:evil.example.com, DNS:www.google.com, IP Address:10.0.0.5" in out
    assert "other kinds (RFC822Name)" in err  # the e-mail name is left out, and said
    crt = env / "pki" / "issued" / "evil.example.com" / "server.crt"
    text = openssl("x509", "-noout", "-ext", "subjectAltName", "-in", str(crt))
    assert "DNS:evil.example.com, DNS:www.google.com, IP Address:10.0.0.5" in text
    assert san(crt).get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.5")]


def test_csr_names_drop_signs_the_cn_alone(env, keys, capsys):
    csr = make_csr(keys, env, "/CN=evil.example.com", "-addext", AUDIT_SANS)
    code, out, err = sign(capsys, str(csr), "--csr-names", "drop")
    assert code == 0, err
    assert "Names:    DNS:evil.example.com\n" in out
    crt = env / "pki" / "issued" / "evil.example.com" / "server.crt"
    assert san(crt).get_values_for_type(x509.DNSName) == ["evil.example.com"]


# ---- 2. weak and mis-marked keys -------------------------------------------------------


@pytest.mark.parametrize("bits", [512, 1024])
def test_rsa_under_2048_is_refused(env, keys, capsys, bits):
    csr = make_csr(keys, env, "/CN=boot.example.com", key=f"rsa{bits}")
    err = refused(capsys, env, str(csr))
    assert f"has {bits} bits, under 2048" in err


def test_check_and_sign_share_one_minimum():
    from core.check import certrules
    from core.pki import constants

    assert certrules.MIN_RSA_BITS is constants.MIN_RSA_BITS == 2048


@pytest.mark.parametrize("key", ["ec", "ed25519"])
def test_ec_and_ed25519_get_digital_signature_only_and_an_unknown_warning(env, keys, capsys, key):
    csr = make_csr(keys, env, "/CN=boot.example.com", key=key)
    code, _out, err = sign(capsys, str(csr))
    assert code == 0, err
    assert (
        "warning: Unknown (not in the bulletin or the vendor documents): whether a handset" in err
    )
    ku = key_usage(env / "pki" / "issued" / "boot.example.com" / "server.crt")
    assert ku.digital_signature and not ku.key_encipherment


def test_rsa_keeps_key_encipherment(env, keys, capsys):
    code, _out, err = sign(capsys, str(make_csr(keys, env, "/CN=boot.example.com")))
    assert code == 0 and "Unknown" not in err
    ku = key_usage(env / "pki" / "issued" / "boot.example.com" / "server.crt")
    assert ku.digital_signature and ku.key_encipherment


# ---- 3. two CNs ----------------------------------------------------------------------------


def test_a_subject_with_two_cns_is_refused(env, keys, capsys):
    csr = make_csr(keys, env, "/CN=evil.example.com/CN=boot.example.com")
    err = refused(capsys, env, str(csr))
    assert "2 Common Names ('evil.example.com', 'boot.example.com')" in err


# ---- 4. SHA-1 ------------------------------------------------------------------------------


def test_a_sha1_csr_is_accepted_as_proof_of_possession_and_said_so(env, keys, capsys):
    csr = make_csr(keys, env, "/CN=boot.example.com", "-sha1")
    assert "verify OK" in openssl("req", "-verify", "-noout", "-in", str(csr))
    code, _out, err = sign(capsys, str(csr))
    assert code == 0, err
    assert "signed with SHA-1: accepted" in err and "altered" not in err
    crt = env / "pki" / "issued" / "boot.example.com" / "server.crt"
    assert "sha256WithRSAEncryption" in openssl("x509", "-noout", "-text", "-in", str(crt))


def test_a_sha1_csr_that_was_altered_is_still_called_altered(env, keys, capsys):
    csr = make_csr(keys, env, "/CN=boot.example.com", "-sha1", "-outform", "DER")
    data = bytearray(csr.read_bytes())
    data[-1] ^= 1  # the last byte of the signature
    csr.write_bytes(bytes(data))
    assert "altered or damaged" in refused(capsys, env, str(csr))
