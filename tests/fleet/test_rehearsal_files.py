"""The rehearsal boot server's files come from fleet's writer: the same parameters and
shape as fleet build, with the drills' knobs, read back by the handset's parser."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import Encoding

from core.bootserver.publish import boot_files
from core.handset.bootfiles import merge, parse_config, parse_master

MAC = "00907a000001"
SERVER = "https://boot.example.com/"


def read(files, name):
    return files[f"/{name}"][0]


def test_the_site_file_is_fleet_builds(ws):
    cert = ws.ca_certificate()
    files = boot_files(cert, SERVER)
    assert sorted(files) == ["/000000000000.cfg", "/site.cfg"]
    assert parse_master(read(files, "000000000000.cfg")) == ["site.cfg"]
    site = parse_config(read(files, "site.cfg"))
    assert site["device.sec.TLS.customCaCert1"].encode() == cert.public_bytes(Encoding.PEM)
    assert site["device.sec.TLS.customCaCert1.set"] == "1"
    assert site["device.sec.TLS.profileSelection.provisioning"] == "PlatformProfile1"
    assert (site["device.prov.serverName"], site["device.prov.serverType"]) == (SERVER, "HTTPS")
    text = read(files, "site.cfg").decode()
    assert "vendor doc (" in text and "rehearsal boot server" in text


def test_the_drills_knobs(ws):
    cert = ws.ca_certificate()
    files = boot_files(cert, SERVER, mac=MAC, ca_set="0", list_site=False, server_in_ext=True)
    assert parse_master(read(files, f"{MAC}.cfg")) == [f"{MAC}-ext.cfg"]
    own = parse_config(read(files, f"{MAC}-ext.cfg"))
    site = parse_config(read(files, "site.cfg"))
    assert own["reg.1.label"] == "Rehearsal" and own["device.prov.serverName"] == SERVER
    assert "device.prov.serverName" not in site
    assert site["device.sec.TLS.customCaCert1.set"] == "0"
    files = boot_files(cert, SERVER, mac=MAC)
    assert parse_master(read(files, f"{MAC}.cfg")) == [f"{MAC}-ext.cfg", "site.cfg"]
    merged = merge([parse_config(read(files, n)) for n in (f"{MAC}-ext.cfg", "site.cfg")])
    assert merged["device.prov.serverName"] == SERVER and merged["reg.1.label"] == "Rehearsal"
