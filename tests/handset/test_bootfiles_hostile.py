"""Hostile provisioning files, from the audit: a DTD hidden by UTF-16 (a billion-laughs-lite
that printed 4 MB from a 64 KiB file), a huge attribute echoed into the boot log, and a
70 KB master file refused with a sentence about CA certificates."""

from __future__ import annotations

import pytest

from core.handset.bootfiles import (
    DEFAULT_MASTER,
    MAX_FILE_BYTES,
    MAX_SHOWN,
    BootFileError,
    clip,
    parse_config,
    parse_master,
)
from handset_ca.cli import main
from tests.servers import HTTPServer, Route

PROFILE = "device.sec.TLS.profile.caCertList1"


def laughs(encoding: str, bom: bool = False) -> bytes:
    """Three levels of entities: 1000 x 64 x 64 characters (4 MB) from a few KiB."""
    a = "A" * 1000
    b = "&a;" * 64
    c = "&b;" * 64
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<!DOCTYPE polycomConfig [<!ENTITY a "{a}"><!ENTITY b "{b}"><!ENTITY c "{c}">]>\n'
        f'<polycomConfig device.set="1" {PROFILE}.set="1" {PROFILE}="&c;" '
        'CONFIG_FILES="site.cfg"/>\n'
    )
    data = text.encode({"UTF-16LE": "utf-16-le", "UTF-16BE": "utf-16-be"}.get(encoding, encoding))
    if bom and encoding.lower() == "utf-8":
        data = b"\xef\xbb\xbf" + data
    assert len(data) < MAX_FILE_BYTES
    return data


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("UTF-16", True), ("UTF-16BE", False), ("UTF-16LE", False), ("UTF-8", False), ("UTF-8", True)],
)
def test_a_dtd_is_refused_whatever_the_encoding(encoding: str, bom: bool) -> None:
    data = laughs(encoding, bom)
    if encoding.startswith("UTF-16"):
        assert b"<!DOCTYPE" not in data.upper()  # what the byte search looked for
    for parse in (parse_config, parse_master):
        with pytest.raises(BootFileError) as caught:
            parse(data, "site.cfg")
        assert str(caught.value) == (
            "site.cfg has a DOCTYPE or entity declaration, which is refused."
        )


def test_an_internal_subset_without_entities_is_refused_too() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x a="1"/>'.encode("utf-16")
    with pytest.raises(BootFileError, match="DOCTYPE"):
        parse_config(data)


@pytest.mark.parametrize("encoding", ["UTF-16-LE", "shift_jis", "no-such-encoding"])
def test_an_encoding_expat_cannot_read_is_one_sentence(encoding: str) -> None:
    data = f'<?xml version="1.0" encoding="{encoding}"?><x CONFIG_FILES="a.cfg"/>'.encode()
    with pytest.raises(BootFileError) as caught:
        parse_master(data, "site.cfg")
    assert (
        str(caught.value)
        == "site.cfg declares an encoding the handset cannot read; save it as UTF-8."
    )


def test_clip() -> None:
    assert clip("x" * MAX_SHOWN) == "x" * MAX_SHOWN
    assert clip("x" * (MAX_SHOWN + 1)) == "x" * MAX_SHOWN + "\u2026"


def boot(server: HTTPServer, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["rehearse", "--boot", f"http://127.0.0.1:{server.port}/", "--timeout", "5"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def master(*names: str) -> bytes:
    return f'<APPLICATION CONFIG_FILES="{", ".join(names)}"/>'.encode()


def test_the_audits_utf16_laughs_print_one_sentence(capsys) -> None:
    routes = {f"/{DEFAULT_MASTER}": master("site.cfg"), "/site.cfg": laughs("UTF-16", True)}
    with HTTPServer(routes) as server:
        code, shown = boot(server, capsys)
    assert code == 1
    assert "site.cfg has a DOCTYPE or entity declaration, which is refused." in shown
    assert len(shown) < 20_000 and "Traceback" not in shown  # not 4 MB


def test_a_huge_attribute_shows_a_bounded_part(capsys) -> None:
    huge = "B" * 60_000
    config = (
        f'<polycomConfig device.set="1" {PROFILE}.set="1" {PROFILE}="{huge}" x{"y" * 5000}="1"/>'
    ).encode()
    long_name = "n" * 300 + ".cfg"
    routes = {f"/{DEFAULT_MASTER}": master("site.cfg"), "/site.cfg": config}
    with HTTPServer(routes) as server:
        code, shown = boot(server, capsys)
        assert code == 0, shown
        line = next(line for line in shown.splitlines() if PROFILE + " " in line)
        assert line.endswith("\u2026)") and len(line) < 2 * MAX_SHOWN
        assert max(len(line) for line in shown.splitlines()) < 4 * MAX_SHOWN
        assert len(shown) < 20_000
        # A listed name is bounded too: a name that long is refused, and shown clipped.
        server.routes[f"/{DEFAULT_MASTER}"] = master(long_name)
        code, shown = boot(server, capsys)
    assert code == 1 and "which is not a file name on the boot server" in shown
    assert "n" * (MAX_SHOWN + 1) not in shown


def test_a_70_kb_provisioning_file_is_named_as_one(capsys) -> None:
    routes = {f"/{DEFAULT_MASTER}": Route(b"<x/>" + b" " * 70_000, "text/plain")}
    with HTTPServer(routes) as server:
        code, shown = boot(server, capsys)
    assert code == 1
    assert "far too large for a provisioning file" in shown
    assert "CA certificate" not in shown and "ca.crt" not in shown
