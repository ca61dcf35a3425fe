"""check --boot: fetch what each handset would fetch from a boot server, as it would.

For one MAC: the master file ``<mac>.cfg`` (falling back to ``000000000000.cfg``,
as the handset does), then each file its CONFIG_FILES lists, in order, through
core.fetch on the checker's shared client. The parameters read (the earlier
file wins) must carry the custom CA as PEM with every ``.set`` at 1; the CA is
judged by the URL check's own rules (core.handset.accept, certrules), and the
HTTPS provisioning server the files name must pass the handset's rule against
the CAs the files carry (core.handset.provision, bootrules), as Checker does
for --boot-server. Codes and JSON fields: docs/check.md.
"""

from __future__ import annotations

import dataclasses
import time
import urllib.parse
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography import x509

from core import fetch as fetchmod
from core import trust
from core.check.runner import (
    Checker,
    CheckOptions,
    Progress,
    bounded_check,
    fetch_reason,
    run_bounded,
)
from core.check.verdict import BootServerResult, CASource, Level, Reason, Verdict, fail, warn
from core.errors import UserError
from core.fleet.params import (
    CUSTOM_CA,
    DEVICE_SET,
    PROFILE_CA_LIST,
    PROFILE_SELECTION,
    SERVER_NAME,
    SERVER_TYPE,
    SITE_FILE,
    SPECTRALINK_8400,
    STRICT_CN,
    master_name,
    set_name,
)
from core.handset.accept import certificate_cn
from core.handset.bootfiles import (
    DEFAULT_MASTER_MAC,
    MAX_FILE_BYTES,
    BootFileError,
    merge,
    parse_config,
    parse_master,
)
from core.handset.provision import BootServer, parse_boot_server

# device.* parameters whose .set must be 1 for the handset to apply them (vendor doc).
_SET_CHECKED = (*CUSTOM_CA, PROFILE_CA_LIST, PROFILE_SELECTION, STRICT_CN, SERVER_NAME, SERVER_TYPE)
_PARSED_CACHE = 64


@dataclass(frozen=True)
class FileFetch:
    """One file the handset asked for."""

    name: str
    url: str
    ok: bool
    http_status: int | None
    bytes: int
    fetch_failure: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class CACertificate:
    """A custom CA parameter the files carry, as the handset would take it."""

    param: str
    handset_accepts: bool
    sha256: str | None
    cn: str | None
    ca_match: bool | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class BootVerdict(Verdict):
    """A Verdict for one handset: ``url`` is the master file it read."""

    mac: str = ""
    master: str | None = None  # the master file's name, None when none was found
    files: list[FileFetch] = field(default_factory=list)
    ca_certificates: list[CACertificate] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.mac}  {self.url}"

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["mac"] = self.mac
        data["master"] = self.master
        data["files"] = [f.to_dict() for f in self.files]
        data["ca_certificates"] = [c.to_dict() for c in self.ca_certificates]
        return data


def boot_url_option(text: str) -> str:
    """check --boot URL: the boot server folder, ending in '/' (UserError when unusable)."""
    value = text.strip()
    parts = urllib.parse.urlsplit(value)
    if parts.scheme.lower() not in fetchmod.SCHEMES or not parts.hostname:
        raise UserError(
            f"The boot server {text!r} is not an http://, https:// or ftp:// address; give "
            "--boot the folder URL the handsets are given, e.g. http://NAME/."
        )
    if parts.query or parts.fragment:
        raise UserError(f"Give --boot without ?query or #fragment (got {text!r}).")
    return value if value.endswith("/") else value + "/"


