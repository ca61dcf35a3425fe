"""Issue 11, case 8: messages that sent the user the wrong way, each reproduced exactly."""

from __future__ import annotations

import ipaddress

import pytest
from cryptography import x509

from core.pki import Workspace
from core.pki.workspace import CAState, ca_state_sentence
from handset_ca.cli import main

from .conftest import CA_PASS, snapshot


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    monkeypatch.delenv("HANDSET_CA_KEY_PASSPHRASE", raising=False)
    monkeypatch.delenv("HANDSET_CA_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def sentence(err: str) -> str:
    assert err.startswith("handset-ca: ") and err.count("\n") == 1, err
    return err.removeprefix("handset-ca: ").rstrip("\n")


# ---- --key-passphrase with no source names the server key's own option


def test_key_passphrase_without_a_source_names_key_passphrase_file(env, capsys, ws):
    before = snapshot(ws.root)
    code, _, err = run(capsys, "issue", "boot", "--key-passphrase", "--workspace", str(ws.root))
    assert code == 1
    assert sentence(err) == (
        "No server key passphrase given: type it at a terminal, or use --key-passphrase-file "
        "FILE or the environment variable HANDSET_CA_KEY_PASSPHRASE."
    )
    assert snapshot(ws.root) == before


def test_the_ca_key_still_names_passphrase_file(env, capsys, ws, monkeypatch):
    monkeypatch.delenv("HANDSET_CA_PASSPHRASE")
    code, _, err = run(capsys, "issue", "boot", "--workspace", str(ws.root))
    assert code == 1 and "use --passphrase-file FILE or" in sentence(err)


# ---- the CA's state: one sentence per state, the same from every command


def _make_state(ws: Workspace, state: CAState) -> None:
    if state is CAState.NONE:
        ws.ca_key_path.unlink()
        ws.ca_crt_path.unlink()
    elif state is CAState.KEY_ONLY:
        ws.ca_crt_path.unlink()
    elif state is CAState.CERT_ONLY:
        ws.ca_key_path.unlink()


COMMANDS = {
    "ca init": ["ca", "init", "--cn", "Root CA"],
    "ca show": ["ca", "show"],
    "issue": ["issue", "boot.example.com"],
    "sign": ["sign", "{csr}"],
}
REFUSED = [
    (CAState.NONE, "ca show"),
    (CAState.NONE, "issue"),
    (CAState.NONE, "sign"),
    (CAState.COMPLETE, "ca init"),
    *((CAState.KEY_ONLY, command) for command in COMMANDS),
    (CAState.CERT_ONLY, "ca init"),
    (CAState.CERT_ONLY, "issue"),
    (CAState.CERT_ONLY, "sign"),
]


@pytest.mark.parametrize(("state", "command"), REFUSED, ids=lambda v: getattr(v, "value", v))
def test_each_ca_state_has_one_sentence_everywhere(env, capsys, ws, server_key, state, command):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "boot.example.com")])
    csr = env / "boot.csr"
    request = (
        x509.CertificateSigningRequestBuilder().subject_name(name).sign(server_key, hashes.SHA256())
    )
    csr.write_bytes(request.public_bytes(serialization.Encoding.PEM))
    _make_state(ws, state)
    assert ws.ca_state() is state
    before = snapshot(ws.root)
    argv = [part.format(csr=csr) for part in COMMANDS[command]]
    code, out, err = run(capsys, *argv, "--workspace", str(ws.root))
    assert code == 1 and out == ""
    assert sentence(err) == ca_state_sentence(ws.root, state)
    assert snapshot(ws.root) == before


def test_the_sentences_break_the_circle(tmp_path):
    root = tmp_path / "pki"
    assert ca_state_sentence(root, CAState.KEY_ONLY) == (
        f"{root} holds ca.key but no ca.crt; put the CA certificate back beside the key "
        "(from your backup), or move ca.key away and create a new CA."
    )
    assert ca_state_sentence(root, CAState.CERT_ONLY) == (
        f"{root} holds ca.crt but no ca.key; put the CA key back beside the certificate "
        "(from your backup), or move ca.crt away and create a new CA."
    )
    assert "no CA" in ca_state_sentence(root, CAState.NONE)
    assert "already holds a CA" in ca_state_sentence(root, CAState.COMPLETE)


