"""The handset boots from the rehearsal boot server's provisioning files, for real.

The two-step bootstrap real sites use: the first boot over HTTP (or FTP) reads
<mac>.cfg (or 000000000000.cfg), then site.cfg, installs the CA, sets the
provisioning profile to All Certificates and switches the provisioning server
to HTTPS; the next boot checks that server (chain, then CN) and reads the
files over HTTPS. A server certificate for another name fails the second boot.
"""

from __future__ import annotations

import shutil

import pytest

from core.bootserver import BootServer
from core.fetch import ConnectMap
from core.handset import ALL_CERTIFICATES, Handset, HandsetSettings
from core.handset.runner import drive
from core.pki import Workspace

from .conftest import NAME, PASSPHRASE

MAC = "00907a00beef"


def _boot_outcomes(handset: Handset) -> list[str]:
    return [o for o in handset.log.outcomes() if o.startswith("boot:")]


async def test_two_step_bootstrap_over_http_then_https(pki):
    with BootServer(pki.workspace, name=NAME, ftp_port=None) as server:
        handset = Handset(HandsetSettings(boot_server=server.boot_url("http")))
        cmap = server.connect_map()
        screen = await drive(handset, "power", connect_to=cmap)
        assert not handset.busy
        assert _boot_outcomes(handset) == ["boot:ok"], handset.boot_log
        # The MAC's own file is missing: the default one is read, then site.cfg.
        outcomes = handset.log.outcomes()
        assert "file_missing:00907a000001.cfg" in outcomes
        assert outcomes.index("file_read:000000000000.cfg") < outcomes.index("file_read:site.cfg")
        assert "param_applied:device.sec.TLS.customCaCert1" in outcomes
        assert [ca.slot for ca in handset.custom_cas] == [1]
        assert handset.custom_cas[0].cert == pki.ca_cert
        assert handset.profiles[1].ca_certificate == ALL_CERTIFICATES
        assert handset.settings.boot_server == f"https://{NAME}/"
        assert screen.node_id == "boot.result" and "Boot complete" in screen.message
        assert f"next boot from https://{NAME}/" in screen.message

        screen = await drive(handset, "power", connect_to=cmap)
        assert _boot_outcomes(handset) == ["boot:ok", "boot:ok"], handset.boot_log
        assert handset.log.outcomes().count("provision:ok") == 1
        assert handset.last_provision is not None and handset.last_provision.ok
        assert "Server trusted, CN " + NAME in handset.boot_log
        # The CA was already in slot 1: nothing new installed.
        assert [ca.slot for ca in handset.custom_cas] == [1]


async def test_the_mac_file_is_read_when_present_and_ftp_works(pki):
    pytest.importorskip("pyftpdlib")
    with BootServer(pki.workspace, name=NAME, boot_mac=MAC) as server:
        url = server.boot_url("ftp")
        assert url.startswith("ftp://")
        handset = Handset(HandsetSettings(boot_server=url.lower(), mac=MAC))
        await drive(handset, "soft4", connect_to=server.connect_map())  # the Boot soft key
        outcomes = handset.log.outcomes()
        assert _boot_outcomes(handset) == ["boot:ok"], handset.boot_log
        assert outcomes[outcomes.index(f"file_read:{MAC}.cfg") + 1] == f"file_read:{MAC}-ext.cfg"
        assert "file_read:site.cfg" in outcomes
        assert "param_ignored:reg.1.label" in outcomes  # not modelled: said so
        assert handset.custom_cas and "plcmspip:***@" in handset.boot_log[1]  # masked


async def test_second_boot_fails_when_the_https_certificate_names_another_server(pki, tmp_path):
    ws_root = tmp_path / "pki"
    shutil.copytree(pki.folder, ws_root)
    workspace = Workspace(ws_root)
    workspace.issue("other.example.com", PASSPHRASE)
    with (
        BootServer(workspace, name=NAME, ftp_port=None) as good,
        BootServer(workspace, name="other.example.com", ftp_port=None) as other,
    ):
        # NAME answers HTTP from the good server, HTTPS from one whose certificate is
        # for other.example.com (as if DNS pointed NAME there).
        cmap = ConnectMap()
        cmap.add(NAME, 80, "127.0.0.1", good.http_port)
        assert other.https_port is not None
        cmap.add(NAME, 443, "127.0.0.1", other.https_port)
        handset = Handset(HandsetSettings(boot_server=f"http://{NAME}/"))
        await drive(handset, "power", connect_to=cmap)
        assert _boot_outcomes(handset) == ["boot:ok"]
        screen = await drive(handset, "power", connect_to=cmap)
        assert _boot_outcomes(handset)[-1] == "boot:name_mismatch"
        assert "does not match" in screen.message and "other.example.com" in screen.message
        # Refused before any file was read over HTTPS.
        assert handset.log.outcomes()[-2:] == ["provision:name_mismatch", "boot:name_mismatch"]
