"""`serve --dir`: the regular files of one folder over HTTP and FTP, nothing else."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from core.bootserver import BootServer
from core.fetch import fetch
from core.fleet import build_fleet


@pytest.fixture
def boot_dir(ws, inventory, tmp_path) -> Path:
    out = tmp_path / "boot"
    build_fleet(ws, inventory, out)
    (out / ".hidden.cfg").write_text("secret")
    (tmp_path / "outside.txt").write_text("secret")
    os.symlink(tmp_path / "outside.txt", out / "escape.cfg")
    os.symlink("site.cfg", out / "alias.cfg")
    os.symlink(".hidden.cfg", out / "dot.cfg")
    (out / "sub").mkdir()
    (out / "sub" / "x.cfg").write_text("x")
    os.mkfifo(out / "pipe.cfg")
    return out


def get(url: str, connect=None):
    return asyncio.run(fetch(url, connect_to=connect, timeout=5))


def test_the_folder_is_served_exactly_and_nothing_else(ws, boot_dir):
    with BootServer(ws, directory=boot_dir, https_port=None) as server:
        base = f"http://127.0.0.1:{server.http_port}"
        site = get(f"{base}/site.cfg")
        assert site.ok and site.data == (boot_dir / "site.cfg").read_bytes()
        assert site.content_type.startswith("application/xml")
        assert get(f"{base}/ca.crt").data == ws.ca_crt_path.read_bytes()
        assert get(f"{base}/alias.cfg").data == site.data  # a symlink inside the folder
        for path in (
            "/.hidden.cfg",
            "/escape.cfg",
            "/dot.cfg",
            "/sub/x.cfg",
            "/sub",
            "/pipe.cfg",
            "/../outside.txt",
            "/%2e%2e/outside.txt",
            "/ca.der",
            "/",
        ):
            result = get(f"{base}{path}")
            assert result.status == 404, path
        notes = " ".join(server.notes)
        assert "escape.cfg" in notes and "sub" in notes and "pipe.cfg" in notes
        assert "hidden" not in notes
        text = "\n".join(server.listening())
        assert f"the {server.published} files of {boot_dir}" in text
        assert server.boot_urls()[0] == f"{base}/"


def test_ftp_serves_the_same_files_only(ws, boot_dir):
    pytest.importorskip("pyftpdlib")
    with BootServer(ws, directory=boot_dir, https_port=None) as server:
        assert server.ftp_port is not None
        base = f"ftp://plcmspip:plcmspip@127.0.0.1:{server.ftp_port}"
        master = get(f"{base}/0004f2aabb01.cfg")
        assert master.ok and master.data == (boot_dir / "0004f2aabb01.cfg").read_bytes()
        assert not get(f"{base}/.hidden.cfg").ok
        assert not get(f"{base}/escape.cfg").ok


def test_a_dir_that_is_not_a_folder_is_one_sentence(ws, tmp_path):
    from core.errors import UserError

    with pytest.raises(UserError, match="not a folder"):
        BootServer(ws, directory=ws.ca_crt_path).start()
    with pytest.raises(UserError, match="Cannot read the folder"):
        BootServer(ws, directory=tmp_path / "missing").start()
