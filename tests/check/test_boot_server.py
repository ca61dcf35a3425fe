"""--boot-server against real HTTPS servers on 127.0.0.1, reached by name via --connect-to."""

from __future__ import annotations

import contextlib
import ssl

import pytest

from core.check import CheckOptions, Level, check_url, check_urls, parse_boot_server
from core.fetch import ConnectMap
from tests.check.certs import key_pem, make_cert, pem
from tests.servers import HTTPServer, free_port

NAME = "boot.example.test"


@contextlib.contextmanager
def https_server(tmp_path, cert, key):
    (tmp_path / "b.crt").write_bytes(pem(cert))
    (tmp_path / "b.key").write_bytes(key_pem(key))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "b.crt", tmp_path / "b.key")
    with HTTPServer({"/": b"boot"}, tls=ctx) as server:
        yield server


def options(port: int, name: str = NAME) -> CheckOptions:
    return CheckOptions(
        boot_servers=[parse_boot_server(f"https://{name}/")],
        connect_to=ConnectMap.parse([f"{name}:443:127.0.0.1:{port}"]),
        timeout=2.0,
    )


async def boot_codes(site, tmp_path, cert, key, name=NAME):
    with https_server(tmp_path, cert, key) as server:
        verdict = await check_url(site.url("/ca.crt"), options(server.port, name))
    (result,) = verdict.boot_servers
    return [r.code for r in verdict.reasons], result


async def test_cn_equal_to_name_passes(site, pki, tmp_path):
    codes, result = await boot_codes(site, tmp_path, pki.server_cert(NAME), pki.server_key)
    assert codes == [] and result.ok and result.cn == NAME


async def test_name_only_in_san(site, pki, tmp_path):
    cert = pki.server_cert("Boot Server", san=[NAME])
    codes, result = await boot_codes(site, tmp_path, cert, pki.server_key)
    assert codes == ["boot-server-san-only"] and not result.ok


async def test_wildcard_cn(site, pki, tmp_path):
    cert = pki.server_cert("*.example.test", san=["*.example.test"])
    codes, _ = await boot_codes(site, tmp_path, cert, pki.server_key)
    assert codes == ["boot-server-wildcard"]


async def test_mismatch(site, pki, tmp_path):
    codes, result = await boot_codes(site, tmp_path, pki.server_cert("other.test"), pki.server_key)
    assert codes == ["boot-server-cn-mismatch"] and result.cn == "other.test"


async def test_ip_address_as_name(site, pki, tmp_path):
    codes, _ = await boot_codes(
        site, tmp_path, pki.server_cert("127.0.0.1"), pki.server_key, name="127.0.0.1"
    )
    assert codes == []


async def test_certificate_from_another_ca_does_not_chain(site, pki, tmp_path):
    other_root = make_cert(pki.other_key, "Other Root")
    cert = make_cert(
        pki.server_key, NAME, issuer_key=pki.other_key, issuer_name=other_root.subject, ca=False
    )
    codes, result = await boot_codes(site, tmp_path, cert, pki.server_key)
    assert codes == ["boot-server-untrusted"]
    assert result.cn == NAME  # still read, so a CN problem would be reported too


async def test_untrusted_and_mismatched_gives_both_reasons(site, pki, tmp_path):
    cert = make_cert(pki.server_key, "wrong.test", ca=False)  # self-signed leaf
    codes, _ = await boot_codes(site, tmp_path, cert, pki.server_key)
    assert codes == ["boot-server-untrusted", "boot-server-cn-mismatch"]


async def test_unreachable_boot_server(site):
    verdict = await check_url(site.url("/ca.crt"), options(free_port()))
    assert [r.code for r in verdict.reasons] == ["boot-server-unreachable"]
    assert verdict.level == Level.FAIL


@pytest.mark.parametrize("count", [30])
async def test_many_urls_share_one_boot_server_check(site, pki, tmp_path, count):
    with https_server(tmp_path, pki.server_cert(NAME), pki.server_key) as server:
        handshakes = []
        record = server.tls.sni_callback

        def counting(sslobj, name, ctx):
            handshakes.append(name)
            return record(sslobj, name, ctx)

        server.tls.sni_callback = counting
        opts = options(server.port)
        opts.concurrency = 10
        verdicts = [v async for v in check_urls([site.url("/ca.crt")] * count, opts)]
    assert handshakes == [NAME]  # one handshake for the 30 URLs serving the same CA
    assert len(verdicts) == count
    assert all(v.level == Level.PASS for v in verdicts)
    assert sorted(v.index for v in verdicts) == list(range(count))


async def test_expired_boot_server_certificate(site, pki, tmp_path):
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC) - timedelta(days=30)
    cert = make_cert(
        pki.server_key, NAME, issuer_key=pki.ca_key, issuer_name=pki.ca.subject, ca=False,
        start=start, days=10,
    )  # fmt: skip
    codes, result = await boot_codes(site, tmp_path, cert, pki.server_key)
    assert codes == ["boot-server-expired"] and result.cn == NAME and not result.ok


async def test_a_case_only_difference_is_a_cn_mismatch_advising_the_lower_case_name(
    site, pki, tmp_path
):
    """A new user's case: CN (and SAN) bootserver1.example.com, --boot-server given with
    capitals. The handset compares plain strings; the name a phone types is lower case."""
    cert = pki.server_cert("bootserver1.example.com", san=["bootserver1.example.com"])
    with https_server(tmp_path, cert, pki.server_key) as server:
        verdict = await check_url(
            site.url("/ca.crt"), options(server.port, "BootServer1.example.com")
        )
    (reason,) = verdict.reasons
    assert reason.code == "boot-server-cn-mismatch" and reason.level == Level.FAIL
    assert "give the handset the name bootserver1.example.com" in reason.message
    assert "CN=BootServer1" not in reason.message


async def test_an_upper_case_cn_equal_to_the_name_warns_that_a_phone_types_lower_case(
    site, pki, tmp_path
):
    cert = pki.server_cert("BootServer2.Example.com", san=["BootServer2.Example.com"])
    with https_server(tmp_path, cert, pki.server_key) as server:
        verdict = await check_url(
            site.url("/ca.crt"), options(server.port, "BootServer2.Example.com")
        )
    (reason,) = verdict.reasons
    assert reason.code == "boot-server-upper-case" and verdict.level == Level.WARN
    assert "CN=bootserver2.example.com" in reason.message
    assert "can never equal" in reason.message
    assert verdict.boot_servers[0].ok  # the handset given that exact string would provision


async def test_a_mismatch_with_an_upper_case_name_advises_the_lower_case_name(site, pki, tmp_path):
    cert = pki.server_cert("other.test")
    with https_server(tmp_path, cert, pki.server_key) as server:
        verdict = await check_url(site.url("/ca.crt"), options(server.port, "Boot.Example.test"))
    (reason,) = verdict.reasons
    assert reason.code == "boot-server-cn-mismatch"
    assert "CN=boot.example.test and give the handset that name" in reason.message
