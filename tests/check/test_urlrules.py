"""URL typing and scheme rules: what a technician can type on the handset."""

from __future__ import annotations

import pytest

from core.check.urlrules import analyse_url
from core.check.verdict import Level
from core.redact import mask_url, mask_urls_in


def codes(url: str) -> list[str]:
    return [r.code for r in analyse_url(url).reasons]


def test_bulletin_ftp_example_warns_for_upper_case_and_is_fetched_in_lower_case():
    report = analyse_url("ftp://PlcmSpIp:PlcmSpIp@bootserver1.spectralink.com/ca.crt")
    (reason,) = report.reasons
    assert reason.code == "upper-case" and reason.level == Level.WARN
    assert "lower case only" in reason.message
    assert "user name or password" in reason.message
    # the lower-case URL the handset sends, password masked, is the one fetched
    assert "ftp://plcmspip:***@bootserver1.spectralink.com/ca.crt" in reason.message
    assert report.fetch_url == "ftp://plcmspip:plcmspip@bootserver1.spectralink.com/ca.crt"
    assert "PlcmSpIp:PlcmSpIp" not in report.display
    assert report.display == "ftp://PlcmSpIp:***@bootserver1.spectralink.com/ca.crt"


def test_an_all_upper_case_url_is_suggested_all_in_lower_case():
    """The phone types every character in lower case, the host and scheme too."""
    report = analyse_url("HTTP://BOOTSERVER1.EXAMPLE.COM/CA.CRT")
    (reason,) = report.reasons
    assert reason.code == "upper-case"
    assert "downloads http://bootserver1.example.com/ca.crt," in reason.message
    assert "BOOTSERVER1" not in reason.message
    assert report.fetch_url == "http://bootserver1.example.com/ca.crt"


def test_lower_case_bulletin_urls_pass_the_typing_rules():
    assert codes("http://bootserver1.spectralink.com/ca.crt") == []
    assert codes("ftp://plcmspip:plcmspip@bootserver1.spectralink.com/ca.crt") == []


def test_upper_case_in_host_and_scheme_is_fine_but_not_in_path():
    assert codes("HTTP://BootServer1.Example.COM/ca.crt") == []
    report = analyse_url("http://boot/CA.crt")
    assert [r.code for r in report.reasons] == ["upper-case"]
    assert "the path" in report.reasons[0].message
    assert "http://boot/ca.crt" in report.reasons[0].message
    assert report.fetch_url == "http://boot/ca.crt"  # what the handset types


def test_percent_escape_hex_digits_are_not_upper_case_letters():
    assert codes("http://boot/my%2Fca.crt") == []


@pytest.mark.parametrize("url", ["tftp://boot/ca.crt", "file:///etc/ca.crt", "ldap://x/y"])
def test_other_schemes_fail(url):
    report = analyse_url(url)
    assert [r.code for r in report.reasons] == ["scheme"]
    assert not report.fetchable


def test_missing_scheme_is_checked_as_http_with_a_warning():
    report = analyse_url("boot.example.com/ca.crt")
    assert report.fetch_url == "http://boot.example.com/ca.crt"
    assert [(r.code, r.level) for r in report.reasons] == [("no-scheme", Level.WARN)]
    assert "checked as http://boot.example.com/ca.crt" in report.reasons[0].message


def test_missing_scheme_and_upper_case_is_checked_as_typed():
    report = analyse_url("Boot.example.com/CA.crt")
    assert report.fetch_url == "http://boot.example.com/ca.crt"
    assert report.display == "http://Boot.example.com/CA.crt"
    assert [r.code for r in report.reasons] == ["no-scheme", "upper-case"]


@pytest.mark.parametrize(
    ("given", "entered"),
    [
        ("http://boot/ca.crt", "http://boot/ca.crt"),
        ("HTTP://Boot/CA.crt", "http://boot/ca.crt"),
        ("boot/CA.crt", "http://boot/ca.crt"),
        ("HTTPS://Boot/CA.crt", "https://boot/ca.crt"),
        ("ftp://PlcmSpIp:PlcmSpIp@boot/ca.crt", "ftp://plcmspip:plcmspip@boot/ca.crt"),
        ("  http://boot/ca.crt  ", "http://boot/ca.crt"),
    ],
)
def test_the_checked_url_is_the_one_the_handset_downloads(given, entered):
    """Type it key by key on an emulated handset as a technician would: the download
    it asks for is the URL the checker fetches."""
    from core.handset import Download, Handset
    from core.handset.procedure import entered_url, url_keystrokes
    from tests.handset.keys import to_url_entry, type_text

    handset = Handset()
    to_url_entry(handset)
    keep, text = url_keystrokes(given)
    if not keep:
        for _ in range(len("http://")):
            handset.press("backspace")
    type_text(handset, text)
    assert handset.press("soft1") == Download(entered)
    assert entered_url(given) == entered == analyse_url(given).fetch_url


def test_a_space_gets_advice_for_the_part_it_is_in():
    (host,) = [r for r in analyse_url("not a url").reasons if r.code == "space"]
    assert "host name contains a space" in host.message and "rename" not in host.message
    (user,) = [r for r in analyse_url("ftp://a b:pw@boot/ca.crt").reasons if r.code == "space"]
    assert "user name or password contains a space" in user.message
    (path,) = analyse_url("http://boot/my ca.crt").reasons
    assert "rename the file or folder on the server" in path.message


def test_space_and_non_ascii_each_have_their_own_reason():
    assert codes("http://boot/my ca.crt") == ["space"]
    report = analyse_url("http://boot/zertifikat-ä.crt")
    assert [r.code for r in report.reasons] == ["non-ascii"]
    assert "ä" in report.reasons[0].message


@pytest.mark.parametrize("url", ["", "   ", "http://", "http:///ca.crt", "http://boot/\x00"])
def test_unusable_urls(url):
    report = analyse_url(url)
    assert [r.code for r in report.reasons] == ["bad-url"]
    assert not report.fetchable


def test_mask_url():
    assert mask_url("ftp://u:p@h/x") == "ftp://u:***@h/x"
    assert mask_url("ftp://u@h/x") == "ftp://u@h/x"
    assert mask_url("http://h/a@b") == "http://h/a@b"


def test_mask_urls_in_text():
    line = "fetch of ftp://plcmspip:s3cret@10.0.0.5/ca.crt failed; try http://a:b@h/"
    assert mask_urls_in(line) == (
        "fetch of ftp://plcmspip:***@10.0.0.5/ca.crt failed; try http://a:***@h/"
    )
