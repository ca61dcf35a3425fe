"""A root whose basicConstraints value is junk: the handset refuses it as damaged.

cryptography reads extensions lazily, so the file loads and only
``cert.extensions`` raises; rehearse and check must still say one sentence.
"""

from __future__ import annotations

from datetime import timedelta

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from core.check import CheckOptions, check_url
from core.handset.accept import DAMAGED, accept_certificate_file
from handset_ca.cli import main
from tests.handset.certs import NOW, new_key, pem
from tests.servers import HTTPServer, Route, build_cert, subject_name

JUNK = x509.UnrecognizedExtension(ExtensionOID.BASIC_CONSTRAINTS, b"junk")


def junk_root() -> x509.Certificate:
    return build_cert(
        new_key(),
        subject_name("Junk Root CA", "handset-ca tests"),
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=30),
        ca=None,
        extensions=[(JUNK, True)],
    )


def test_accept_calls_a_junk_basic_constraints_damaged():
    verdict = accept_certificate_file(pem(junk_root()))
    assert not verdict.ok and verdict.code == DAMAGED
    assert verdict.explanation.endswith(".") and "\n" not in verdict.explanation


def test_rehearse_refuses_it_in_one_sentence(capsys):
    with HTTPServer({"/ca.crt": Route(pem(junk_root()))}) as server:
        code = main(["rehearse", server.url("/ca.crt"), "--quiet", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err and "ValueError" not in out + err
    assert "damaged" in out + err


async def test_check_gives_the_damaged_reason():
    with HTTPServer({"/ca.crt": Route(pem(junk_root()))}) as server:
        verdict = await check_url(server.url("/ca.crt"), CheckOptions(timeout=3))
    assert [r.code for r in verdict.reasons] == ["file-damaged"]
    assert verdict.handset_accepts is False
