"""Advice that leads somewhere: each refusal's suggested command, run as written, works."""

from __future__ import annotations

import re

from handset_ca.cli import main

from .conftest import CA_PASS, snapshot

NAME = "boot.example.com"


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main([*argv, "--workspace", "pki"])
    return code, capsys.readouterr().err


def test_renew_longer_than_the_ca_says_which_ca_renew_makes_room(issued_ws, capsys, monkeypatch):
    monkeypatch.chdir(issued_ws.root.parent)
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    state = snapshot(issued_ws.root)
    code, err = run(capsys, "renew", NAME, "--days", "3000")
    assert code == 1 and err.count("\n") == 1, err
    assert "`handset-ca ca renew --days 3001` (the default 2555 days would still end first)" in err
    assert snapshot(issued_ws.root) == state
    most = re.search(r"ask for --days (\d+) or fewer", err)
    assert most is not None and 2550 <= int(most.group(1)) <= 2555

    # the most that fits now does fit
    assert run(capsys, "renew", NAME, "--days", most.group(1))[0] == 0
    assert run(capsys, "renew", NAME, "--days", str(int(most.group(1)) + 1))[0] == 1
    # and the CA renewal it names makes room for the 3,000 days asked
    assert run(capsys, "ca", "renew", "--days", "3001")[0] == 0
    assert run(capsys, "renew", NAME, "--days", "3000")[0] == 0


def test_a_renewal_the_default_ca_renew_fits_names_it_plainly(issued_ws, capsys, monkeypatch):
    monkeypatch.chdir(issued_ws.root.parent)
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    assert run(capsys, "ca", "renew", "--days", "100")[0] == 0
    code, err = run(capsys, "renew", NAME, "--days", "365")
    assert code == 1 and "renew the CA first with `handset-ca ca renew`, or ask for" in err


def test_under_the_next_ca_only_fewer_days_are_offered(issued_ws, capsys, monkeypatch):
    monkeypatch.chdir(issued_ws.root.parent)
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    assert run(capsys, "ca", "rollover", "--days", "200")[0] == 0
    code, err = run(capsys, "renew", NAME, "--next", "--days", "365")
    assert code == 1 and err.count("\n") == 1
    assert "The next CA's certificate expires on" in err and "ca renew" not in err
    most = re.search(r"ask for --days (\d+) or fewer", err)
    assert most is not None
    assert run(capsys, "renew", NAME, "--next", "--days", most.group(1))[0] == 0


def test_issue_on_an_issued_name_points_to_renew_before_any_prompt(issued_ws, capsys, monkeypatch):
    monkeypatch.chdir(issued_ws.root.parent)
    monkeypatch.delenv("HANDSET_CA_PASSPHRASE", raising=False)
    monkeypatch.setattr("sys.stdin", None)  # a prompt would be refused with another sentence
    state = snapshot(issued_ws.root)
    code, err = run(capsys, "issue", NAME)
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith(f"handset-ca: {NAME} was already issued (")
    assert f"renew its certificate with `handset-ca renew {NAME}`" in err
    assert snapshot(issued_ws.root) == state
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    assert run(capsys, "renew", NAME)[0] == 0  # the command it names


def test_ca_renew_says_a_running_serve_needs_a_restart(issued_ws, capsys, monkeypatch):
    """serve reads the workspace when it starts: after `ca renew` it still hands out the
    former ca.crt, and the command says to restart it (which then serves the new one)."""
    import http.client

    from core.bootserver import BootServer

    monkeypatch.chdir(issued_ws.root.parent)
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    former = issued_ws.ca_crt_path.read_bytes()

    def fetched(server: BootServer) -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=5)
        conn.request("GET", "/ca.crt")
        body = conn.getresponse().read()
        conn.close()
        return body

    with BootServer(issued_ws.root, https_port=None, ftp_port=None) as server:
        assert main(["ca", "renew", "--workspace", "pki"]) == 0
        out = capsys.readouterr().out
        assert "A running `handset-ca serve` still serves the former files: restart it" in out
        assert fetched(server) == former  # what the user saw
        server.stop()
        server.start()
        assert fetched(server) == issued_ws.ca_crt_path.read_bytes() != former
    for argv in (["renew", NAME], ["ca", "rollover"]):
        assert main([*argv, "--workspace", "pki"]) == 0
        assert "restart it (Ctrl+C, then the same command)" in capsys.readouterr().out
