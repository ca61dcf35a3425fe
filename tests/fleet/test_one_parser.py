"""Fleet files are read back by the handset's own parser (core.handset.bootfiles), with
the stricter limit of each former reader kept: 64 KiB, 10,000 elements, an APPLICATION
element in a master file; and one MAC rule."""

from __future__ import annotations

import pytest

from core.fleet import DEFAULT_MAC, mac_problem, normalize_mac
from core.handset.bootfiles import (
    DEFAULT_MASTER,
    MAX_ELEMENTS,
    MAX_FILE_BYTES,
    BootFileError,
    check_mac,
    master_name,
    merge,
    parse_config,
    parse_master,
)


def test_more_elements_than_the_cap_are_refused_before_any_tree():
    data = b"<c>" + b"<a/>" * MAX_ELEMENTS + b"</c>"
    assert len(data) <= MAX_FILE_BYTES
    with pytest.raises(BootFileError, match=f"more than {MAX_ELEMENTS} XML elements"):
        parse_config(data, "site.cfg")
    assert parse_config(b"<c>" + b"<a/>" * (MAX_ELEMENTS - 1) + b"</c>") == {}


def test_a_master_file_needs_its_application_element():
    with pytest.raises(BootFileError, match="has no APPLICATION element"):
        parse_master(b'<APP CONFIG_FILES="site.cfg"/>', "x.cfg")
    assert parse_master(b'<APPLICATION CONFIG_FILES="a.cfg, site.cfg"/>') == ["a.cfg", "site.cfg"]


def test_the_file_listed_earlier_wins():
    assert merge([{"a": "own"}, {"a": "site", "b": "1"}]) == {"a": "own", "b": "1"}


def test_one_mac_rule():
    assert normalize_mac(" 00:04:F2-AA:BB:01 ") == check_mac("00:04:F2-AA:BB:01") == "0004f2aabb01"
    assert normalize_mac("0004f2") is None
    assert master_name(DEFAULT_MAC) == DEFAULT_MASTER
    assert mac_problem(DEFAULT_MAC) is not None  # the default master's name, not a handset
