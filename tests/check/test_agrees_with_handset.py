"""The checker and the emulated handset never disagree: same URLs, same servers.

A rehearsal boot server (core.bootserver) publishes a real workspace's ca.crt;
each URL is checked and also installed key by key on a fresh emulated handset
(core.handset.procedure.perform_bulletin), with provisioning against the boot
server's HTTPS. Where the handset installs, the checker finds no download or
file problem, and the other way round; the same for provisioning.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.bootserver import BootServer
from core.check import CheckOptions, Level, check_url, parse_boot_server
from core.fetch import ConnectMap
from core.handset.machine import Handset, HandsetSettings
from core.handset.procedure import perform_bulletin
from core.pki import Subject, Workspace

NAME = "bootserver1.example.com"
NOW_CERT_START = datetime(2026, 1, 1, tzinfo=UTC)
PASS = b"check-agreement"


@pytest.fixture(scope="module")
def boot(tmp_path_factory):
    workspace = Workspace(tmp_path_factory.mktemp("ws"))
    workspace.create_ca(Subject(cn="Root CA"), PASS)
    workspace.issue(NAME, PASS)
    with BootServer(workspace, name=NAME) as server:
        yield server, workspace


@pytest.mark.parametrize(
    "url",
    [
        f"http://{NAME}/ca.crt",
        f"ftp://plcmspip:plcmspip@{NAME}/ca.crt",
        f"http://{NAME}/ca.der",
        f"https://{NAME}/ca.crt",
        f"http://{NAME}/nothing-here.crt",
        f"ftp://plcmspip:wrong@{NAME}/ca.crt",
        "http://site/with-key.pem",
        "http://site/index.html",
        "http://site/empty",
        "http://site/bomb",
        "http://site/loop",
        "http://site/server.crt",
        "http://site/v1-root.crt",
        "http://site/forged.crt",
        "http://site/intermediate.crt",
        # A new user's three disagreements: the bulletin's own FTP account (typed in lower
        # case, which the boot server takes), an upper-case path (typed /ca.crt, served),
        # and no scheme (typed after the field's http://).
        f"ftp://PlcmSpIp:PlcmSpIp@{NAME}/ca.crt",
        f"http://{NAME}/CA.crt",
        f"{NAME}/ca.crt",
        "http://site/upper/CA.crt",  # typed /upper/ca.crt, which is not served
    ],
)
async def test_checker_and_handset_agree(boot, site, url):
    server, _ = boot
    connect_to = server.connect_map()
    connect_to.add("site", 80, "127.0.0.1", site.port)
    options = CheckOptions(
        boot_servers=[parse_boot_server(f"https://{NAME}/")], connect_to=connect_to, timeout=3
    )
    verdict = await check_url(url, options)
    handset = Handset(HandsetSettings(boot_server=f"https://{NAME}/"))
    report = await perform_bulletin(handset, url, provision=True, connect_to=connect_to, timeout=3)
    assert report.installed == verdict.handset_accepts, (report.message, verdict.reasons)
    if not report.installed:
        assert verdict.level == Level.FAIL, verdict.reasons
    if report.installed:
        boot_ok = not any(
            r.code.startswith("boot-server-") and r.level == Level.FAIL for r in verdict.reasons
        )
        assert report.provision is not None and report.provision.ok == boot_ok
        file_fails = [
            r
            for r in verdict.reasons
            if r.level == Level.FAIL and not r.code.startswith("boot-server-")
        ]
        assert file_fails == []  # what the handset installs is at most a WARN here


@pytest.mark.parametrize(
    "url",
    [
        f"ftp://PlcmSpIp:PlcmSpIp@{NAME}/ca.crt",
        f"http://{NAME}/CA.crt",
        f"{NAME}/ca.crt",
        f"http://{NAME}/Nothing.crt",
    ],
)
def test_check_and_rehearse_commands_agree(boot, url):
    """The user's case, by the console script: `check` exits 0 exactly when `rehearse`
    installs, and handset_accepts says what the rehearsal did."""
    server, _ = boot
    exe = str(Path(sys.executable).parent / "handset-ca")
    connect = [arg for spec in server.connect_to() for arg in ("--connect-to", spec)]
    checked = subprocess.run(
        [exe, "check", "--json", "--timeout", "5", url, *connect],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    rehearsed = subprocess.run(
        [exe, "rehearse", "--quiet", "--timeout", "5", url, *connect],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    (data,) = [json.loads(line) for line in checked.stdout.splitlines()]
    assert checked.returncode == rehearsed.returncode, (data, rehearsed.stdout, rehearsed.stderr)
    assert data["handset_accepts"] == (rehearsed.returncode == 0)
    assert "PlcmSpIp:PlcmSpIp" not in checked.stdout + rehearsed.stdout + rehearsed.stderr
    if url.startswith(NAME):
        assert "typed the rest after it" in rehearsed.stdout


def test_an_upper_case_boot_server_name_fails_both_and_check_advises_lower_case(boot):
    """A new user's case: the boot server issued as bootserver1.example.com, given with
    capitals. The handset's plain string comparison fails; check says which name to use."""
    server, _ = boot
    exe = str(Path(sys.executable).parent / "handset-ca")
    url, target = f"http://{NAME}/ca.crt", "https://BootServer1.example.com/"
    connect = [arg for spec in server.connect_to() for arg in ("--connect-to", spec)]
    checked = subprocess.run(
        [exe, "check", "--json", url, "--boot-server", target, *connect],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    rehearsed = subprocess.run(
        [exe, "rehearse", "--quiet", url, "--boot-server", target, *connect],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert checked.returncode == rehearsed.returncode == 1, rehearsed.stdout + rehearsed.stderr
    (data,) = [json.loads(line) for line in checked.stdout.splitlines()]
    (reason,) = data["reasons"]
    assert reason["code"] == "boot-server-cn-mismatch"
    assert f"give the handset the name {NAME}" in reason["message"]


def test_console_script_against_the_rehearsal_boot_server(boot):
    server, workspace = boot
    urls = [f"http://{NAME}/ca.crt", f"ftp://plcmspip:plcmspip@{NAME}/ca.crt"]
    args = [str(Path(sys.executable).parent / "handset-ca"), "check", "--json", *urls]
    args += ["--ca", str(workspace.ca_crt_path), "--boot-server", f"https://{NAME}/"]
    for spec in server.connect_to():
        args += ["--connect-to", spec]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    objects = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(objects) == 2
    for data in objects:
        assert data["verdict"] == "PASS" and data["ca_match"] is True
        assert data["boot_servers"][0]["cn"] == NAME and data["boot_servers"][0]["ok"]
        # What was checked (issue 12: a pass said nothing about the boot server).
        boot_server = data["boot_servers"][0]
        assert (
            boot_server["ca_source"] == "served" and boot_server["name_rule"] == "cn-plain-string"
        )
        assert boot_server["cas"] == [{"cn": "Root CA", "sha256": data["sha256"]}]  # the served CA


def test_a_passing_boot_server_says_what_was_checked_in_text(boot):
    """Issue 12: `check --boot-server https://NAME/` that passed printed nothing about it."""
    server, workspace = boot
    args = [str(Path(sys.executable).parent / "handset-ca"), "check", f"http://{NAME}/ca.crt"]
    args += ["--ca", str(workspace.ca_crt_path), "--boot-server", f"https://{NAME}/"]
    for spec in server.connect_to():
        args += ["--connect-to", spec]
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=60, env={"COLUMNS": "200", "PATH": ""}
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        f"- Boot server https://{NAME}/ passes: chain checked against the served CA "
        f"(CN Root CA); CN equals {NAME} by plain string comparison"
    ) in " ".join(done.stdout.split()), done.stdout


async def test_a_boot_server_name_the_certificate_does_not_carry(boot):
    server, _ = boot
    connect_to: ConnectMap = server.connect_map()
    https_port = server.https_port
    connect_to.add("10.0.0.7", 443, "127.0.0.1", https_port)
    options = CheckOptions(
        boot_servers=[parse_boot_server("https://10.0.0.7/")], connect_to=connect_to, timeout=3
    )
    verdict = await check_url(f"http://{NAME}/ca.crt", options)
    assert [r.code for r in verdict.reasons] == ["boot-server-cn-mismatch"]
    report = await perform_bulletin(
        Handset(), f"http://{NAME}/ca.crt", provision=False, connect_to=connect_to, timeout=3
    )
    assert report.installed  # the CA itself is fine; only the boot server name is wrong


@pytest.mark.parametrize("offset", [-1, 0, 1])
async def test_the_expiry_boundary_is_the_same_second(pki, offset):
    """Valid up to and including notAfter, for the handset and the checker alike."""
    from datetime import timedelta

    from core.check import Checker
    from core.handset.accept import accept_certificate_file
    from tests.check.certs import make_cert, pem

    cert = make_cert(pki.ca_key, start=NOW_CERT_START, days=10)
    now = cert.not_valid_after_utc + timedelta(seconds=offset)
    acceptance = accept_certificate_file(pem(cert), now=now)
    async with Checker(CheckOptions(now=now)) as checker:
        analysis = checker.analyse(pem(cert))
    assert acceptance.ok == (offset <= 0) == analysis.accepted
    failed = {r.code for r in analysis.reasons if r.level == Level.FAIL}
    assert failed == (set() if offset <= 0 else {"expired"})
