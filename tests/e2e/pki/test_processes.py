"""Real processes: concurrent issuers, a kill in the middle of issuing, the CLI as installed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography import x509

from core.pki import Workspace
from core.pki.serial import parse_serial

from .conftest import PASS, copy_ws, openssl

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]
CLI = Path(sys.executable).with_name("handset-ca")


def python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


CONCURRENT = """
    import sys, time
    from pathlib import Path
    from core.pki import Workspace
    root, tag, csr, start = sys.argv[1], sys.argv[2], Path(sys.argv[3]), float(sys.argv[4])
    passphrase = sys.argv[5].encode()
    ws = Workspace(root)
    with ws.signer(passphrase) as signer:
        time.sleep(max(0.0, start - time.time()))  # all start signing together
        for i in range(15):
            signer.sign(csr.read_bytes(), out=Path(root) / f"{tag}-{i}.crt")
    ws.issue(f"{tag}.example.com", passphrase)
"""


def test_concurrent_issuers_never_share_a_serial(our_ca, openssl_csr, tmp_path):
    import time

    ws = copy_ws(our_ca, tmp_path / "pki")
    start = str(time.time() + 1.5)  # after the imports and CA key loading of all four
    procs = [
        python(CONCURRENT, str(ws.root), f"p{n}", str(openssl_csr), start, PASS) for n in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    certs = [x509.load_pem_x509_certificate(p.read_bytes()) for p in ws.root.glob("p*-*.crt")]
    certs += [
        x509.load_pem_x509_certificate(ws.issued_paths(n).crt.read_bytes())
        for n in ws.issued_names()
    ]
    serials = sorted(c.serial_number for c in certs)
    assert len(certs) == 4 * 16
    assert len(set(serials)) == len(serials)
    assert serials == list(range(serials[0], serials[0] + len(serials)))
    assert parse_serial(ws.srl_path.read_text()) == serials[-1]
    audit = ws.audit_path.read_text().splitlines()
    assert audit[0].split("\t")[1] == "ca-init"
    assert len(audit) == 1 + 4 * 16 and all(len(line.split("\t")) == 5 for line in audit)


KILLER = """
    import os, signal, sys
    from core.pki import Workspace
    calls = 0
    real_fsync = os.fsync
    def fsync_then_die(fd):
        # Die just before the Nth fsync: data written, not yet durable nor renamed.
        global calls
        calls += 1
        if calls == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)
        real_fsync(fd)
    os.fsync = fsync_then_die
    Workspace(sys.argv[1]).issue("boot.example.com", sys.argv[3].encode(), key_passphrase=b"kkkk")
"""


def visible_files(root: Path) -> list[Path]:
    """Files a user sees: none inside a hidden temp folder, none hidden themselves."""
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]


def assert_consistent(ws: Workspace) -> None:
    """Every visible file is whole; issued/<name> is all there or not there at all."""
    if ws.srl_path.exists():
        parse_serial(ws.srl_path.read_text())
    names = ws.issued_names()
    for name in names:
        paths = ws.issued_paths(name)
        x509.load_pem_x509_certificate(paths.crt.read_bytes())
        x509.load_pem_x509_csr(paths.csr.read_bytes())
        assert b"-----END ENCRYPTED PRIVATE KEY-----" in paths.key.read_bytes()
    for path in visible_files(ws.root):
        assert path.parent in (ws.root, *(ws.issued_paths(n).crt.parent for n in names)), path
    if ws.audit_path.exists():
        assert ws.audit_path.read_text().endswith("\n")


def test_a_kill_at_any_write_leaves_no_half_written_file(our_ca, tmp_path):
    """Kill the issuer just before each fsync in turn, each time in a fresh workspace."""
    left_temp, left_whole = [], []
    for n in range(1, 30):
        ws = copy_ws(our_ca, tmp_path / f"pki{n}")
        proc = python(KILLER, str(ws.root), str(n), PASS)
        _, err = proc.communicate(timeout=60)
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL, err
        assert_consistent(ws)
        if ws.issued_names():
            left_whole.append(ws)
        elif ws.issued_dir.exists() and list(ws.issued_dir.iterdir()):
            left_temp.append(ws)
    else:
        pytest.fail("the issue never completed")
    assert_consistent(ws)
    assert ws.issued_names() == ["boot.example.com"]
    # kills fell both before the folder was renamed into place and after
    assert len(left_temp) >= 3 and left_whole

    # the next issue clears what a killed one left and never reuses its serial
    killed = left_temp[-1]
    used = parse_serial(killed.srl_path.read_text())
    result = killed.issue("boot.example.com", PASS.encode())
    assert result.cert.serial_number == used + 1
    assert [p.name for p in killed.issued_dir.iterdir()] == ["boot.example.com"]
    assert not list(killed.root.glob(".ca.srl.*"))
    crt = str(result.paths[-1])
    assert openssl("verify", "-CAfile", "ca.crt", crt, cwd=killed.root).strip().endswith(": OK")


def run_cli(
    *args: str, env_extra: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSET_CA_")}
    env.update(env_extra or {})
    return subprocess.run(
        [str(CLI), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def assert_one_sentence(result: subprocess.CompletedProcess, text: str, code: int = 1) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("handset-ca: ")
    assert text in result.stderr


def test_cli_end_to_end_with_openssl(tmp_path):
    (tmp_path / "pass").write_text(PASS + "\n")
    made = run_cli(
        "ca",
        "init",
        "--cn",
        "Root CA",
        "--country",
        "US",
        "--passphrase-file",
        "pass",
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    env = {"HANDSET_CA_PASSPHRASE": PASS}
    issued = run_cli("issue", "10.1.2.3", env_extra=env, cwd=tmp_path)
    assert issued.returncode == 0, issued.stderr
    crt = tmp_path / "pki/issued/10.1.2.3/server.crt"
    assert "IP Address:10.1.2.3" in openssl("x509", "-noout", "-text", "-in", str(crt))
    assert (
        openssl("verify", "-CAfile", "pki/ca.crt", str(crt), cwd=tmp_path).strip().endswith(": OK")
    )

    assert_one_sentence(
        run_cli("issue", "../../etc", env_extra=env, cwd=tmp_path),
        "is not a host name or IP address",
        2,  # a usage error: the NAME given
    )
    assert_one_sentence(
        run_cli("issue", "x", "--cn", "../../etc", env_extra=env, cwd=tmp_path),
        "is not a host name",
        2,
    )
    wrong = run_cli("issue", "y", env_extra={"HANDSET_CA_PASSPHRASE": "nope"}, cwd=tmp_path)
    assert_one_sentence(wrong, "The CA key passphrase is wrong;")
    (tmp_path / "junk.bin").write_bytes(os.urandom(64))
    assert_one_sentence(
        run_cli("show", "junk.bin", cwd=tmp_path), "is not a certificate, CSR or key"
    )
    assert_one_sentence(
        run_cli("sign", "junk.bin", env_extra=env, cwd=tmp_path),
        "not a certificate signing request",
    )
    assert_one_sentence(
        run_cli("ca", "show", "--workspace", "nowhere", cwd=tmp_path), "There is no CA"
    )
    assert sorted(p.name for p in (tmp_path / "pki/issued").iterdir()) == ["10.1.2.3"]
