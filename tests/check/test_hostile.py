"""Hostile and broken servers on 127.0.0.1: none hangs, none crashes, each its own reason."""

from __future__ import annotations

import time

import pytest

from core.check import CheckOptions, Level, check_url
from tests.servers import SilentServer, free_port

TIMEOUT = 1.0


async def run(url: str, timeout: float = TIMEOUT):
    started = time.monotonic()
    verdict = await check_url(url, CheckOptions(timeout=timeout))
    elapsed = time.monotonic() - started
    assert elapsed < timeout + 1.5, f"{url} took {elapsed:.1f}s"
    return verdict


def codes(verdict) -> list[str]:
    return [r.code for r in verdict.reasons]


async def test_good_root_passes(site, pki):
    verdict = await run(site.url("/ca.crt"))
    assert verdict.level == Level.PASS, verdict.reasons
    assert verdict.reasons == []
    assert verdict.status == 200
    assert verdict.certificate.cn == "Root CA"


async def test_nothing_listening():
    verdict = await run(f"http://127.0.0.1:{free_port()}/ca.crt")
    assert codes(verdict) == ["fetch-refused"]
    assert verdict.fetch_failure == "refused"


async def test_name_that_does_not_resolve():
    verdict = await run("http://no-such-boot-server.invalid/ca.crt")
    assert codes(verdict) == ["fetch-not-resolved"]


async def test_accepts_and_never_answers():
    with SilentServer() as silent:
        verdict = await run(silent.url())
    assert codes(verdict) == ["fetch-timeout"]
    assert "did not answer" in verdict.reasons[0].message


async def test_server_that_reads_the_request_and_never_answers(site):
    verdict = await run(site.url("/hang"))
    assert codes(verdict) == ["fetch-timeout"]


async def test_trickle_one_byte_a_second_still_stops_at_the_total_timeout(site):
    started = time.monotonic()
    verdict = await run(site.url("/trickle"), timeout=1.5)
    assert time.monotonic() - started < 2.5
    assert codes(verdict) == ["fetch-timeout"]
    assert "too slowly" in verdict.reasons[0].message


async def test_huge_body_is_cut_at_the_cap(site):
    verdict = await run(site.url("/huge"))
    assert codes(verdict) == ["fetch-too-large"]
    assert "too large" in verdict.reasons[0].message


async def test_gzip_bomb_is_cut_at_the_cap(site):
    verdict = await run(site.url("/bomb"))
    assert codes(verdict) == ["fetch-too-large"]
    assert verdict.size <= 64 * 1024


async def test_redirect_loop(site):
    verdict = await run(site.url("/loop"))
    assert codes(verdict) == ["fetch-redirects"]


async def test_redirect_to_another_scheme(site):
    verdict = await run(site.url("/to-ftp"))
    assert codes(verdict) == ["fetch-scheme"]
    assert "ftp" in verdict.reasons[0].message


async def test_redirect_to_the_certificate_is_followed(site):
    verdict = await run(site.url("/moved"))
    assert verdict.level == Level.PASS and verdict.final_url.endswith("/ca.crt")


@pytest.mark.parametrize("path,status", [("/404", 404), ("/500", 500)])
async def test_http_error_statuses(site, path, status):
    verdict = await run(site.url(path))
    assert codes(verdict) == ["fetch-http-status"]
    assert verdict.status == status and str(status) in verdict.reasons[0].message


async def test_html_page(site):
    verdict = await run(site.url("/index.html"))
    assert codes(verdict) == ["file-html"]
    assert "web page" in verdict.reasons[0].message


async def test_der_file_is_refused_but_identified(site, pki):
    from core.check.certrules import cert_info

    verdict = await run(site.url("/ca.der"))
    assert codes(verdict) == ["file-der"]
    assert "Base 64 (PEM)" in verdict.reasons[0].message
    assert verdict.certificate.sha256 == cert_info(pki.ca).sha256  # still identified
    assert verdict.handset_accepts is False


async def test_pem_holding_a_key_says_the_key_is_exposed(site):
    verdict = await run(site.url("/with-key.pem"))
    assert codes(verdict) == ["file-private-key"]
    assert "exposes a PRIVATE KEY" in verdict.reasons[0].message


async def test_empty_file(site):
    verdict = await run(site.url("/empty"))
    assert codes(verdict) == ["file-empty"]


async def test_bytes_not_utf8(site):
    verdict = await run(site.url("/not-utf8"))
    assert codes(verdict) == ["file-not-a-certificate"]


async def test_url_with_space_and_non_ascii(site):
    verdict = await run(site.url("/my ca.crt"))
    assert codes(verdict) == ["space"]
    verdict = await run(site.url("/zertifikät.crt"))
    assert codes(verdict) == ["non-ascii"]
    verdict = await run(site.url("/my%20ca.crt"))  # percent-encoded: typeable, served
    assert verdict.level == Level.PASS, verdict.reasons


async def test_upper_case_path_is_fetched_as_the_handset_types_it(site):
    """The handset types /upper/ca.crt; the server has only /upper/CA.crt."""
    verdict = await run(site.url("/upper/CA.crt"))
    assert codes(verdict) == ["upper-case", "fetch-http-status"]
    assert verdict.level == Level.FAIL and verdict.handset_accepts is False
    assert verdict.final_url.endswith("/upper/ca.crt")


async def test_upper_case_path_warns_when_the_lower_case_file_is_served(site):
    verdict = await run(site.url("/CA.crt"))
    assert codes(verdict) == ["upper-case"]
    assert verdict.level == Level.WARN and verdict.handset_accepts is True
    assert verdict.certificate is not None and verdict.final_url.endswith("/ca.crt")


async def test_server_certificate_and_weak_key_rules_apply_to_served_files(site):
    verdict = await run(site.url("/server.crt"))
    assert codes(verdict) == ["not-ca", "not-root"]
    verdict = await run(site.url("/weak.crt"))
    assert codes(verdict) == ["weak-key"]


async def test_https_url_not_trusted_by_builtin_list(tmp_path, pki):
    from tests.check.certs import pem
    from tests.servers import HTTPServer, make_test_pki

    test_pki = make_test_pki(tmp_path)
    with HTTPServer({"/ca.crt": pem(pki.ca)}, tls=test_pki.server_context()) as server:
        verdict = await run(server.url("/ca.crt"))
    assert codes(verdict) == ["https-untrusted"]
    assert "built-in list" in verdict.reasons[0].message


async def test_expired_root_gets_one_reason_not_two(pki):
    from datetime import UTC, datetime, timedelta

    from tests.check.certs import make_cert, pem
    from tests.servers import HTTPServer

    start = datetime.now(UTC) - timedelta(days=30)
    expired = make_cert(pki.ca_key, start=start, days=10)
    with HTTPServer({"/ca.crt": pem(expired)}) as server:
        verdict = await run(server.url("/ca.crt"))
    assert codes(verdict) == ["expired"]  # the handset's refusal and the rule agree


async def test_v1_root_without_basic_constraints_is_a_warning_as_the_handset_takes_it(pki):
    from tests.check.certs import make_cert, pem
    from tests.servers import HTTPServer

    with HTTPServer({"/ca.crt": pem(make_cert(pki.ca_key, ca=None))}) as server:
        verdict = await run(server.url("/ca.crt"))
    assert codes(verdict) == ["no-ca-flag"]
    assert verdict.handset_accepts and verdict.level == Level.WARN
