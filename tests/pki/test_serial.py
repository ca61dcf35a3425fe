"""ca.srl handled as `openssl x509 -req -CAserial` does."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.pki import serial

# Each case checked against openssl 3.0 (`openssl x509 -req -CAserial`); the e2e test
# tests/e2e/pki/test_serial_openssl.py runs them through the real binary.
READ_AS_OPENSSL = [
    ("01\n", 1),
    ("0A\n", 10),
    ("ff", 255),
    ("12\n34", 0x12),  # openssl reads the first line only
    ("7F  \n", 0x7F),  # what follows the digits is ignored
    ("FFxy\n", 0xFF),
    ("7f\r\n", 0x7F),
    ("00FF", 0xFF),  # a leading 00 is dropped
    ("00", 0),
    ("123\\\n45\n", 0x1245),  # a continued line loses the digit before the backslash
]
REFUSED_BY_OPENSSL = [
    "0x1F", "+10", "1_0", "-0", "F", "123", "000", "  7F  \n", "\t7F", "", "\n",
    "1234\\\n5678\n", "1\\\n23\n", "A" * 1030,
]  # fmt: skip


@pytest.mark.parametrize(("text", "value"), READ_AS_OPENSSL)
def test_parse_reads_as_openssl(text, value):
    assert serial.parse_serial(text) == value


@pytest.mark.parametrize("text", REFUSED_BY_OPENSSL)
def test_what_openssl_refuses_is_refused_with_a_sentence(tmp_path, text):
    path = tmp_path / "ca.srl"
    path.write_text(text)
    with pytest.raises(UserError, match='"unable to load number"') as info:
        serial.reserve(path)
    assert str(info.value).endswith("fix or move it away.")
    assert path.read_text() == text


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
