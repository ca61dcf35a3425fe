"""`fleet simulate` reaches only this machine unless --i-own-this-server, whatever the
server says: the audit's case is a loopback server whose 302 points at 203.0.113.7.

Every test records each socket connect in this process (asyncio's, anyio's and
ftplib's all go through socket.socket.connect) and refuses any beyond loopback
itself, so not one packet leaves even if the guard were gone; the assertions then
show the guard refused first.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl

import pytest

from core.fetch import ConnectMap, Failure, fetch, tls_handshake
from core.handset.bootfiles import DEFAULT_MAC, DEFAULT_MASTER, master_name
from core.handset.storm import boot_storm, loopback_only
from handset_ca.cli import main
from tests.servers import HTTPServer, redirect

ELSEWHERE = "203.0.113.7"  # TEST-NET-3: never to be contacted


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address this process connects a socket to; anything not loopback is refused."""
    seen: list[tuple[str, int]] = []
    original = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        if isinstance(address, tuple):
            host, port = str(address[0]), int(address[1])
            seen.append((host, port))
            if not ipaddress.ip_address(host.split("%")[0]).is_loopback:
                raise ConnectionRefusedError(f"test: no packet to {host}")
        return original(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def remote(seen: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [a for a in seen if not ipaddress.ip_address(a[0].split("%")[0]).is_loopback]


@pytest.fixture
def redirecting():
    """A loopback boot server whose master files are a 302 to 203.0.113.7."""
    elsewhere = redirect(f"http://{ELSEWHERE}:8080/")
    routes = {f"/{master_name(DEFAULT_MAC)}": elsewhere, f"/{DEFAULT_MASTER}": elsewhere}
    with HTTPServer(routes) as server:
        yield server


async def test_a_redirect_elsewhere_is_refused_before_connecting(redirecting, connects) -> None:
    url = f"http://127.0.0.1:{redirecting.port}/"
    report = await boot_storm(url, 3, 3, timeout=5)
    assert report.ok == 0 and report.failures == {"not_allowed": 3}
    example = report.examples["not_allowed"]
    assert f"Refused to connect to {ELSEWHERE}:8080" in example
    assert "--i-own-this-server" in example
    assert connects and not remote(connects)  # the loopback server was reached, nothing else


def test_fleet_simulate_counts_the_refusal_as_a_failure(redirecting, connects, capsys) -> None:
    url = f"http://127.0.0.1:{redirecting.port}/"
    assert main(["fleet", "simulate", "--boot", url, "--count", "4", "--timeout", "5"]) == 1
    out = capsys.readouterr().out
    assert "failed: 4" in out and "not_allowed: 4" in out and "Traceback" not in out
    assert not remote(connects)


async def test_the_guard_sees_addresses_after_connect_to(connects) -> None:
    # --connect-to may send a loopback-looking name anywhere: the mapped address counts.
    guarded = ConnectMap.parse([f"127.0.0.1:9:{ELSEWHERE}:80"]).guarded(loopback_only)
    result = await fetch("http://127.0.0.1:9/ca.crt", connect_to=guarded, timeout=5)
    assert result.failure is Failure.NOT_ALLOWED
    assert result.message.startswith(f"Refused to connect to {ELSEWHERE}:80:")
    # ftp and the provisioning handshake go past the same guard.
    only = ConnectMap().guarded(loopback_only)
    ftp = await fetch(f"ftp://u:p@{ELSEWHERE}/000000000000.cfg", connect_to=only, timeout=5)
    assert ftp.failure is Failure.NOT_ALLOWED
    tls = await tls_handshake(
        "bootserver1.example.com",
        443,
        ssl_context=ssl.create_default_context(),
        connect_to=only,
        timeout=5,
    )
    assert tls.failure is Failure.NOT_ALLOWED and "bootserver1.example.com:443" in tls.message
    assert connects == []


async def test_an_owned_server_is_not_guarded(redirecting, connects) -> None:
    url = f"http://127.0.0.1:{redirecting.port}/"
    report = await boot_storm(url, 1, 1, timeout=5, owned=True)
    # It tried to follow the redirect (our recorder refused the packet, not the guard).
    assert (ELSEWHERE, 8080) in remote(connects)
    assert "not_allowed" not in report.failures
