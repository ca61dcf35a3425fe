"""`rehearse --boot` and `fleet simulate` against the real rehearsal boot server."""

from __future__ import annotations

import shutil

import pytest

from core.bootserver import BootServer
from core.pki import Workspace
from handset_ca.cli import main

NAME = "bootserver1.example.com"


@pytest.fixture
def server(ca_template, tmp_path):
    root = tmp_path / "pki"
    shutil.copytree(ca_template, root)
    with BootServer(Workspace(root), name=NAME, ftp_port=None) as running:
        yield running


def test_rehearse_boot_prints_every_screen_and_the_log(server, capsys):
    args = ["rehearse", "--boot", server.boot_url("http"), "--mac", "00:90:7a:00:00:09"]
    for spec in server.connect_to():
        args += ["--connect-to", spec]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "[boot.busy]" in out and "[boot.result]" in out
    assert "00907a000009.cfg: not found" in out
    assert "applied: device.sec.TLS.customCaCert1" in out
    assert out.rstrip().splitlines()[-1].startswith("OK: Boot complete")


def test_rehearse_boot_fails_with_the_reason(server, capsys):
    assert main(["rehearse", "--boot", f"http://127.0.0.1:{server.http_port}/x/", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("FAILED: Boot failed: 000000000000.cfg:")


@pytest.mark.parametrize(
    ("args", "sentence", "exit_code"),
    [
        (["rehearse", "--boot", "http://h/", "--mac", "12"], "is not a MAC address", 2),
        (["rehearse", "--boot", "gopher://h/"], "ftp://, http:// or https://", 2),
        (["rehearse", "http://h/ca.crt", "--boot", "http://h/"], "not both", 2),
        (["rehearse"], "Give the URL", 2),
        (["fleet", "simulate", "--boot", "http://example.com/"], "--i-own-this-server", 1),
        (["fleet", "simulate", "--boot", "http://127.0.0.1/", "--count", "0"], "--count", 1),
    ],
)
def test_refusals_are_one_sentence(args, sentence, exit_code, capsys):
    assert main(args) == exit_code
    err = capsys.readouterr().err
    assert sentence in err and "Traceback" not in err and err.count("\n") == 1


def test_fleet_simulate_100_at_50_no_failure(server, capsys):
    url = f"http://127.0.0.1:{server.http_port}/"
    assert main(["fleet", "simulate", "--boot", url, "--count", "100", "--concurrency", "50"]) == 0
    out = capsys.readouterr().out
    assert "ok: 100" in out and "failed: 0" in out and "p99" in out


def test_fleet_simulate_reports_failures_by_reason(capsys):
    from tests.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    args = ["fleet", "simulate", "--boot", url, "--count", "4", "--rate", "100"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "failed: 4" in out and "refused: 4" in out


def test_rehearse_boot_https_on_a_fresh_phone_names_both_steps(ca_template, tmp_path, capsys):
    from tests.conftest import CA_PASS

    root = tmp_path / "pki"
    shutil.copytree(ca_template, root)
    Workspace(root).issue(NAME, CA_PASS)
    with BootServer(Workspace(root), name=NAME, ftp_port=None) as https:
        args = ["rehearse", "--boot", https.boot_url("https"), "--quiet"]
        for spec in https.connect_to():
            args += ["--connect-to", spec]
        code = main(args)
    assert code == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "install the CA that issued it under Custom CA Certificates, then set" in err, err
    assert "CA Certificate to All Certificates" in err, err
