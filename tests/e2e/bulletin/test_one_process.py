"""The whole bulletin in one process: create the CA, issue, serve, install, provision.

Every step runs for real: RSA keys from core.pki, the boot server's listeners on
127.0.0.1, the emulated handset pressing its keys, downloads through core.fetch.
The URLs are typed exactly as the bulletin shows them; the boot server's
connection map takes them to the loopback ports without DNS.
"""

from __future__ import annotations

from pathlib import Path

from core.bootserver import BootServer, Request
from core.handset import Handset, HandsetSettings
from core.handset.procedure import perform_bulletin
from core.handset.runner import drive
from core.pki import Workspace

from .conftest import CA_PASS, CA_SUBJECT, NAME


async def test_the_whole_bulletin_in_one_process(tmp_path: Path):
    # Creating a Certificate Authority; Issuing Certificates (for the boot server's name).
    workspace = Workspace(tmp_path / "pki")
    workspace.create_ca(CA_SUBJECT, CA_PASS)
    workspace.issue(NAME, CA_PASS)

    log: list[Request] = []
    with BootServer(workspace, name=NAME, log=log.append) as server:
        http_url, ftp_url = server.urls()
        assert http_url == f"http://{NAME}/ca.crt"
        assert ftp_url == f"ftp://plcmspip:plcmspip@{NAME}/ca.crt"
        connect = server.connect_map()
        settings = HandsetSettings(boot_server=server.provisioning_url() or "")
        kw = {"connect_to": connect, "timeout": 5.0}

        # Before the CA is on the phone, provisioning over HTTPS fails: untrusted issuer.
        phone = Handset(settings)
        await drive(phone, "soft2", **kw)
        assert phone.last_provision is not None and not phone.last_provision.ok
        assert "does not trust" in phone.last_message
        await drive(phone, "soft1", **kw)  # Ok

        # Downloading CA Certificates to Phones, steps 1-7, over HTTP.
        report = await perform_bulletin(phone, http_url, **kw)
        assert report.installed, report.message
        assert [ca.cn for ca in phone.custom_cas] == ["Root CA"]

        # The same URL over FTP: the phone finds the very same certificate already in slot 1.
        again = await perform_bulletin(phone, ftp_url, **kw)
        assert not again.installed
        assert "already in custom CA slot 1" in again.message

        # The profile is on All Certificates: provisioning over HTTPS now passes.
        await drive(phone, "end", **kw)
        await drive(phone, "soft2", **kw)
        assert phone.last_provision is not None and phone.last_provision.ok, phone.last_message
        await drive(phone, "soft1", **kw)

        # A second phone does it all over FTP, provisioning included.
        second = Handset(settings)
        over_ftp = await perform_bulletin(second, ftp_url, provision=True, **kw)
        assert over_ftp.ok, over_ftp.message
        assert second.custom_cas[0].sha256 == phone.custom_cas[0].sha256

    served = {(r.scheme, r.path, r.status) for r in log}
    assert {("http", "/ca.crt", 200), ("ftp", "/ca.crt", 226), ("https", "-", 0)} <= served
    assert any("handshake failed" in r.note for r in log)  # the untrusting first attempt
    assert any("handshake completed" in r.note for r in log)
