"""`handset-ca serve` as an administrator runs it: the real console script, real signals."""

from __future__ import annotations

import http.client
import signal
import ssl
from pathlib import Path

import pytest

from .conftest import ENCRYPTED_NAME, KEY_PASS, NAME
from .serveproc import Serve, clean_env, run_cli


def get(port: int, path: str, tls: ssl.SSLContext | None = None) -> int:
    if tls is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    else:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=tls)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def tls_trusting(workspace: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(workspace / "ca.crt"))
    context.check_hostname = False
    return context


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_what_to_type_logs_and_stops_cleanly(
    issued_workspace: Path, serving: list[Serve], sig: int
):
    serve = Serve("--workspace", str(issued_workspace))
    serving.append(serve)
    serve.ready()
    out = "\n".join(serve.lines)
    assert f"http://{NAME}/ca.crt" in out
    assert f"ftp://plcmspip:plcmspip@{NAME}/ca.crt" in out
    assert f"--boot-server https://{NAME}/" in out
    assert "lower case" in out and "PlcmSpIp" in out
    specs = serve.connect_to()
    assert [s.split(":")[:2] for s in specs] == [[NAME, "80"], [NAME, "443"], [NAME, "21"]]
    assert all(s.split(":")[2] == "127.0.0.1" for s in specs)

    assert get(serve.port(80), "/ca.crt?secret=hunter2") == 200
    logged = serve.wait_for("/ca.crt")
    assert "127.0.0.1:" in logged and " 200 " in logged and "hunter2" not in logged
    assert get(serve.port(443), "/ca.key", tls_trusting(issued_workspace)) == 404
    assert " 404 " in serve.wait_for("/ca.key")

    assert serve.stop(sig) == 0
    assert serve.rest()[-1] == "Boot server stopped."
    assert serve.stderr() == ""


@pytest.mark.parametrize(("option", "default_port"), [("--http-port", 80), ("--ftp-port", 21)])
def test_second_serve_on_a_taken_port_is_one_clear_sentence(
    issued_workspace: Path, serving: list[Serve], option: str, default_port: int
):
    first = Serve("--workspace", str(issued_workspace))
    serving.append(first)
    first.ready()
    taken = first.port(default_port)
    second = run_cli("serve", "--workspace", str(issued_workspace), option, str(taken))
    assert second.returncode == 1
    lines = second.stderr.splitlines()
    assert len(lines) == 1, second.stderr
    assert lines[0].startswith(f"handset-ca: Port {taken} on 127.0.0.1 is already in use")
    assert option in lines[0] and "Traceback" not in second.stderr
    assert get(first.port(80), "/ca.crt") == 200  # the first one is untouched
    assert first.stop() == 0


def test_serve_without_a_ca_says_how_to_make_one(tmp_path: Path):
    result = run_cli("serve", "--workspace", str(tmp_path / "empty"))
    assert result.returncode == 1
    assert result.stderr.startswith("handset-ca: There is no CA in")
    assert "handset-ca ca init" in result.stderr and "Traceback" not in result.stderr


def test_serve_a_name_without_certificate_keeps_http_and_ftp(
    issued_workspace: Path, serving: list[Serve]
):
    serve = Serve("--workspace", str(issued_workspace), "--name", "other.example.com")
    serving.append(serve)
    serve.ready()
    out = "\n".join(serve.lines)
    assert "HTTPS is off" in out and "`handset-ca issue other.example.com`" in out
    assert "ftp://plcmspip:plcmspip@other.example.com/ca.crt" in out
    assert [s.split(":")[1] for s in serve.connect_to()] == ["80", "21"]
    assert get(serve.port(80), "/ca.crt") == 200
    assert serve.stop() == 0


def test_encrypted_server_key_with_passphrase_file(
    issued_workspace: Path, serving: list[Serve], tmp_path: Path
):
    missing = run_cli("serve", "--workspace", str(issued_workspace), "--name", ENCRYPTED_NAME)
    assert missing.returncode == 1 and "passphrase" in missing.stderr
    assert len(missing.stderr.splitlines()) == 1

    secret = tmp_path / "key.pass"
    secret.write_bytes(KEY_PASS + b"\n")
    serve = Serve(
        "--workspace",
        str(issued_workspace),
        "--name",
        ENCRYPTED_NAME,
        "--passphrase-file",
        str(secret),
    )
    serving.append(serve)
    serve.ready()
    assert f"CN={ENCRYPTED_NAME}" in "\n".join(serve.lines)
    assert get(serve.port(443), "/", tls_trusting(issued_workspace)) == 200
    assert serve.stop() == 0
    assert KEY_PASS.decode() not in "\n".join(serve.rest())


def test_passphrase_from_the_environment(issued_workspace: Path, serving: list[Serve]):
    env = clean_env(HANDSET_CA_KEY_PASSPHRASE=KEY_PASS.decode())
    serve = Serve("--workspace", str(issued_workspace), "--name", ENCRYPTED_NAME, env=env)
    serving.append(serve)
    serve.ready()
    assert serve.port(443)
    assert serve.stop() == 0
