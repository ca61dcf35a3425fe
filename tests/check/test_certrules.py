"""Certificate rules: root CA, key size, validity, CN, signature hash, --ca."""

from __future__ import annotations

from datetime import timedelta

from core.check.certrules import ca_match_reason, cert_info, cert_reasons
from core.check.verdict import Level
from tests.check.certs import NOW, key_pem, make_cert, sha1_root


def reasons(cert, now=NOW):
    info = cert_info(cert, now)
    return {r.code: r.level for r in cert_reasons(cert, info, now)}


def test_good_root_has_no_reasons_and_openssl_style_fingerprints(pki):
    info = cert_info(pki.ca, NOW)
    assert reasons(pki.ca) == {}
    assert info.is_ca and info.self_signed and info.cn == "Root CA"
    assert info.key_type == "RSA" and info.key_bits == 2048
    assert len(info.sha256) == 32 * 3 - 1 and info.sha256 == info.sha256.upper()
    assert len(info.sha1) == 20 * 3 - 1
    assert info.subject == "O=Check Tests, CN=Root CA"


def test_server_certificate_is_not_ca_and_not_root(pki):
    assert reasons(pki.server_cert("boot")) == {"not-ca": Level.FAIL, "not-root": Level.FAIL}


def test_self_issued_root_without_basic_constraints_is_only_warned(pki):
    # The handset accepts an old v1 root: a WARN with its own code, never a FAIL.
    assert reasons(make_cert(pki.ca_key, ca=None)) == {"no-ca-flag": Level.WARN}


def test_intermediate_ca_is_not_a_root(pki):
    inter = make_cert(
        pki.other_key, "Intermediate", issuer_key=pki.ca_key, issuer_name=pki.ca.subject
    )
    assert reasons(inter) == {"not-root": Level.FAIL}


def test_same_names_but_wrong_signature_is_only_warned(pki):
    forged = make_cert(pki.other_key, issuer_key=pki.ca_key)  # issuer == subject, other key
    assert reasons(forged) == {"bad-self-signature": Level.WARN}  # the handset accepts it


def test_weak_rsa_key(pki):
    got = reasons(make_cert(pki.weak_key))
    assert got == {"weak-key": Level.FAIL}


def test_expired_not_yet_valid_and_expiring_soon(pki):
    assert reasons(make_cert(pki.ca_key, start=NOW - timedelta(days=20), days=10)) == {
        "expired": Level.FAIL
    }
    assert reasons(make_cert(pki.ca_key, start=NOW + timedelta(days=2))) == {
        "not-yet-valid": Level.FAIL
    }
    soon = make_cert(pki.ca_key, start=NOW - timedelta(days=1), days=31)
    assert reasons(soon) == {"expires-soon": Level.WARN}
    assert cert_info(soon, NOW).days_left == 29


def test_no_cn(pki):
    assert reasons(make_cert(pki.ca_key, cn=None)) == {"no-cn": Level.FAIL}


def test_sha1_signature_warns(pki, tmp_path):
    cert = sha1_root(pki.ca_key, tmp_path)
    got = reasons(cert, cert.not_valid_before_utc + timedelta(minutes=1))
    # openssl req -x509 writes no keyUsage: said too (issue 11, case 10)
    assert got == {"weak-signature": Level.WARN, "ca-no-key-usage": Level.WARN}


def test_a_ca_without_key_usage_warns_what_it_means_for_clients(pki, tmp_path):
    """The bulletin's own `openssl req -new -x509` CA has no keyUsage (issue 11, case 10)."""
    import subprocess

    from cryptography import x509

    key = tmp_path / "ca.key"
    key.write_bytes(key_pem(pki.ca_key))
    out = subprocess.run(
        ["openssl", "req", "-new", "-x509", "-key", str(key), "-subj", "/CN=Root CA",
         "-days", "2555"],
        capture_output=True, check=True, timeout=30,
    )  # fmt: skip
    cert = x509.load_pem_x509_certificate(out.stdout)
    got = cert_reasons(cert, cert_info(cert, NOW), NOW)
    (reason,) = [r for r in got if r.code == "ca-no-key-usage"]
    assert reason.level == Level.WARN
    assert "no keyUsage" in reason.message and "-x509_strict" in reason.message
    assert "Python 3.13" in reason.message


def test_ca_match_same_stale_and_different(pki):
    info = cert_info(pki.ca, NOW)
    assert ca_match_reason(info, pki.ca, "ca.crt", pki.ca) is None
    rekeyed = make_cert(pki.other_key)  # same name, another key: phones will not trust it
    stale = ca_match_reason(info, rekeyed, "ca.crt", pki.ca)
    assert stale is not None and stale.code == "ca-stale" and stale.level == Level.FAIL
    assert "another key" in stale.message and "replace the file" in stale.message
    other = make_cert(pki.other_key, "Other CA")
    assert ca_match_reason(info, other, "ca.crt", pki.ca).code == "ca-mismatch"


def test_a_renewed_ca_served_in_its_former_copy_is_a_warning(pki):
    """`ca renew` keeps the key and subject: phones holding the former copy keep trusting."""

    renewed = make_cert(pki.ca_key, start=NOW)  # same key and name, issued later
    stale = ca_match_reason(cert_info(pki.ca, NOW), renewed, "pki/ca.crt", pki.ca)
    assert stale is not None and stale.code == "ca-stale" and stale.level == Level.WARN
    assert "former copy" in stale.message and "restart serve" in stale.message
    # The other way round: the server is ahead of the --ca file given.
    older = make_cert(pki.ca_key, start=NOW - timedelta(days=30))
    ahead = ca_match_reason(cert_info(pki.ca, NOW), older, "old/ca.crt", pki.ca)
    assert ahead is not None and ahead.level == Level.WARN and "out of date" in ahead.message
