"""audit.log that cannot be written (here: a folder): one sentence, nothing half-done."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.pki import Workspace
from handset_ca.cli import main

from .conftest import CA_PASS


@pytest.fixture
def blocked(ws: Workspace) -> Workspace:
    ws.audit_path.mkdir()
    return ws


def test_issue_says_one_sentence_and_publishes_nothing(blocked, capsys, monkeypatch):
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    code = main(["issue", "boot.example.com", "--workspace", str(blocked.root)])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.startswith("handset-ca: ") and err.count("\n") == 1, err
    assert "audit.log" in err and "Traceback" not in err
    assert blocked.issued_names() == []
    assert not blocked.srl_path.exists()  # the serial was given back


def test_sign_out_leaves_nothing(blocked, issued_template, tmp_path):
    csr = (issued_template / "issued" / "boot.example.com" / "server.csr").read_bytes()
    with blocked.signer(CA_PASS) as signer:
        with pytest.raises(UserError, match=r"audit\.log"):
            signer.sign(csr, out=tmp_path / "one.crt")
        with pytest.raises(UserError, match=r"audit\.log"):
            signer.sign(csr)
    assert not (tmp_path / "one.crt").exists()
    assert blocked.issued_names() == []


def test_ca_init_removes_its_files(tmp_path):
    from core.pki import Subject

    ws = Workspace(tmp_path / "pki")
    ws.root.mkdir()
    ws.audit_path.mkdir()
    with pytest.raises(UserError, match=r"audit\.log"):
        ws.create_ca(Subject(cn="Root CA"), CA_PASS)
    assert not ws.ca_key_path.exists() and not ws.ca_crt_path.exists()
