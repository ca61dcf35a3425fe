"""check --boot against the real rehearsal boot server (serve --dir) on 127.0.0.1:
a good site, then each failure kind, with real files from fleet build."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.bootserver import BootServer
from core.fleet import build_fleet
from core.pki import Workspace
from handset_ca.cli import main
from tests.conftest import CA_PASS

NAME = "boot.example.com"
OTHER = "other.example.com"
MACS = ("0004f2aabb01", "0004f2aabb02")


@pytest.fixture(scope="module")
def site_ws(ca_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The CA with a boot server certificate for NAME (one key for the module)."""
    root = tmp_path_factory.mktemp("boot-ws") / "pki"
    shutil.copytree(ca_template, root)
    ws = Workspace(root)
    ws.issue(NAME, CA_PASS)
    return ws


@pytest.fixture
def inv(tmp_path: Path) -> Path:
    path = tmp_path / "handsets.csv"
    path.write_text("mac,extension\n" + "".join(f"{m},20{i}\n" for i, m in enumerate(MACS)))
    return path


def make(site_ws: Workspace, inv: Path, tmp_path: Path, boot_name: str = NAME) -> Path:
    out = tmp_path / "boot"
    build_fleet(site_ws, inv, out, boot_server=f"https://{boot_name}/")
    return out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def other_ca_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Another CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3000))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def run_check(site_ws, folder: Path, capsys, *args: str, json_out: bool = True, scheme="http"):
    """Serve ``folder`` with the real boot server and run `handset-ca check --boot`."""
    with BootServer(site_ws, directory=folder, name=NAME) as server:
        connect: list[str] = []
        for spec in server.connect_to() + server.connect_to(OTHER):
            connect += ["--connect-to", spec]
        base = server.boot_urls()[0 if scheme == "http" else 1]
        code = main(
            ["check", "--boot", base, *args, *connect, "--timeout", "5"]
            + (["--json"] if json_out else [])
        )
    out, err = capsys.readouterr()
    if not json_out:
        return code, out, err
    return code, [json.loads(line) for line in out.splitlines()], err


def codes(verdict: dict) -> set[str]:
    return {r["code"] for r in verdict["reasons"]}


def test_a_good_site_passes_for_every_handset(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path)
    code, verdicts, err = run_check(
        site_ws, folder, capsys, "--from-inventory", str(inv), "--ca", str(site_ws.ca_crt_path)
    )
    assert code == 0, err
    assert sorted(v["mac"] for v in verdicts) == sorted(MACS)
    for v in verdicts:
        assert v["verdict"] == "PASS", v["reasons"]
        assert v["master"] == f"{v['mac']}.cfg"
        assert [f["name"] for f in v["files"]] == [
            f"{v['mac']}.cfg",
            f"{v['mac']}-ext.cfg",
            "site.cfg",
        ]
        assert all(f["ok"] and f["http_status"] == 200 for f in v["files"])
        assert v["ca_match"] is True and v["handset_accepts"] is True
        (ca,) = v["ca_certificates"]
        assert ca["param"] == "device.sec.TLS.customCaCert1" and ca["cn"] == "Root CA"
        (boot,) = v["boot_servers"]
        assert boot["ok"] and boot["cn"] == NAME


def test_the_readable_report_names_each_handset(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path)
    code, out, _err = run_check(
        site_ws, folder, capsys, "--mac", "00:04:F2:AA:BB:01", json_out=False
    )
    assert code == 0
    assert re.match(r"PASS  0004f2aabb01  http://boot\.example\.com/0004f2aabb01\.cfg", out)
    assert out.rstrip().endswith("1 handset checked: 1 PASS, 0 WARN, 0 FAIL.")


def test_over_ftp_too(site_ws, inv, tmp_path, capsys):
    pytest.importorskip("pyftpdlib")
    folder = make(site_ws, inv, tmp_path)
    code, (v,), err = run_check(site_ws, folder, capsys, "--mac", MACS[0], scheme="ftp")
    assert code == 0, (err, v["reasons"])
    assert v["verdict"] == "PASS" and v["url"].startswith("ftp://plcmspip:***@")


