"""ca.srl handled as `openssl x509 -req -CAserial` does."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.pki import serial


@pytest.mark.parametrize(
    ("text", "value"),
    [("01\n", 1), ("0A\n", 10), ("ff", 255), ("1234\\\n5678\n", 0x12345678), ("  7F  \n", 127)],
)
def test_parse(text, value):
    assert serial.parse_serial(text) == value


@pytest.mark.parametrize(("value", "text"), [(1, "01\n"), (255, "FF\n"), (256, "0100\n")])
def test_format_is_whole_upper_case_bytes(value, text):
    assert serial.format_serial(value) == text


def test_reserve_adds_one_and_records_the_serial_used(tmp_path):
    path = tmp_path / "ca.srl"
    path.write_text("0FFF\n")
    assert serial.reserve(path) == 0x1000
    assert path.read_text() == "1000\n"
    assert serial.reserve(path, 3) == 0x1001
    assert path.read_text() == "1003\n"


def test_missing_file_starts_at_a_random_positive_serial(tmp_path):
    first = serial.reserve(tmp_path / "a.srl")
    second = serial.reserve(tmp_path / "b.srl")
    assert first > 1 and second > 1 and first != second
    assert serial.parse_serial((tmp_path / "a.srl").read_text()) == first
    assert first < 1 << 159


@pytest.mark.parametrize("content", [b"", b"not hex\n", b"\xff\xfe"])
def test_a_broken_serial_file_is_refused_and_kept(tmp_path, content):
    path = tmp_path / "ca.srl"
    path.write_bytes(content)
    with pytest.raises(UserError, match="is not an openssl serial file"):
        serial.reserve(path)
    assert path.read_bytes() == content


def test_the_largest_serial_is_refused(tmp_path):
    path = tmp_path / "ca.srl"
    path.write_text(serial.format_serial(serial.MAX_SERIAL))
    with pytest.raises(UserError, match="largest serial"):
        serial.reserve(path)