def test_ca_show_with_only_the_certificate_shows_it_and_says_what_is_missing(env, capsys, ws):
    ws.ca_key_path.unlink()
    code, out, err = run(capsys, "ca", "show", "--workspace", str(ws.root))
    assert code == 0 and err == ""
    assert "CN=" in out
    assert f"  Warning:  {ca_state_sentence(ws.root, CAState.CERT_ONLY)}" in out.splitlines()


def test_the_audit_case_key_without_certificate(env, capsys, ws):
    """The circle as the audit found it: ca show and issue said "no CA, create one",
    ca init said "already holds a CA". Now all three say the same thing."""
    ws.ca_crt_path.unlink()
    said = set()
    for argv in (["ca", "show"], ["issue", "boot"], ["ca", "init", "--cn", "Root CA"]):
        code, _, err = run(capsys, *argv, "--workspace", str(ws.root))
        assert code == 1
        said.add(sentence(err))
    assert said == {ca_state_sentence(ws.root, CAState.KEY_ONLY)}


# ---- check --boot-server is validated up front: exit 2, one sentence


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "notaurl",
            "The boot server 'notaurl' is not an https:// address; give it as https://NAME/ "
            "or https://NAME:PORT/, NAME exactly as phones are given it.",
        ),
        (
            "https://not a host/",
            "The boot server 'https://not a host/' does not name a host: give it as "
            "https://NAME/ with NAME a host name or IP address exactly as phones are given it.",
        ),
        (
            "https://boot..example/",
            "The boot server 'https://boot..example/' does not name a host: give it as "
            "https://NAME/ with NAME a host name or IP address exactly as phones are given it.",
        ),
    ],
)
def test_check_refuses_a_bad_boot_server_before_checking_anything(env, capsys, spec, expected):
    # 127.0.0.1:9 (discard) would FAIL as unreachable if the check ran at all.
    code, out, err = run(capsys, "check", "--boot-server", spec, "http://127.0.0.1:9/ca.crt")
    assert code == 2 and out == ""
    assert sentence(err) == expected


def test_check_accepts_the_documented_forms():
    from core.check import boot_server_option

    assert boot_server_option("https://boot.example.com/").host == "boot.example.com"
    assert boot_server_option("https://10.0.0.5:8443/").port == 8443
    assert boot_server_option("https://[::1]:8443/").host == "::1"


# ---- IPv6: literals valid as a boot server address are accepted, like IPv4 ones


@pytest.mark.parametrize("name", ["::1", "fe80::1", "2001:db8::5", "127.0.0.1"])
def test_issue_accepts_ip_literals_alike(env, capsys, ws, name):
    code, _, err = run(capsys, "issue", name, "--workspace", str(ws.root))
    assert code == 0, err
    crt = ws.issued_paths(name).crt
    cert = x509.load_pem_x509_certificate(crt.read_bytes())
    assert cert.subject.rfc4514_string() == f"CN={name}"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address(name)]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("fe80::1%eth0", "carries a zone (%eth0), which a certificate cannot hold"),
        ("::", "is the unspecified address"),
        ("0.0.0.0", "is the unspecified address"),
        ("ff02::1", "is a multicast address"),
        ("224.0.0.1", "is a multicast address"),
    ],
)
def test_issue_refuses_addresses_no_server_has(env, capsys, ws, name, words):
    before = snapshot(ws.root)
    code, _, err = run(capsys, "issue", name, "--workspace", str(ws.root))
    assert code == 2  # a usage error: the NAME given
    assert sentence(err).startswith(f"The Common Name {name!r} {words}")
    assert snapshot(ws.root) == before