class BootChecker:
    """One run of check --boot: a Checker's client, clock and caches, and the folder URL."""

    def __init__(self, checker: Checker, base: str) -> None:
        self.checker = checker
        self.options = checker.options
        self.base = base
        self.scheme = urllib.parse.urlsplit(base).scheme.lower()
        self._client: httpx.AsyncClient | None = None
        self._parsed: dict[tuple[str, str, bytes], Any] = {}

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def _http_client(self) -> httpx.AsyncClient:
        if self._client is None:
            # The handset's trust: the built-in list, plus the CA once it is installed
            # (--ca stands for it: an https:// boot folder is a later boot).
            custom = [self.options.ca] if self.options.ca is not None else []
            ctx = trust.ssl_context_for(custom, builtin=True)
            self._client = fetchmod.make_client(ctx, timeout=self.options.timeout)
        return self._client

    async def check(self, mac: str, index: int = 0) -> BootVerdict:
        """One handset's verdict; never raises for anything a server or file can do."""
        started = time.monotonic()
        verdict = BootVerdict(index=index, url=self.base + master_name(mac), mac=mac)
        limit = self.options.timeout * 8 + 1
        await bounded_check(
            verdict, self._check_into(verdict), limit, "The check of this handset", "this handset"
        )
        verdict.elapsed_ms = int((time.monotonic() - started) * 1000)
        return verdict

    async def _get(self, verdict: BootVerdict, name: str) -> fetchmod.FetchResult:
        url = self.base + name
        result = await fetchmod.fetch(
            url,
            connect_to=self.options.connect_to,
            timeout=self.options.timeout,
            max_bytes=MAX_FILE_BYTES,
            client=None if self.scheme == "ftp" else self._http_client(),
            expecting=fetchmod.PROVISIONING_FILE,  # the too-large sentence names a .cfg file
        )
        verdict.files.append(
            FileFetch(
                name,
                result.final_url,
                result.ok,
                result.status,
                len(result.data),
                str(result.failure) if result.failure else None,
            )
        )
        verdict.status = result.status
        verdict.size += len(result.data)
        return result

    def _parse(self, kind: str, data: bytes, what: str) -> Any:
        """The handset's parse_master or parse_config (core.handset.bootfiles: the phone's
        own reading), cached by content (1,000 handsets, one site.cfg); ``what`` names
        the file in a refusal's sentence."""
        key = (kind, what, data)
        found = self._parsed.get(key)
        if found is None:
            try:
                found = parse_master(data, what) if kind == "master" else parse_config(data, what)
            except BootFileError as exc:
                found = exc
            if len(self._parsed) >= _PARSED_CACHE:
                self._parsed.pop(next(iter(self._parsed)))
            self._parsed[key] = found
        if isinstance(found, BootFileError):
            raise found
        return found

    async def _check_into(self, verdict: BootVerdict) -> None:
        reasons = verdict.reasons
        name = master_name(verdict.mac)
        result = await self._get(verdict, name)
        if not result.ok and _missing(result) and verdict.mac != DEFAULT_MASTER_MAC:
            default = master_name(DEFAULT_MASTER_MAC)
            fallback = await self._get(verdict, default)
            if fallback.ok:
                reasons.append(
                    warn(
                        "master-default",
                        f"The boot server has no {name}, so this handset reads {default} "
                        "and no file of its own; add it to the inventory and run fleet "
                        "build again.",
                    )
                )
                name, result = default, fallback
            elif _missing(fallback):
                reasons.append(
                    fail(
                        "master-missing",
                        f"The boot server has neither {name} nor {default}, so the handset "
                        "reads no configuration; copy the fleet build folder to the boot "
                        "server's root.",
                    )
                )
                return
            else:
                result = fallback
        elif not result.ok and _missing(result):
            reasons.append(
                fail(
                    "master-missing",
                    f"The boot server has no {name}, so the handset reads no configuration; "
                    "copy the fleet build folder to the boot server's root.",
                )
            )
            return
        if not result.ok:
            verdict.fetch_failure = str(result.failure) if result.failure else None
            reasons.append(fetch_reason(result, self.scheme))
            return
        verdict.master = name
        verdict.url = verdict.final_url = result.final_url
        verdict.content_type = result.content_type
        try:
            master: list[str] = self._parse("master", result.data, f"The master file {name}")
        except BootFileError as exc:
            reasons.append(
                fail(
                    "master-xml",
                    f"{exc} The handset cannot read it; write it again with fleet build.",
                )
            )
            return
        files: list[dict[str, str]] = []
        complete = True
        for listed in master:
            got = await self._get(verdict, listed)
            if not got.ok:
                complete = False
                if _missing(got):
                    reasons.append(
                        fail(
                            "config-missing",
                            f"{name} lists {listed}, which the boot server does not have; "
                            "copy it to the boot server or remove it from CONFIG_FILES.",
                        )
                    )
                else:
                    reasons.append(fetch_reason(got, self.scheme))
                continue
            try:
                files.append(self._parse("config", got.data, listed))
            except BootFileError as exc:
                complete = False
                reasons.append(
                    fail(
                        "config-xml",
                        f"{exc} The handset cannot read it; write it again with fleet build.",
                    )
                )
        params = merge(files)
        if not any(p in params for p in CUSTOM_CA):
            if SITE_FILE not in master:
                shown = ", ".join(master) or "no file"
                reasons.append(
                    fail(
                        "master-no-site",
                        f"{name} lists {shown} but not {SITE_FILE}, where the custom CA is; "
                        f"add {SITE_FILE} to its CONFIG_FILES.",
                    )
                )
            elif complete:
                reasons.append(
                    fail(
                        "ca-param-missing",
                        f"No file this handset reads sets {CUSTOM_CA[0]}, so it gets no "
                        f"custom CA; put the CA's PEM text in {SITE_FILE} (fleet build).",
                    )
                )
            return
        cas = self._ca_params(verdict, params)
        for target in self._provisioning_targets(verdict, params):
            if not cas:
                break
            outcome = await self.checker.boot_outcome(cas, target)
            checked = dataclasses.replace(outcome.result, ca_source=CASource.BOOT_FILES)
            verdict.boot_servers.append(checked)
            reasons.extend(outcome.reasons)

    def _ca_params(self, verdict: BootVerdict, params: dict[str, str]) -> list[x509.Certificate]:
        """The CAs the handset would install from the files, and every reason about them."""
        reasons = verdict.reasons
        device_set = params.get(DEVICE_SET)
        if device_set != "1":
            reasons.append(_not_set(DEVICE_SET, device_set, "every device.* parameter"))
            return []
        for param in _SET_CHECKED:
            if param in params and params.get(set_name(param)) != "1":
                reasons.append(_not_set(set_name(param), params.get(set_name(param)), param))
        installed: list[x509.Certificate] = []
        infos = []
        opts = self.options
        for param in CUSTOM_CA:
            if param not in params or params.get(set_name(param)) != "1":
                continue
            analysis = self.checker.analyse(params[param].encode("utf-8"))
            for reason in analysis.reasons:
                if reason.code in ("ca-stale", "ca-mismatch"):
                    continue  # judged across both slots below
                if reason.code.startswith("file-"):
                    reasons.append(
                        fail(
                            "ca-param-not-pem",
                            f"{param} is not one Base 64 (PEM) CA certificate "
                            f"({reason.message}); put ca.crt's PEM text in it (fleet build).",
                        )
                    )
                else:
                    reasons.append(Reason(reason.level, reason.code, f"{param}: {reason.message}"))
            info = analysis.info
            verdict.ca_certificates.append(
                CACertificate(
                    param,
                    analysis.accepted,
                    info.sha256 if info else None,
                    info.cn if info else None,
                    analysis.ca_match,
                )
            )
            if info is not None:
                infos.append(info)
            if analysis.accepted and analysis.cert is not None:
                installed.append(analysis.cert)
        verdict.certificate = infos[0] if infos else None
        verdict.handset_accepts = bool(installed) and all(
            c.handset_accepts for c in verdict.ca_certificates
        )
        if opts.ca is not None and verdict.ca_certificates:
            verdict.ca_match = any(c.ca_match for c in verdict.ca_certificates)
            if not verdict.ca_match:
                shown = ", ".join(c.param for c in verdict.ca_certificates)
                reasons.append(
                    fail(
                        "ca-param-not-this-ca",
                        f"{shown} do not hold the CA from {opts.ca_path} ("
                        f"{certificate_cn(opts.ca) or 'no CN'}); run fleet build again with "
                        "this workspace and copy the folder to the boot server.",
                    )
                )
        return installed

    def _provisioning_targets(
        self, verdict: BootVerdict, params: dict[str, str]
    ) -> list[BootServer]:
        """The HTTPS provisioning server the files name (and any --boot-server)."""
        targets = list(self.options.boot_servers)
        name = params.get(SERVER_NAME)
        kind = params.get(SERVER_TYPE, "").upper()
        applies = params.get(set_name(SERVER_NAME)) == "1"
        if name and applies and kind == "HTTPS":
            try:
                target = parse_boot_server(name if "://" in name else f"https://{name}/")
            except UserError as exc:
                verdict.reasons.append(fail("prov-server-bad", f"{SERVER_NAME} is unusable: {exc}"))
            else:
                if target not in targets:
                    targets.insert(0, target)
        return targets


