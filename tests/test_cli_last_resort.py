"""The CLI's last resort: a bug is one line (no traceback, no secret); write_atomic races."""

from __future__ import annotations

import threading

import pytest

from core.fileio import write_atomic
from core.pki import Workspace
from handset_ca.cli import main


def test_an_unexpected_error_is_one_line(ca_template, capsys, monkeypatch):
    def broken(self):
        raise RuntimeError("state went wrong at ftp://plcmspip:s3cretpw@boot/ca.crt\nsecond")

    monkeypatch.setattr(Workspace, "ca_summary", broken)
    monkeypatch.delenv("HANDSET_CA_DEBUG", raising=False)
    code = main(["ca", "show", "--workspace", str(ca_template)])
    out, err = capsys.readouterr()
    assert code == 1
    assert err == (
        "handset-ca: unexpected error (RuntimeError: state went wrong at "
        "ftp://plcmspip:***@boot/ca.crt); please report it\n"
    )
    assert "s3cretpw" not in out + err


def test_handset_ca_debug_shows_the_traceback(ca_template, monkeypatch):
    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(Workspace, "ca_summary", broken)
    monkeypatch.setenv("HANDSET_CA_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["ca", "show", "--workspace", str(ca_template)])


def test_threads_replacing_one_file_never_collide_on_the_temp_name(tmp_path):
    target = tmp_path / "ca.srl"
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        start.wait()
        try:
            for _ in range(40):
                write_atomic(target, f"{n}\n".encode() * 20000, replace=True)
        except BaseException as exc:  # collected for the assert
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
