"""Life after day one against the real openssl: PKCS#12, a TLS server with the full chain,
CA renewal and trust continuity, x509_strict on a renewed bulletin CA."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from core.pki import Workspace
from core.pki.export import export
from core.pki.renew import renew, renew_ca
from core.pki.rollover import ca_bundle_pem, finish_rollover, start_rollover

from .conftest import PASS, copy_ws, openssl

pytestmark = pytest.mark.e2e
NAME = "boot.example.com"
EXPORT = b"export passphrase"


@pytest.fixture
def issued(our_ca, tmp_path) -> Workspace:
    ws = copy_ws(our_ca, tmp_path / "pki")
    ws.issue(NAME, PASS.encode(), key_passphrase=b"server pw")
    return ws


def test_pkcs12_modern_and_legacy_read_by_openssl(issued, tmp_path):
    modern, legacy = tmp_path / "modern.p12", tmp_path / "legacy.p12"
    export(issued, NAME, "pkcs12", modern, export_passphrase=EXPORT, key_passphrase=b"server pw")
    export(
        issued, NAME, "pkcs12", legacy, export_passphrase=EXPORT, key_passphrase=b"server pw",
        legacy=True,
    )  # fmt: skip
    info = openssl(
        "pkcs12", "-info", "-noout", "-in", str(modern), "-passin", "pass:" + EXPORT.decode()
    )
    assert "AES-256-CBC" in info and "PBKDF2" in info and "MAC: sha256" in info
    assert info.count("Certificate bag") == 2 and "Shrouded Keybag" in info
    info = openssl(
        "pkcs12", "-legacy", "-info", "-noout", "-in", str(legacy), "-passin",
        "pass:" + EXPORT.decode(),
    )  # fmt: skip
    assert "pbeWithSHA1And3-KeyTripleDES-CBC" in info and "MAC: sha1" in info
    wrong = openssl(
        "pkcs12", "-info", "-noout", "-in", str(modern), "-passin", "pass:wrong", check=False
    )
    assert "verify error" in wrong.lower() or "invalid password" in wrong.lower()
    # the key inside is the server's key, the certificate the issued one
    pem = openssl("pkcs12", "-in", str(modern), "-nodes", "-passin", "pass:" + EXPORT.decode())
    assert "PRIVATE KEY" in pem and pem.count("BEGIN CERTIFICATE") == 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_s_server_with_the_full_chain_verifies_in_s_client(issued, tmp_path):
    chain = tmp_path / "fullchain.pem"
    export(issued, NAME, "fullchain", chain)
    key = tmp_path / "server.key"
    openssl(
        "pkey", "-in", str(issued.issued_paths(NAME).key), "-passin", "pass:server pw",
        "-out", str(key),
    )  # fmt: skip
    der = tmp_path / "server.der"
    export(issued, NAME, "der", der)
    assert "Subject: CN = boot.example.com" in openssl(
        "x509", "-inform", "DER", "-in", str(der), "-noout", "-text"
    )
    port = free_port()
    server = subprocess.Popen(
        ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(chain),
         "-cert_chain", str(chain), "-key", str(key)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:  # a bare TCP probe: s_server drops it and accepts the next one
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "no s_server"
                time.sleep(0.05)
        client = subprocess.run(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", NAME,
             "-verify_return_error", "-verify_hostname", NAME, "-CAfile",
             str(issued.ca_crt_path)],
            input="Q\n", capture_output=True, text=True, timeout=20,
        )  # fmt: skip
    finally:
        server.kill()
        server.wait(timeout=10)
    assert client.returncode == 0, client.stderr
    assert "Verify return code: 0 (ok)" in client.stdout
    chain_lines = client.stdout.split("Certificate chain", 1)[1].split("---", 1)[0]
    assert " 1 s:" in chain_lines and "CN = Root CA" in chain_lines  # the CA was sent too


def test_ca_renew_trust_continuity_both_ways(issued, tmp_path):
    ws = issued
    old_ca = tmp_path / "old-ca.crt"
    shutil.copy(ws.ca_crt_path, old_ca)
    before = tmp_path / "before.crt"
    shutil.copy(ws.issued_paths(NAME).crt, before)
    renew_ca(ws, PASS.encode())
    ws.issue("after.example.com", PASS.encode())
    after = ws.issued_paths("after.example.com").crt
    # a phone holding the old ca.crt trusts what is signed after; the new trusts the old
    assert openssl("verify", "-CAfile", str(old_ca), str(after)).strip().endswith(": OK")
    assert openssl("verify", "-CAfile", str(ws.ca_crt_path), str(before)).strip().endswith(": OK")
    renew(ws, NAME, PASS.encode())
    assert (
        openssl("verify", "-x509_strict", "-CAfile", str(old_ca), str(ws.issued_paths(NAME).crt))
        .strip()
        .endswith(": OK")
    )


def test_ca_renew_gives_a_bulletin_ca_its_key_usage_for_strict_verifiers(bulletin_ca, tmp_path):
    ws = copy_ws(bulletin_ca, tmp_path / "pki")
    ws.issue(NAME, PASS.encode())
    leaf = str(ws.issued_paths(NAME).crt)
    old_ca = tmp_path / "bulletin-ca.crt"
    shutil.copy(ws.ca_crt_path, old_ca)
    strict = openssl("verify", "-x509_strict", "-CAfile", str(old_ca), leaf, check=False)
    assert ": OK" not in strict  # the bulletin CA has no keyUsage: strict verifiers refuse
    renew_ca(ws, PASS.encode())
    text = openssl("x509", "-in", str(ws.ca_crt_path), "-noout", "-text")
    assert "CA:TRUE" in text and "Certificate Sign, CRL Sign" in text
    assert "X509v3 Subject Key Identifier" in text and "X509v3 Authority Key Identifier" in text
    assert (
        openssl("verify", "-x509_strict", "-CAfile", str(ws.ca_crt_path), leaf)
        .strip()
        .endswith(": OK")
    )
    ws.issue("after.example.com", PASS.encode())
    after = str(ws.issued_paths("after.example.com").crt)
    assert openssl("verify", "-CAfile", str(old_ca), after).strip().endswith(": OK")
    kept = list((ws.root / "previous").glob("ca-*.crt"))
    assert len(kept) == 1 and kept[0].read_bytes() == old_ca.read_bytes()


def test_rollover_overlap_bundle_verifies_both_generations(issued, tmp_path):
    ws = issued
    old_leaf = tmp_path / "old.crt"
    shutil.copy(ws.issued_paths(NAME).crt, old_leaf)
    start_rollover(ws, PASS.encode())
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(ca_bundle_pem(ws))
    renew(ws, NAME, PASS.encode(), under_next=True)
    new_leaf = str(ws.issued_paths(NAME).crt)
    for leaf in (str(old_leaf), new_leaf):  # a phone holding both slots accepts either
        assert (
            openssl("verify", "-x509_strict", "-CAfile", str(bundle), leaf).strip().endswith(": OK")
        )
    assert ": OK" not in openssl("verify", "-CAfile", str(ws.ca_crt_path), new_leaf, check=False)
    finish_rollover(ws, PASS.encode())
    assert openssl("verify", "-CAfile", str(ws.ca_crt_path), new_leaf).strip().endswith(": OK")
    assert "RSA key ok" in openssl(
        "rsa", "-check", "-noout", "-in", str(ws.ca_key_path), "-passin", f"pass:{PASS}"
    )


def test_status_flags_exactly_what_openssl_no_longer_verifies_after_a_forced_finish(issued):
    """The field report: only one boot server re-issued under the next CA, then the finish."""
    from core.pki.status import expiry_status

    ws = issued
    ws.issue("10.0.0.5", PASS.encode())
    start_rollover(ws, PASS.encode())
    renew(ws, NAME, PASS.encode(), under_next=True)
    finish_rollover(ws, PASS.encode(), force=True)
    states = {e.name: e.state for e in expiry_status(ws).entries if e.kind == "server"}
    for name in (NAME, "10.0.0.5"):
        leaf = str(ws.issued_paths(name).crt)
        verified = openssl("verify", "-CAfile", str(ws.ca_crt_path), leaf, check=False)
        assert verified.strip().endswith(": OK") == (states[name] == "ok"), (name, verified)
    assert states == {NAME: "ok", "10.0.0.5": "issuer retired"}
    renew(ws, "10.0.0.5", PASS.encode())  # what status and the finish's warning advise
    leaf = str(ws.issued_paths("10.0.0.5").crt)
    assert openssl("verify", "-CAfile", str(ws.ca_crt_path), leaf).strip().endswith(": OK")
    assert not expiry_status(ws).attention


def test_show_describes_every_certificate_of_a_fullchain_in_openssls_order(issued, tmp_path):
    from core.pki import inspect_file

    chain = export(issued, NAME, "fullchain", tmp_path / "fullchain.pem")
    listed = openssl("crl2pkcs7", "-nocrl", "-certfile", str(chain))
    (tmp_path / "p7.pem").write_text(listed)
    printed = openssl("pkcs7", "-print_certs", "-noout", "-in", str(tmp_path / "p7.pem"))
    theirs = [
        line.split("=", 1)[1].replace(" = ", "=").strip()
        for line in printed.splitlines()
        if line.startswith("subject")
    ]
    text = inspect_file(chain)
    ours = [line.split(":", 1)[1].strip() for line in text.splitlines() if "Subject:" in line]
    assert len(ours) == len(theirs) == 2
    assert ours[0] == theirs[0] == "CN=" + NAME
    assert ours[1].replace(", ", ",") == theirs[1].replace(", ", ",")
    assert "Certificate 1 of 2" in text and "Certificate 2 of 2" in text
    assert "Signed certificate 1: yes" in text
    assert openssl("verify", "-CAfile", str(issued.ca_crt_path), str(chain)).strip().endswith("OK")
