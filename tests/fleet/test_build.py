"""fleet build: the files, their parameters read back, whole-or-absent, every refusal."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from core.handset.bootfiles import parse_config, parse_master
from core.pki.rollover import start_rollover
from handset_ca.cli import main
from tests.conftest import CA_PASS


def build(ws, inventory, out, *extra: str) -> int:
    return main(
        [
            "fleet",
            "build",
            "--inventory",
            str(inventory),
            "--out",
            str(out),
            "--workspace",
            str(ws.root),
            *extra,
        ]
    )


def test_the_folder_holds_every_file_and_the_ca_exactly(ws, inventory, tmp_path, capsys):
    out = tmp_path / "boot"
    assert build(ws, inventory, out, "--boot-server", "https://boot.example.com/") == 0
    assert "Wrote" in capsys.readouterr().out
    names = sorted(os.listdir(out))
    macs = ["0004f2aabb01", "0004f2aabb02", "0004f2aabb03"]
    expected = ["000000000000.cfg", "ca.crt", "site.cfg"]
    expected += [f"{m}.cfg" for m in macs] + [f"{m}-ext.cfg" for m in macs]
    assert names == sorted(expected)
    assert (out / "ca.crt").read_bytes() == ws.ca_crt_path.read_bytes()
    site = parse_config((out / "site.cfg").read_bytes())
    assert site["device.sec.TLS.customCaCert1"].encode() == ws.ca_crt_path.read_bytes()
    for name in (
        "device.set",
        "device.sec.TLS.customCaCert1.set",
        "device.sec.TLS.prov.strictCertCommonNameValidation",
        "device.sec.TLS.prov.strictCertCommonNameValidation.set",
        "device.sec.TLS.profile.caCertList1.set",
        "device.sec.TLS.profileSelection.provisioning.set",
        "device.prov.serverName.set",
    ):
        assert site[name] == "1", name
    assert site["device.prov.serverName"] == "boot.example.com"
    assert site["device.prov.serverType"] == "HTTPS"
    assert "device.sec.TLS.customCaCert2" not in site  # no rollover under way
    master = parse_master((out / "0004f2aabb01.cfg").read_bytes())
    assert master == ["0004f2aabb01-ext.cfg", "site.cfg"]
    assert parse_master((out / "000000000000.cfg").read_bytes()) == ["site.cfg"]
    own = parse_config((out / "0004f2aabb01-ext.cfg").read_bytes())
    assert own == {"reg.1.address": "201", "reg.1.label": "Ward 3 nurse"}
    assert parse_config((out / "0004f2aabb03-ext.cfg").read_bytes()) == {}


def test_every_parameter_is_labelled_with_its_source(ws, inventory, tmp_path):
    out = tmp_path / "boot"
    assert build(ws, inventory, out, "--boot-server", "https://boot.example.com/") == 0
    for name in ("site.cfg", "0004f2aabb01-ext.cfg"):
        text = (out / name).read_text()
        params = [p for p in parse_config((out / name).read_bytes()) if not p.endswith(".set")]
        for param in params:
            line = next(x for x in text.splitlines() if x.strip().startswith(f"<!-- {param}:"))
            assert "vendor doc (" in line or "rehearsal choice (" in line, line
    assert "Installing Certificates on Spectralink 8400 Handsets" in (out / "site.cfg").read_text()


def test_files_pass_xmllint_when_it_is_installed(ws, inventory, tmp_path):
    out = tmp_path / "boot"
    assert build(ws, inventory, out) == 0
    try:
        done = subprocess.run(
            ["xmllint", "--noout", *sorted(str(p) for p in out.glob("*.cfg"))],
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        pytest.skip("xmllint is not installed")
    assert done.returncode == 0, done.stderr


def test_a_rollover_puts_both_cas_in_the_two_slots(ws, inventory, tmp_path):
    start_rollover(ws, CA_PASS)
    out = tmp_path / "boot"
    assert build(ws, inventory, out) == 0
    site = parse_config((out / "site.cfg").read_bytes())
    current = x509.load_pem_x509_certificate(site["device.sec.TLS.customCaCert1"].encode())
    nxt = x509.load_pem_x509_certificate(site["device.sec.TLS.customCaCert2"].encode())
    assert current == ws.ca_certificate()
    assert nxt != current and nxt.subject != current.subject
    assert site["device.sec.TLS.customCaCert2.set"] == "1"
    assert (out / "ca.crt").read_bytes() == ws.ca_crt_path.read_bytes()


def test_an_existing_folder_is_refused_then_swapped_whole_with_replace(
    ws, inventory, tmp_path, capsys
):
    out = tmp_path / "boot"
    assert build(ws, inventory, out) == 0
    (out / "0004f2aabb01.cfg").write_text("edited by hand")
    assert build(ws, inventory, out) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--replace" in err and "Traceback" not in err
    assert (out / "0004f2aabb01.cfg").read_text() == "edited by hand"
    inventory.write_text("mac\n0004f2aabb09\n")
    assert build(ws, inventory, out, "--replace") == 0
    assert "Replaced" in capsys.readouterr().out
    assert not (out / "0004f2aabb01.cfg").exists()  # the old folder is gone, whole
    assert (out / "0004f2aabb09.cfg").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_replace_never_swaps_a_folder_fleet_build_did_not_make(ws, inventory, tmp_path, capsys):
    assert build(ws, inventory, ws.root, "--replace") == 1
    err = capsys.readouterr().err
    assert "does not look like a folder fleet build made" in err
    assert ws.ca_crt_path.is_file()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b"mac\n", "lists no handsets"),
        (b"ext,label\n201,x\n", "1: the header row has no mac column (found 'ext', 'label')"),
    ],
)
def test_an_empty_or_headless_inventory_is_refused(ws, tmp_path, capsys, content, expected):
    inventory = tmp_path / "h.csv"
    inventory.write_bytes(content)
    assert build(ws, inventory, tmp_path / "boot") == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not (tmp_path / "boot").exists()


def test_every_bad_row_is_reported_at_once_and_nothing_is_written(ws, tmp_path, capsys):
    inventory = tmp_path / "h.csv"
    inventory.write_bytes(
        b"MAC , Extension\n"
        b"0004f2aabb01,201\n"  # 2 good
        b"0004f2aabb0,202\n"  # 3 eleven digits
        b"00:04:f2:aa:bb:01,203\n"  # 4 duplicate of line 2
        b"0004f2aabbzz,204\n"  # 5 not hex
        b"0004f2aabb05,\xff\xfe\n"  # 6 not UTF-8
        b"\n"  # 7 blank: skipped
        b",206\n"  # 8 empty mac
        b"000000000000,207\n"  # 9 the default name
    )
    assert build(ws, inventory, tmp_path / "boot") == 1
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0].startswith(f"handset-ca: The inventory {inventory} has 6 problems;")
    assert "nothing was written" in lines[0]
    found = {int(line.split(":")[1]): line for line in lines[1:]}
    assert sorted(found) == [3, 4, 5, 6, 8, 9]
    assert "is not a MAC address" in found[3] and "is not a MAC address" in found[5]
    assert "also on line 2" in found[4]
    assert "not UTF-8" in found[6]
    assert "empty" in found[8]
    assert "default master file" in found[9]
    assert not (tmp_path / "boot").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_list_of_bad_rows_is_capped(ws, tmp_path, capsys):
    inventory = tmp_path / "h.csv"
    inventory.write_text("mac\n" + "".join(f"bad{i}\n" for i in range(50)))
    assert build(ws, inventory, tmp_path / "boot") == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 + 20 + 1
    assert lines[-1] == "... and 30 more."


def test_the_inventory_goes_through_the_bounded_reader(ws, tmp_path, capsys):
    assert build(ws, "/dev/zero", tmp_path / "boot") == 1
    assert "not a regular file" in capsys.readouterr().err
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert build(ws, fifo, tmp_path / "boot") == 1  # never waits for a writer
    assert "FIFO" in capsys.readouterr().err


def test_a_bad_boot_server_or_missing_ca_is_one_sentence(ws, inventory, tmp_path, capsys):
    assert build(ws, inventory, tmp_path / "boot", "--boot-server", "http://b/") == 1
    assert "not an https:// address" in capsys.readouterr().err
    empty = tmp_path / "empty-ws"
    empty.mkdir()
    code = main(
        [
            "fleet",
            "build",
            "--inventory",
            str(inventory),
            "--out",
            str(tmp_path / "b2"),
            "--workspace",
            str(empty),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "b2").exists()


def test_mac_written_lower_case_without_separators(ws, tmp_path):
    inventory = tmp_path / "h.csv"
    inventory.write_text("label,mac\nx,AA-BB-CC-DD-EE-FF\n")
    out = tmp_path / "boot"
    assert build(ws, inventory, out) == 0
    assert (out / "aabbccddeeff.cfg").is_file()


def test_a_values_markup_is_escaped(ws, tmp_path):
    inventory = tmp_path / "h.csv"
    inventory.write_text('mac,extension,label\n0004f2aabb01,"<x>","a ""b"" & c --"\n')
    out = tmp_path / "boot"
    assert build(ws, inventory, out) == 0
    own = parse_config((out / "0004f2aabb01-ext.cfg").read_bytes())
    assert own == {"reg.1.address": "<x>", "reg.1.label": 'a "b" & c --'}


def test_unwritable_parent_is_refused_before_reading(ws, inventory, tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    parent = tmp_path / "ro"
    parent.mkdir(mode=0o500)
    assert build(ws, inventory, parent / "boot") == 1
    assert "permission denied" in capsys.readouterr().err


def test_build_leaves_no_temp_folder_when_it_fails_half_way(ws, inventory, tmp_path, monkeypatch):
    from core.fleet import build as buildmod

    def broken(folder: Path, files: dict[str, bytes]) -> None:
        (folder / "partial").write_text("x")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(buildmod, "_write_all", broken)
    assert build(ws, inventory, tmp_path / "boot") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handsets.csv", "pki"]
