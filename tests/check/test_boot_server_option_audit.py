"""Audit finding 13: `check --boot-server` values that looked valid but were not."""

from __future__ import annotations

import pytest

from core.check import boot_server_option
from core.errors import UserError
from handset_ca.cli import main


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("https://[::1/", "opens a bracket it does not close"),
        ("https://[::1", "opens a bracket it does not close"),
        ("https://[::1]x/", "opens a bracket it does not close"),
        ("https://x/path?q", "has a query or fragment"),
        ("https://x/?", "has a query or fragment"),
        ("https://x/#top", "has a query or fragment"),
        ("https://x]/", "has a bracket out of place"),
        ("https://a[b/", "has a bracket out of place"),
    ],
)
def test_the_audits_values_are_refused_with_one_sentence(value, words, capsys):
    with pytest.raises(UserError, match=words) as info:
        boot_server_option(value)
    assert str(info.value).count("\n") == 0 and str(info.value).endswith(".")
    code = main(["check", "http://127.0.0.1:9/ca.crt", "--boot-server", value])
    out, err = capsys.readouterr()
    assert code == 2 and not out
    assert err.startswith("handset-ca: ") and err.count("\n") == 1 and words in err


@pytest.mark.parametrize(
    ("value", "host", "port"),
    [
        ("https://[::1]/", "::1", 443),
        ("https://[::1]:8443/", "::1", 8443),
        ("https://[fe80::1]:8443", "fe80::1", 8443),
        ("https://boot.example.com/", "boot.example.com", 443),
        ("https://10.0.0.5:8443/", "10.0.0.5", 8443),
    ],
)
def test_good_values_still_pass(value, host, port):
    server = boot_server_option(value)
    assert (server.host, server.port) == (host, port)
