"""The phone's parser of provisioning files: strict, bounded, one clear reason."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.handset import Handset, HandsetSettings
from core.handset.bootfiles import (
    MAX_FILE_BYTES,
    BootFileError,
    boot_base_url,
    check_mac,
    is_set,
    merge,
    parse_config,
    parse_master,
)


def test_master_lists_files_in_order_spaces_allowed():
    data = b'<APPLICATION CONFIG_FILES="00907a000001-ext.cfg,  site.cfg" MISC_FILES=""/>'
    assert parse_master(data) == ["00907a000001-ext.cfg", "site.cfg"]
    assert parse_master(b'<APPLICATION CONFIG_FILES=""/>') == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<APPLICATION/>", "no CONFIG_FILES"),
        (b'<APPLICATION CONFIG_FILES="../etc/passwd"/>', "not a file name"),
        (b'<APPLICATION CONFIG_FILES="http://evil/x.cfg"/>', "not a file name"),
        (b"<APPLICATION", r"not well-formed XML \(line 1"),
        (b"", "empty"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x CONFIG_FILES="&a;"/>', "DOCTYPE"),
        (b"<x>" + b" " * MAX_FILE_BYTES + b"</x>", "KiB"),
    ],
)
def test_master_refusals_are_one_sentence(data, reason):
    with pytest.raises(BootFileError, match=reason):
        parse_master(data, "the file")


def test_config_parameters_are_attributes_of_any_element_and_first_file_wins():
    pem = "-----BEGIN CERTIFICATE-----&#10;AAAA&#10;-----END CERTIFICATE-----&#10;"
    data = f'<polycomConfig><device device.set="1" a="{pem}"/><x b="2"/></polycomConfig>'
    params = parse_config(data.encode())
    assert params["a"].startswith("-----BEGIN CERTIFICATE-----\nAAAA\n")
    assert params["b"] == "2" and params["device.set"] == "1"
    assert merge([{"x": "first"}, {"x": "second", "y": "1"}]) == {"x": "first", "y": "1"}


def test_the_set_rule():
    name = "device.sec.TLS.customCaCert1"
    assert is_set({"device.set": "1", f"{name}.set": "1"}, name) == (True, "")
    assert is_set({"device.set": "1", f"{name}.set": "0"}, name)[1] == f"{name}.set is 0, not 1"
    assert not is_set({f"{name}.set": "1"}, name)[0]  # device.set missing


def test_mac_and_server_addresses():
    assert check_mac("00:90:7A:00:00:01") == "00907a000001"
    with pytest.raises(UserError, match="12 hex digits"):
        check_mac("0090")
    assert boot_base_url("ftp://plcmspip:plcmspip@host") == "ftp://plcmspip:plcmspip@host/"
    assert boot_base_url("bootserver1.example.com") == "https://bootserver1.example.com/"
    assert boot_base_url("http://h/prov") == "http://h/prov/"
    with pytest.raises(UserError, match="ftp://, http:// or https://"):
        boot_base_url("tftp://h/")


def test_boot_without_a_server_says_where_to_set_it():
    handset = Handset()
    assert handset.press("power") is None
    assert not handset.busy
    assert "Network Configuration" in handset.screen.message
    assert handset.log.outcomes()[-1] == "boot:no_server"


def test_the_provisioning_server_is_set_in_the_menus():
    handset = Handset(HandsetSettings())
    keys = ["soft1", "select", "down", "select", *"456", "soft1"]  # Settings > Advanced
    keys += ["select", "select", "select"]  # Administration Settings > Network > Server
    for key in keys:
        handset.press(key)
    assert handset.screen.node_id == "provisioning_server"
    handset.press(CLEAR := "soft3")
    for ch in "ftp://plcmspip:plcmspip@boot/":
        handset.press(ch)
    handset.press("soft1")
    assert handset.settings.boot_server == "ftp://plcmspip:plcmspip@boot/"
    assert handset.log.outcomes()[-1] == "setting:boot_server"
    assert "***" in handset.screen.message  # the password is not shown
    assert CLEAR == "soft3"
