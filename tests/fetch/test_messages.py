"""Every failure kind, against real servers: one sentence each, its own, no secrets."""

from __future__ import annotations

import re

from core.fetch import ConnectMap, Failure, fetch
from core.handset.storm import loopback_only
from tests.fetch.conftest import TIMEOUT
from tests.servers import (
    HTTPServer,
    Route,
    endless,
    free_port,
    gzip_bomb,
    not_found,
    redirect,
)

SECRET = "t0p-secr3t"


async def test_each_failure_kind_has_its_own_one_sentence_message(
    silent, tls_web, ftp, trusting, ca_pem
):
    routes = {
        "/404": not_found(),
        "/loop": redirect("/loop"),
        "/to-file": redirect("file:///etc/passwd"),
        "/endless": endless(),
        "/bomb": gzip_bomb(),
        "/br": Route(ca_pem, headers={"Content-Encoding": "br"}),
    }
    with HTTPServer(routes) as web:
        cases = {
            Failure.BAD_URL: await fetch("http://boot server/ca.crt"),
            Failure.SCHEME: await fetch(web.url("/to-file")),
            Failure.NOT_RESOLVED: await fetch("http://no-such-host.invalid/", timeout=2),
            Failure.REFUSED: await fetch(f"http://127.0.0.1:{free_port()}/"),
            Failure.TIMEOUT: await fetch(silent.url("http"), timeout=TIMEOUT),
            Failure.TLS_UNTRUSTED: await fetch(tls_web.url("/ca.crt")),
            Failure.TLS_ERROR: await fetch(
                f"https://127.0.0.1:{web.port}/404", ssl_context=trusting
            ),
            Failure.HTTP_STATUS: await fetch(web.url("/404")),
            Failure.TOO_LARGE: await fetch(web.url("/endless")),
            Failure.REDIRECTS: await fetch(web.url("/loop")),
            Failure.FTP_LOGIN: await fetch(
                ftp.url("/ca.crt", user="plcmspip", password=SECRET), timeout=2
            ),
            Failure.NOT_FOUND: await fetch(
                ftp.url("/nope", user="plcmspip", password="s3cr%40t%3Apw"), timeout=2
            ),
            Failure.NETWORK: await fetch(web.url("/br")),
            # fleet simulate's guard: refused before any connection is made
            Failure.NOT_ALLOWED: await fetch(
                "http://203.0.113.7/ca.crt", connect_to=ConnectMap().guarded(loopback_only)
            ),
        }
        bomb = await fetch(web.url("/bomb"))
    assert set(cases) == set(Failure)  # a new kind needs a case here
    for kind, result in cases.items():
        assert result.failure is kind, (kind, result.message)
        message = result.message
        assert message[0].isupper() and message.endswith("."), message
        assert "\n" not in message and not re.search(r"\.\s+[A-Z]", message), message
        assert "Traceback" not in message and "Error(" not in message, message
        assert SECRET not in message and SECRET not in result.final_url
    assert len({r.message for r in cases.values()}) == len(cases)
    assert bomb.failure is Failure.TOO_LARGE


async def test_messages_name_the_typed_server_not_only_the_mapped_one():
    port = free_port()
    cmap = ConnectMap.parse([f"bootserver1.example.com:80:127.0.0.1:{port}"])
    result = await fetch("http://bootserver1.example.com/ca.crt", connect_to=cmap)
    assert result.failure is Failure.REFUSED
    assert "bootserver1.example.com:80" in result.message
