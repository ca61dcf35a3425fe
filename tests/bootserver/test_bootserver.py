"""core.bootserver against real clients: http.client, ssl, ftplib, the openssl binary."""

from __future__ import annotations

import ftplib
import http.client
import io
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from core.bootserver import (
    DER_TYPE,
    FTP_PASSWORD,
    FTP_USER,
    PEM_TYPE,
    BootServer,
    Request,
)
from core.errors import UserError
from tests.bootserver.conftest import ENCRYPTED_NAME, KEY_PASS, NAME

# Paths that must never be served: keys, the serial file, the log, traversal, the unpublished.
FORBIDDEN = [
    "/ca.key",
    "/../ca.key",
    "/%2e%2e/ca.key",
    "/..%2fca.key",
    "/issued/bootserver1.example.com/server.key",
    "/issued/bootserver1.example.com/server.crt",
    "/server.key",
    "/ca.srl",
    "/audit.log",
    "/etc/passwd",
    "/../../../../etc/passwd",
    "/ca.crt/",
    "/ca.crt/..",
    "/index.html",
]


class Log:
    """The request log callback, thread-safe, for assertions."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def wait(self, count: int) -> list[Request]:
        """The first ``count`` requests; FTP logs just after the client has its answer."""
        for _ in range(100):
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            threading.Event().wait(0.02)
        raise AssertionError(f"expected {count} logged requests, got {self.requests}")

    def text(self) -> str:
        with self._lock:
            return "\n".join(str(r) for r in self.requests)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()


@pytest.fixture(scope="module")
def shared_log() -> Log:
    return Log()


@pytest.fixture(scope="module")
def running(bulletin_workspace: Path, shared_log: Log):
    """One server for the module: stopping takes a few tenths of a second."""
    with BootServer(bulletin_workspace, name=NAME, log=shared_log) as server:
        yield server


@pytest.fixture
def log(shared_log: Log) -> Log:
    shared_log.clear()
    return shared_log


@pytest.fixture
def server(running: BootServer, log: Log) -> BootServer:
    return running


def client_context(workspace: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(workspace / "ca.crt"))
    context.check_hostname = False  # the handset compares the CN itself
    return context


def get(
    port: int, path: str, *, tls: ssl.SSLContext | None = None, method: str = "GET"
) -> tuple[int, str, bytes]:
    """One request with the path sent exactly as given (http.client does not normalise it)."""
    if tls is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    else:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=tls)
    try:
        conn.putrequest(method, path, skip_host=True)
        conn.putheader("Host", NAME)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def openssl_out(*args: str) -> bytes:
    return subprocess.run(["openssl", *args], check=True, capture_output=True).stdout


def ftp_login(port: int, user: str = FTP_USER, password: str = FTP_PASSWORD) -> ftplib.FTP:
    ftp = ftplib.FTP(timeout=5)
    ftp.connect("127.0.0.1", port)
    ftp.login(user, password)
    return ftp


def ftp_get(ftp: ftplib.FTP, path: str) -> bytes:
    buf = io.BytesIO()
    ftp.retrbinary(f"RETR {path}", buf.write)
    return buf.getvalue()


# --- what is published --------------------------------------------------------------


def test_http_serves_ca_as_pem_and_der(server: BootServer, bulletin_workspace: Path):
    ca = bulletin_workspace / "ca.crt"
    status, ctype, body = get(server.http_port, "/ca.crt")
    assert (status, ctype) == (200, PEM_TYPE)
    assert body == openssl_out("x509", "-in", str(ca), "-outform", "PEM")
    status, ctype, body = get(server.http_port, "/ca.der")
    assert (status, ctype) == (200, DER_TYPE)
    assert body == openssl_out("x509", "-in", str(ca), "-outform", "DER")


def test_head_sends_headers_only(server: BootServer, log: Log):
    status, _ctype, body = get(server.http_port, "/ca.crt", method="HEAD")
    assert (status, body) == (200, b"")
    assert log.requests[-1].nbytes == 0


def test_https_presents_the_issued_certificate_and_the_provisioning_file(
    server: BootServer, bulletin_workspace: Path
):
    tls = client_context(bulletin_workspace)
    status, ctype, body = get(server.https_port, "/", tls=tls)
    assert (status, ctype) == (200, "application/xml")
    assert body.startswith(b"<?xml") and NAME.encode() in body
    assert get(server.https_port, "/ca.crt", tls=tls)[:2] == (200, PEM_TYPE)
    with (
        socket.create_connection(("127.0.0.1", server.https_port), timeout=5) as raw,
        tls.wrap_socket(raw, server_hostname=NAME) as conn,
    ):
        leaf = conn.getpeercert(binary_form=True)
    served = ssl.DER_cert_to_PEM_cert(leaf).encode()
    issued = bulletin_workspace / "issued" / NAME / "server.crt"
    assert served == openssl_out("x509", "-in", str(issued))
    assert server.https_cn == NAME


def test_plain_http_has_no_provisioning_file(server: BootServer):
    assert get(server.http_port, "/")[0] == 404


def test_ftp_lists_only_public_files_and_serves_them(server: BootServer, bulletin_workspace):
    ftp = ftp_login(server.ftp_port)
    try:
        # The CA and the provisioning files a handset boots from: all public, no key.
        assert sorted(ftp.nlst()) == ["000000000000.cfg", "ca.crt", "ca.der", "site.cfg"]
        assert ftp_get(ftp, "/ca.crt") == (bulletin_workspace / "ca.crt").read_bytes()
    finally:
        ftp.quit()


# --- the 404 cases ----------------------------------------------------------------------


@pytest.mark.parametrize("path", FORBIDDEN)
def test_http_refuses_anything_unpublished(server: BootServer, path: str):
    status, _ctype, body = get(server.http_port, path)
    assert status == 404
    assert b"PRIVATE KEY" not in body and b"CERTIFICATE" not in body


@pytest.mark.parametrize("path", FORBIDDEN)
def test_https_refuses_anything_unpublished(server: BootServer, bulletin_workspace, path):
    status, _ctype, body = get(server.https_port, path, tls=client_context(bulletin_workspace))
    assert status == 404
    assert b"PRIVATE KEY" not in body and b"CERTIFICATE" not in body


def test_other_methods_are_refused(server: BootServer):
    assert get(server.http_port, "/ca.crt", method="POST")[0] == 501
    assert get(server.http_port, "/ca.crt", method="PUT")[0] == 501


FTP_FORBIDDEN = [
    "ca.key",
    "/ca.key",
    "../ca.key",
    "/../../ca.key",
    "issued/bootserver1.example.com/server.key",
    "../issued/bootserver1.example.com/server.key",
    "ca.srl",
    "/etc/passwd",
    "../../../../etc/passwd",
]


def test_ftp_refuses_anything_unpublished(server: BootServer, log: Log):
    ftp = ftp_login(server.ftp_port)
    try:
        for path in FTP_FORBIDDEN:
            with pytest.raises(ftplib.error_perm, match=r"^550"):
                ftp_get(ftp, path)
        with pytest.raises(ftplib.error_perm, match=r"^55"):
            ftp.storbinary("STOR ca.key", io.BytesIO(b"x"))
        with pytest.raises(ftplib.error_perm, match=r"^550"):
            ftp.cwd("/../issued")
    finally:
        ftp.quit()
    refused = [r for r in log.wait(len(FTP_FORBIDDEN)) if r.status == 550]
    assert len(refused) == len(FTP_FORBIDDEN)


def test_ftp_home_holds_only_public_files(server: BootServer):
    home = server._ftp_home
    assert home is not None
    assert sorted(p.name for p in home.iterdir()) == [
        "000000000000.cfg",
        "ca.crt",
        "ca.der",
        "site.cfg",
    ]


@pytest.mark.parametrize(
    ("user", "password"),
    [("PlcmSpIp", "PlcmSpIp"), (FTP_USER, "PlcmSpIp"), ("anonymous", "guest@")],
)
def test_ftp_refuses_other_accounts(server: BootServer, log: Log, user: str, password: str):
    with pytest.raises(ftplib.error_perm, match=r"^530"):
        ftp_login(server.ftp_port, user, password)
    assert log.wait(1)[-1].status == 530
    assert password not in log.text() or password == user  # a password is never logged


# --- the log --------------------------------------------------------------------------


def test_log_has_client_path_status_bytes_and_no_secret(server: BootServer, log: Log):
    get(server.http_port, "/ca.crt?token=hunter2")
    get(server.http_port, "/ca.key")
    ftp = ftp_login(server.ftp_port)
    ftp_get(ftp, "ca.crt")
    ftp.quit()
    http_ok, http_missing, ftp_ok = log.wait(3)
    assert (http_ok.scheme, http_ok.path, http_ok.status) == ("http", "/ca.crt", 200)
    assert http_ok.client.startswith("127.0.0.1:") and http_ok.nbytes > 1000
    assert (http_missing.path, http_missing.status) == ("/ca.key", 404)
    assert (ftp_ok.scheme, ftp_ok.path, ftp_ok.status) == ("ftp", "/ca.crt", 226)
    assert ftp_ok.nbytes == http_ok.nbytes
    assert "hunter2" not in log.text() and FTP_PASSWORD not in log.text()


def test_untrusting_client_is_logged_as_failed_handshake(server: BootServer, log: Log):
    untrusting = ssl.create_default_context()  # Mozilla's list only: our CA is not in it
    untrusting.check_hostname = False
    with pytest.raises(ssl.SSLCertVerificationError):
        get(server.https_port, "/", tls=untrusting)
    (failed,) = log.wait(1)  # the server notices in its own thread
    assert (failed.scheme, failed.status) == ("https", 0)
    assert "handshake failed" in failed.note


# --- ports, stopping, errors ---------------------------------------------------------------


def test_urls_and_connect_to_use_the_name_on_default_ports(server: BootServer):
    assert server.urls() == [
        f"http://{NAME}/ca.crt",
        f"ftp://plcmspip:plcmspip@{NAME}/ca.crt",
    ]
    assert server.der_url() == f"http://{NAME}/ca.der"
    assert server.provisioning_url() == f"https://{NAME}/"
    assert server.connect_to() == [
        f"{NAME}:80:127.0.0.1:{server.http_port}",
        f"{NAME}:443:127.0.0.1:{server.https_port}",
        f"{NAME}:21:127.0.0.1:{server.ftp_port}",
    ]
    assert len({server.http_port, server.https_port, server.ftp_port}) == 3


def test_without_a_name_urls_use_the_real_address(bulletin_workspace: Path):
    with BootServer(bulletin_workspace) as server:
        assert server.urls()[0] == f"http://127.0.0.1:{server.http_port}/ca.crt"
        assert server.https_port is None and server.connect_to() == []
        assert any("--name" in note for note in server.notes)


def test_stop_is_clean_and_idempotent(bulletin_workspace: Path):
    server = BootServer(bulletin_workspace, name=NAME)
    server.stop()  # before start: nothing to do
    before = set(threading.enumerate())
    server.start()
    assert len(set(threading.enumerate()) - before) == 3
    ports = [server.http_port, server.https_port, server.ftp_port]
    home = server._ftp_home
    server.stop()
    server.stop()
    assert home is not None and not home.exists()
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert set(threading.enumerate()) <= before


def test_given_ports_are_used(bulletin_workspace: Path):
    ports = []
    for _ in range(3):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    http_port, https_port, ftp_port = ports
    with BootServer(
        bulletin_workspace, name=NAME, http_port=http_port, https_port=https_port, ftp_port=ftp_port
    ) as server:
        assert (server.http_port, server.https_port, server.ftp_port) == tuple(ports)
        assert get(http_port, "/ca.crt")[0] == 200


@pytest.mark.parametrize("which", ["http_port", "https_port", "ftp_port"])
def test_taken_port_is_one_clear_sentence_and_leaves_nothing_running(
    server: BootServer, bulletin_workspace: Path, which: str
):
    taken = getattr(server, which)
    second = BootServer(bulletin_workspace, name=NAME, **{which: taken})
    with pytest.raises(UserError, match=rf"^Port {taken} on 127\.0\.0\.1 is already in use") as err:
        second.start()
    assert str(err.value).count(". ") == 0 and str(err.value).endswith(".")
    assert "--" + which.replace("_", "-") in str(err.value)
    assert not second.running and second._listeners == []
    second.stop()


def test_no_ca_is_a_clear_error(tmp_path: Path):
    with pytest.raises(UserError, match=r"There is no CA in .*handset-ca ca init"):
        BootServer(tmp_path, name=NAME).start()


def test_a_ca_file_that_is_not_a_certificate(tmp_path: Path):
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nnonsense\n")
    with pytest.raises(UserError, match="not a readable CA certificate"):
        BootServer(tmp_path).start()


def test_no_issued_certificate_keeps_http_and_ftp(bulletin_workspace: Path):
    with BootServer(bulletin_workspace, name="other.example.com") as server:
        assert server.https_port is None and server.provisioning_url() is None
        assert server.ftp_port is not None
        assert get(server.http_port, "/ca.crt")[0] == 200
        assert server.notes == [
            "HTTPS is off: there is no certificate issued for other.example.com; "
            "run `handset-ca issue other.example.com` first."
        ]


def test_encrypted_server_key_needs_its_passphrase(bulletin_workspace: Path):
    server = BootServer(bulletin_workspace, name=ENCRYPTED_NAME)
    assert server.needs_key_passphrase()
    with pytest.raises(UserError, match="is encrypted; give its passphrase"):
        server.start()
    server.key_passphrase = b"wrong"
    with pytest.raises(UserError, match=r"passphrase .* is wrong"):
        server.start()
    server.key_passphrase = KEY_PASS.encode()
    with server:
        tls = client_context(bulletin_workspace)
        assert get(server.https_port, "/", tls=tls)[0] == 200
        assert server.https_cn == ENCRYPTED_NAME


def test_key_not_matching_certificate(workspace: Path):
    own = workspace / "issued" / NAME
    other = workspace / "issued" / ENCRYPTED_NAME
    (own / "server.crt").write_bytes((other / "server.crt").read_bytes())
    with pytest.raises(UserError, match=f"issue the certificate for {NAME} again"):
        BootServer(workspace, name=NAME).start()


@pytest.mark.parametrize("name", ["../ca", "a/b", "", "two words", "x\x00y", "host.", "a..b"])
def test_bad_names_are_refused(bulletin_workspace: Path, name: str):
    with pytest.raises(UserError):
        BootServer(bulletin_workspace, name=name)


def test_upper_case_name_is_a_note(bulletin_workspace: Path):
    with BootServer(bulletin_workspace, name="BootServer1.example.com") as server:
        assert "lower case" in server.notes[0]


def test_handshake_without_request_is_logged(server: BootServer, bulletin_workspace, log: Log):
    # The handset's provisioning check: verify the certificate, then hang up.
    tls = client_context(bulletin_workspace)
    with (
        socket.create_connection(("127.0.0.1", server.https_port), timeout=5) as raw,
        tls.wrap_socket(raw, server_hostname=NAME),
    ):
        pass
    (done,) = log.wait(1)
    assert (done.scheme, done.path, done.status) == ("https", "-", 0)
    assert done.note == "TLS handshake completed, no request"


def test_wildcard_bind_is_reachable_on_loopback_and_says_so(bulletin_workspace: Path):
    with BootServer(bulletin_workspace, name=NAME, bind="0.0.0.0") as server:
        assert server.connect_to()[0] == f"{NAME}:80:127.0.0.1:{server.http_port}"
        assert get(server.http_port, "/ca.crt")[0] == 200
        assert server.listening()[0].startswith(f"http   0.0.0.0:{server.http_port}")
        assert any("other machines can fetch" in note for note in server.notes)


def test_bind_to_an_address_this_machine_lacks(bulletin_workspace: Path):
    with pytest.raises(UserError, match="not an address of this machine"):
        BootServer(bulletin_workspace, bind="192.0.2.1").start()  # TEST-NET-1


def test_encrypted_key_of_another_certificate_is_not_called_a_wrong_passphrase(workspace: Path):
    own = workspace / "issued" / NAME
    other = workspace / "issued" / ENCRYPTED_NAME
    (own / "server.key").write_bytes((other / "server.key").read_bytes())
    server = BootServer(workspace, name=NAME, key_passphrase=KEY_PASS.encode())
    with pytest.raises(UserError, match=f"issue the certificate for {NAME} again"):
        server.start()


def test_restart_after_stop_reflects_the_workspace_now(workspace: Path):
    server = BootServer(workspace, name=NAME)
    with server:
        assert server.https_port is not None
    (workspace / "issued" / NAME / "server.crt").unlink()
    with server:
        assert server.https_port is None and server.https_cn is None
        assert server.connect_to()[1].startswith(f"{NAME}:21:")


def test_check_key_passphrase_before_start(bulletin_workspace: Path):
    from core.pki.keys import WrongPassphrase

    server = BootServer(bulletin_workspace, name=ENCRYPTED_NAME)
    with pytest.raises(UserError, match="is encrypted; type its passphrase"):
        server.check_key_passphrase()
    server.key_passphrase = b"wrong"
    with pytest.raises(WrongPassphrase):
        server.check_key_passphrase()
    server.key_passphrase = KEY_PASS.encode()
    server.check_key_passphrase()
    assert not server.running
    BootServer(bulletin_workspace, name=None).check_key_passphrase()  # no HTTPS: no key