def test_a_handset_without_its_master_falls_back_to_the_default(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path)
    code, (v,), _ = run_check(site_ws, folder, capsys, "--mac", "0004f2aabb99")
    assert code == 0
    assert v["verdict"] == "WARN" and codes(v) == {"master-default"}
    assert v["master"] == "000000000000.cfg"
    assert [f["name"] for f in v["files"]] == ["0004f2aabb99.cfg", "000000000000.cfg", "site.cfg"]


def test_no_master_at_all_fails(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path)
    (folder / "000000000000.cfg").unlink()
    (folder / f"{MACS[0]}.cfg").unlink()
    code, (v,), _ = run_check(site_ws, folder, capsys, "--mac", MACS[0])
    assert code == 1 and codes(v) == {"master-missing"}


def test_a_master_that_does_not_list_the_site_file(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path)
    edit(folder / f"{MACS[0]}.cfg", f"{MACS[0]}-ext.cfg, site.cfg", f"{MACS[0]}-ext.cfg")
    code, (v,), _ = run_check(site_ws, folder, capsys, "--mac", MACS[0])
    assert code == 1 and codes(v) == {"master-no-site"}


def test_a_listed_file_missing_from_the_server(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path)
    (folder / "site.cfg").unlink()
    code, (v,), _ = run_check(site_ws, folder, capsys, "--mac", MACS[0])
    assert code == 1 and codes(v) == {"config-missing"}


