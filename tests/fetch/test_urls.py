"""URL validation, password masking and the --connect-to map: no network needed."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.fetch import ConnectMap, Failure, fetch, mask_url


@pytest.mark.parametrize(
    ("url", "failure", "words"),
    [
        ("http://boot server/ca.crt", Failure.BAD_URL, "space"),
        ("http://bootserver/ca .crt", Failure.BAD_URL, "space"),
        ("http://bootsérver/ca.crt", Failure.BAD_URL, "non-ASCII character 'é'"),
        ("http://bootserver/ca.crt\n", Failure.BAD_URL, "control character"),
        ("", Failure.BAD_URL, "empty"),
        ("bootserver/ca.crt", Failure.BAD_URL, "does not start with http://"),
        ("://bootserver/ca.crt", Failure.BAD_URL, "does not start with http://"),
        ("http:///ca.crt", Failure.BAD_URL, "no server name"),
        ("http://bootserver:99999/ca.crt", Failure.BAD_URL, "port"),
        ("http://bootserver:abc/ca.crt", Failure.BAD_URL, "port"),
        ("http://bootserver:0/ca.crt", Failure.BAD_URL, "port 0"),
        ("http://[::1/ca.crt", Failure.BAD_URL, "bad host or port"),
        ("http://boot$server/ca.crt", Failure.BAD_URL, "not a valid host name"),
        ("file:///etc/passwd", Failure.SCHEME, "file:"),
        ("gopher://bootserver/ca.crt", Failure.SCHEME, "gopher:"),
        ("mailto:admin@example.com", Failure.SCHEME, "mailto:"),
        ("ftp://bootserver/", Failure.BAD_URL, "names no file"),
        ("ftp://u:p@bootserver/ca%0d%0aDELE%20x", Failure.BAD_URL, "line break"),
    ],
)
async def test_unusable_urls_fail_with_one_clear_sentence(url, failure, words):
    result = await fetch(url, timeout=1)
    assert not result.ok
    assert result.failure is failure
    assert words in result.message
    assert result.message.endswith(".") and result.message.count(". ") == 0


async def test_a_non_string_url_is_a_bad_url_not_a_crash():
    result = await fetch(None, timeout=1)  # type: ignore[arg-type]
    assert result.failure is Failure.BAD_URL


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("ftp://PlcmSpIp:PlcmSpIp@boot/ca.crt", "ftp://PlcmSpIp:***@boot/ca.crt"),
        ("ftp://u:p@ss@boot:21/x?y#z", "ftp://u:***@boot:21/x?y#z"),
        ("ftp://anon@boot/ca.crt", "ftp://anon@boot/ca.crt"),
        ("http://boot/a:b@c", "http://boot/a:b@c"),
        ("not a url", "not a url"),
    ],
)
def test_mask_url_hides_only_the_password(url, masked):
    assert mask_url(url) == masked


def test_connect_map_maps_host_and_port_like_curl():
    cmap = ConnectMap.parse(
        [
            "bootserver1.example.com:80:127.0.0.1:8080",
            "bootserver1.example.com::127.0.0.1:9999",
            ":443:127.0.0.2:8443",
            "[::1]:21:[::1]:2121",
            "keep.example.com:80::8081",
        ]
    )
    assert cmap.resolve("bootserver1.example.com", 80) == ("127.0.0.1", 8080)
    assert cmap.resolve("BootServer1.Example.COM", 80) == ("127.0.0.1", 8080)
    assert cmap.resolve("bootserver1.example.com", 21) == ("127.0.0.1", 9999)
    assert cmap.resolve("anything.example.org", 443) == ("127.0.0.2", 8443)
    assert cmap.resolve("::1", 21) == ("::1", 2121)
    assert cmap.resolve("keep.example.com", 80) == ("keep.example.com", 8081)
    assert cmap.resolve("other.example.org", 80) == ("other.example.org", 80)
    assert len(cmap) == 5


def test_connect_map_first_match_wins_and_add_works():
    cmap = ConnectMap()
    cmap.add("a", None, "127.0.0.1", 1)
    cmap.add("a", 80, "127.0.0.1", 2)
    assert cmap.resolve("a", 80) == ("127.0.0.1", 1)


@pytest.mark.parametrize(
    "spec",
    ["", "a:80:b", "a:80:b:81:c", "a:eighty:b:81", "a:80:b:70000", "[::1:80:b:81", "a b:80:c:81"],
)
def test_connect_map_bad_spec_is_a_user_error(spec):
    with pytest.raises(UserError, match="HOST1:PORT1:HOST2:PORT2"):
        ConnectMap.parse([spec])