def _missing(result: fetchmod.FetchResult) -> bool:
    if result.failure == fetchmod.Failure.NOT_FOUND:
        return True
    return result.failure == fetchmod.Failure.HTTP_STATUS and result.status in (404, 410)


def _not_set(flag: str, value: str | None, what: str) -> Reason:
    shown = "missing" if value is None else f'"{value}"'
    return fail(
        "set-not-1",
        f'{flag} is {shown}, so the handset ignores {what} ({SPECTRALINK_8400}); set it to "1".',
    )


async def check_boot(
    base: str,
    macs: Iterable[str],
    options: CheckOptions | None = None,
    *,
    progress: Progress | None = None,
    total: int | None = None,
) -> AsyncGenerator[BootVerdict, None]:
    """One BootVerdict per MAC as each finishes (``index`` gives input order), at most
    ``options.concurrency`` handsets at once; closing the iterator cancels the rest."""
    options = options or CheckOptions()
    base = boot_url_option(base)
    async with Checker(options) as checker:
        boot = BootChecker(checker, base)
        try:
            async for verdict in run_bounded(
                macs, boot.check, options.concurrency, progress=progress, total=total
            ):
                yield verdict
        finally:
            await boot.aclose()


__all__ = [
    "BootChecker",
    "BootServerResult",
    "BootVerdict",
    "CACertificate",
    "FileFetch",
    "Level",
    "boot_url_option",
    "check_boot",
]