@pytest.mark.parametrize(
    ("target", "damage", "expected", "words"),
    [
        ("site.cfg", lambda t: t[: len(t) // 2], "config-xml", "not well-formed"),
        (
            "site.cfg",
            lambda t: t.replace(
                "<polycomConfig>",
                '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><polycomConfig>',
            ),
            "config-xml",
            "DOCTYPE",
        ),
        ("0004f2aabb01.cfg", lambda t: t.replace("/>", ">"), "master-xml", "not well-formed"),
        ("0004f2aabb01.cfg", lambda t: t.replace("APPLICATION", "APP"), "master-xml", "no APPL"),
    ],
)
def test_xml_that_does_not_parse(site_ws, inv, tmp_path, capsys, target, damage, expected, words):
    folder = make(site_ws, inv, tmp_path)
    path = folder / target
    path.write_text(damage(path.read_text()))
    code, (v,), _ = run_check(site_ws, folder, capsys, "--mac", MACS[0])
    assert code == 1 and codes(v) == {expected}
    assert words in v["reasons"][0]["message"]


def test_the_ca_parameter_missing(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path)
    text = (folder / "site.cfg").read_text()
    text = re.sub(r'\s+device\.sec\.TLS\.customCaCert1(\.set)?="[^"]*"', "", text)
    (folder / "site.cfg").write_text(text)
    code, (v,), _ = run_check(site_ws, folder, capsys, "--mac", MACS[0])
    assert code == 1 and codes(v) == {"ca-param-missing"}


def test_the_ca_parameter_not_pem(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path)
    text = (folder / "site.cfg").read_text()
    text = re.sub(r'customCaCert1="[^"]*"', 'customCaCert1="MIIBIjANBgkqhkiG9w0BAQEF"', text)
    (folder / "site.cfg").write_text(text)
    code, (v,), _ = run_check(site_ws, folder, capsys, "--mac", MACS[0])
    assert code == 1 and "ca-param-not-pem" in codes(v)
    assert v["handset_accepts"] is False and v["boot_servers"] == []


def test_the_ca_parameter_not_a_ca(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path)
    server_pem = site_ws.issued_paths(NAME).crt.read_text()
    text = (folder / "site.cfg").read_text()
    escaped = server_pem.replace("\n", "&#10;")
    text = re.sub(r'customCaCert1="[^"]*"', lambda _m: f'customCaCert1="{escaped}"', text)
    (folder / "site.cfg").write_text(text)
    code, (v,), _ = run_check(site_ws, folder, capsys, "--mac", MACS[0])
    assert code == 1 and {"not-ca"} <= codes(v)
    assert any(r["message"].startswith("device.sec.TLS.customCaCert1: ") for r in v["reasons"])


def test_another_ca_than_ca_and_a_boot_server_it_does_not_trust(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path)
    escaped = other_ca_pem().replace("\n", "&#10;")
    text = (folder / "site.cfg").read_text()
    text = re.sub(r'customCaCert1="[^"]*"', lambda _m: f'customCaCert1="{escaped}"', text)
    (folder / "site.cfg").write_text(text)
    code, (v,), _ = run_check(
        site_ws, folder, capsys, "--mac", MACS[0], "--ca", str(site_ws.ca_crt_path)
    )
    assert code == 1
    assert {"ca-param-not-this-ca", "boot-server-untrusted"} <= codes(v)
    assert v["ca_match"] is False and v["boot_servers"][0]["ok"] is False


@pytest.mark.parametrize(
    ("old", "new", "flag"),
    [
        ('device.sec.TLS.customCaCert1.set="1"', 'device.sec.TLS.customCaCert1.set="0"', "Cert1"),
        ('device.set="1"', 'device.set="0"', "device.set"),
        (
            'device.sec.TLS.prov.strictCertCommonNameValidation.set="1"',
            'device.sec.TLS.prov.strictCertCommonNameValidation.set="2"',
            "strictCert",
        ),
    ],
)
def test_a_set_flag_that_is_not_1(site_ws, inv, tmp_path, capsys, old, new, flag):
    folder = make(site_ws, inv, tmp_path)
    edit(folder / "site.cfg", old, new)
    code, (v,), _ = run_check(site_ws, folder, capsys, "--mac", MACS[0])
    assert code == 1 and "set-not-1" in codes(v)
    assert flag in next(r["message"] for r in v["reasons"] if r["code"] == "set-not-1")


def test_the_provisioning_server_cn_the_handset_would_refuse(site_ws, inv, tmp_path, capsys):
    folder = make(site_ws, inv, tmp_path, boot_name=OTHER)  # NAME's certificate answers
    code, (v,), _ = run_check(site_ws, folder, capsys, "--mac", MACS[0])
    assert code == 1 and codes(v) == {"boot-server-cn-mismatch"}
    (boot,) = v["boot_servers"]
    assert boot["name"] == OTHER and boot["cn"] == NAME and not boot["ok"]


def test_per_handset_file_comes_first(site_ws, inv, tmp_path, capsys):
    """A per-handset file that sets the CA's .set to 0 wins over site.cfg (read order)."""
    folder = make(site_ws, inv, tmp_path)
    edit(
        folder / f"{MACS[0]}-ext.cfg",
        "<reg ",
        '<device device.sec.TLS.customCaCert1.set="0" /><reg ',
    )
    code, verdicts, _ = run_check(site_ws, folder, capsys, "--from-inventory", str(inv))
    by_mac = {v["mac"]: v for v in verdicts}
    assert code == 1
    assert "set-not-1" in codes(by_mac[MACS[0]]) and by_mac[MACS[1]]["verdict"] == "PASS"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--boot", "notaurl"], "not an http://, https:// or ftp:// address"),
        (["--boot", "http://b/", "--mac", "0004f2"], "is not a MAC address"),
        (["--boot", "http://b/", "http://b/ca.crt"], "not both"),
        (["--mac", "0004f2aabb01"], "give --boot"),
    ],
)
def test_usage_errors_exit_2(capsys, args, words):
    assert main(["check", *args]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_a_bad_inventory_is_a_usage_error_with_its_lines(tmp_path, capsys):
    bad = tmp_path / "h.csv"
    bad.write_text("mac\nxyz\n0004f2aabb01\n0004f2aabb01\n")
    assert main(["check", "--boot", "http://b/", "--from-inventory", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2:" in err and f"{bad}:4:" in err


def test_a_boot_server_that_is_down_fails_each_handset_with_the_fetch_reason(capsys):
    code = main(
        ["check", "--boot", "http://127.0.0.1:9/", "--mac", MACS[0], "--json", "--timeout", "3"]
    )
    (v,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1 and codes(v) == {"fetch-refused"}
