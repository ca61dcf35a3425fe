"""`handset-ca rehearse` against real servers: same keys, same state machine."""

from __future__ import annotations

import subprocess
import sys

import pytest

from handset_ca.cli import main
from tests.e2e.handset.conftest import NAME
from tests.handset.certs import der
from tests.servers import HTTPServer, Route

pytestmark = pytest.mark.e2e


def _map(port: int, server) -> str:
    return f"{NAME}:{port}:127.0.0.1:{server.port}"


def test_rehearse_installs_and_provisions(http_server, https_server, capsys):
    code = main(
        [
            "rehearse",
            f"http://{NAME}/ca.crt",
            "--boot-server",
            f"https://{NAME}/",
            "--connect-to",
            _map(80, http_server),
            "--connect-to",
            _map(443, https_server),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    # every step drawn: the bulletin's screens in order, then the outcome
    for title in ("Settings", "Administrator's password", "Configure CA Cert...", "CA Certificate"):
        assert title in out
    assert out.index("[select Advanced]") < out.index("[Enter soft key]") < out.index("[End key]")
    assert "|CA certificate installed in|\n|custom CA slot 1." in out
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("OK: CA certificate installed in custom CA slot 1.")
    assert "Provisioning succeeded" in last


def test_rehearse_quiet_prints_only_the_outcome(http_server, capsys):
    code = main(
        ["rehearse", f"http://{NAME}/ca.crt", "--quiet", "--connect-to", _map(80, http_server)]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines() == [
        "OK: CA certificate installed in custom CA slot 1. Platform Profile 1: "
        "CA Certificate set to All Certificates."
    ]


def test_rehearse_wrong_password_fails_with_the_phone_message(http_server, capsys):
    code = main(
        [
            "rehearse",
            f"http://{NAME}/ca.crt",
            "--password",
            "654",
            "--quiet",
            "--connect-to",
            _map(80, http_server),
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.strip() == "FAILED: Incorrect password. Try again."
    assert http_server.requests == []


def test_rehearse_der_fails(pki, capsys):
    with HTTPServer({"/ca.der": Route(der(pki.ca_cert))}) as server:
        code = main(
            ["rehearse", f"http://{NAME}/ca.der", "--quiet", "--connect-to", _map(80, server)]
        )
    assert code == 1
    assert "DER" in capsys.readouterr().err


def test_rehearse_provisioning_failure_exits_1(http_server, mismatch_context, capsys):
    with HTTPServer({}, tls=mismatch_context) as https:
        code = main(
            [
                "rehearse",
                f"http://{NAME}/ca.crt",
                "--boot-server",
                NAME,
                "--quiet",
                "--connect-to",
                _map(80, http_server),
                "--connect-to",
                _map(443, https),
            ]
        )
    assert code == 1
    assert '"other.example.com"' in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--connect-to", "nonsense"], "connect-to"),
        (["--boot-server", "http://boot/"], "https://"),
    ],
)
def test_rehearse_bad_options_are_one_sentence(args, words, capsys):
    code = main(["rehearse", "http://boot/ca.crt", *args])
    err = capsys.readouterr().err
    assert code == 2  # a usage error (README, Exit codes)
    assert words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_rehearse_as_a_real_command(http_server):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "handset_ca.cli",
            "rehearse",
            f"http://{NAME}/ca.crt",
            "--quiet",
            "--connect-to",
            _map(80, http_server),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: CA certificate installed")
