"""ftp downloads: the standard library's ftplib in a worker thread.

The thread keeps its own deadline and is aborted (its sockets shut down) when
the fetch is cancelled, so a silent server never holds a thread for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
import socket
import threading
import time
from urllib.parse import unquote

from core.fetch.results import (
    CA_CERTIFICATE,
    Failure,
    FetchFailed,
    FetchState,
    os_failure,
    timeout_message,
    too_large_failure,
    via_text,
)
from core.fetch.urls import ConnectMap, Target, reach


def _run_in_thread(job: _FTPJob) -> asyncio.Future[bytes]:
    """Run ``job`` in a thread of its own, started now.

    Not a fixed pool: a job queued behind busy threads would spend its caller's total
    timeout waiting (the checker runs far more fetches at once than a pool's size).
    Callers bound the concurrency; each thread ends by its job's deadline or abort().
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[bytes] = loop.create_future()

    def settle(result: bytes | None, exc: BaseException | None) -> None:
        if future.done():
            return  # cancelled meanwhile
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result, exc = job.run(), None
        except BaseException as error:  # handed to the awaiting task
            result, exc = None, error
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            loop.call_soon_threadsafe(settle, result, exc)

    threading.Thread(target=work, name="ftp", daemon=True).start()
    return future


_MAX_FTP_REPLY = 64 * 1024


class _BoundedFTP(ftplib.FTP):
    """ftplib.FTP whose multi-line replies are capped (ftplib keeps them all)."""

    def getmultiline(self) -> str:
        line = self.getline()
        if line[3:4] != "-":
            return line
        code, total, last = line[:3], len(line), line
        while not (last[:3] == code and last[3:4] != "-"):
            last = self.getline()
            total += len(last)
            if total > _MAX_FTP_REPLY:
                raise ftplib.error_proto("the server's reply is too long")
        return f"{line}\n{last}"  # callers only read the code


class _FTPJob:
    """One blocking FTP download; abort() from another thread unblocks it."""

    def __init__(
        self, t: Target, host: str, port: int, timeout: float, max_bytes: int, via: str
    ) -> None:
        self.t, self.host, self.port, self.via = t, host, port, via
        self.expecting = CA_CERTIFICATE  # fetch_ftp sets the caller's
        # The deadline starts when the job runs (run()); the caller's total timeout
        # around the whole fetch stays the outer bound.
        self.timeout, self.deadline, self.max_bytes = timeout, time.monotonic() + timeout, max_bytes
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._ftp: ftplib.FTP | None = None
        self.aborted = False
        self.in_body = False

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            # ftplib.connect() sets .sock before it waits for the banner
            control = self._ftp.sock if self._ftp is not None else None
            for s in [*self._socks, control]:
                if s is None:
                    continue
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def _track(self, s: socket.socket | None) -> None:
        with self._lock:
            if s is not None:
                self._socks.append(s)
            if self.aborted:
                raise TimeoutError

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left

    def run(self) -> bytes:
        self.deadline = time.monotonic() + self.timeout
        t = self.t
        path = unquote(t.path).lstrip("/")
        ftp = _BoundedFTP(timeout=self._remaining())
        self._ftp = ftp
        try:
            self._track(None)
            ftp.connect(self.host, self.port, timeout=self._remaining())
            self._track(ftp.sock)
            user = t.username or "anonymous"
            try:
                ftp.login(user, t.password or ("anonymous@" if user == "anonymous" else ""))
            except ftplib.error_perm as e:
                code = str(e)[:3]
                raise FetchFailed(
                    Failure.FTP_LOGIN,
                    f"The FTP server at {t.where} refused the login for user {user!r} "
                    f"({code}); check the user name and password in the URL.",
                ) from None
            ftp.voidcmd("TYPE I")
            try:
                conn = ftp.transfercmd("RETR " + path)
            except ftplib.error_perm as e:
                code = str(e)[:3]
                if code == "550":
                    raise FetchFailed(
                        Failure.NOT_FOUND,
                        f"The FTP server at {t.where} has no file /{path} (550); check the "
                        "path and file name in the URL.",
                    ) from None
                raise
            with conn:
                self._track(conn)
                self.in_body = True
                data = bytearray()
                while True:
                    conn.settimeout(self._remaining())
                    chunk = conn.recv(16384)
                    if not chunk:
                        break
                    data += chunk
                    if len(data) > self.max_bytes:
                        raise too_large_failure(t, self.max_bytes, None, self.expecting)
            assert ftp.sock is not None  # connected: voidcmd above succeeded
            ftp.sock.settimeout(self._remaining())
            ftp.voidresp()
            return bytes(data)
        finally:
            ftp.close()


def _ftp_error(exc: BaseException, job: _FTPJob, timeout: float) -> FetchFailed:
    t = job.t
    if isinstance(exc, FetchFailed):
        return exc
    if isinstance(exc, TimeoutError):
        return FetchFailed(Failure.TIMEOUT, timeout_message(t, timeout, job.in_body, job.via))
    if isinstance(exc, (ftplib.error_proto, EOFError)):
        return FetchFailed(
            Failure.NETWORK,
            f"The FTP server at {t.where} broke off or sent something that is not FTP"
            f"{job.via}; check that an FTP server runs on this port.",
        )
    if isinstance(exc, ftplib.Error):
        code = str(exc)[:3]
        return FetchFailed(
            Failure.NETWORK,
            f"The FTP server at {t.where} refused the download ({code}); check the URL and "
            "the server's log.",
        )
    classified = os_failure(exc, t.where, job.via)
    if classified is not None:
        return classified
    return FetchFailed(
        Failure.NETWORK,
        f"The FTP connection to {t.where} failed{job.via}; check that an FTP server runs "
        "on this port.",
    )


async def fetch_ftp(
    state: FetchState, connect_to: ConnectMap | None, timeout: float, max_bytes: int
) -> bytes:
    t = state.target
    for value in (t.path, t.username or "", t.password or ""):
        if any(c in unquote(value) for c in "\r\n\0"):
            raise FetchFailed(
                Failure.BAD_URL, "The URL hides a line break (%0d or %0a); remove it."
            )
    if unquote(t.path).lstrip("/") == "":
        raise FetchFailed(
            Failure.BAD_URL, "The ftp:// URL names no file; add its path, like /ca.crt."
        )
    host, port = reach(connect_to, t.host, t.port)
    job = _FTPJob(t, host, port, timeout, max_bytes, via_text(t, connect_to))
    job.expecting = state.expecting
    future = _run_in_thread(job)
    try:
        return await future
    except asyncio.CancelledError:
        job.abort()  # the thread stops now instead of at its own deadline
        state.in_body = job.in_body
        raise
    except Exception as exc:
        raise _ftp_error(exc, job, timeout) from None
