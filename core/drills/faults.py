"""The faults a drill sets up for real, how to repair each, and the evidence.

Each fault changes a healthy rehearsal (build_environment, below) so the
handset fails for exactly that reason, with its own servers and files:

- der-served      the job sheet's URL serves ca.der (DER): the phone refuses it
- url-typo        the job sheet's URL has a typo: the server answers 404
- server-down     nothing listens where the boot server should be
- stale-ca        the web server's ca.crt is another CA's: provisioning is untrusted
- cn-mismatch     the HTTPS certificate's CN is the IP, the phone has the FQDN
- profile-choice  the sheet leaves out the profile step: it stays on Platform CAs Only
- ca-expired      the CA certificate has expired: the phone refuses it
- wrong-password  the sheet gives a wrong Administrator's password
- ca-set-zero     boot drill: site.cfg carries the CA with its .set at 0: the phone
                  ignores it, moves to HTTPS anyway, and the next boot is untrusted
- site-not-listed boot drill: the handset's master file lists only its own file,
                  not site.cfg: the CA never arrives, the next boot is untrusted

``failure`` is the outcome code the handset logs when it fails that way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from core.bootserver.publish import NEXT_CA_FILE
from core.drills.environment import (
    BOOT_SERVER_NAME,
    CA_SUBJECT,
    REHEARSAL_PASSPHRASE,
    Environment,
    JobSheet,
    new_workspace,
)
from core.fileio import write_atomic
from core.handset import ALL_CERTIFICATES, DEFAULT_ADMIN_PASSWORD, Handset, HandsetSettings
from core.pki import Workspace
from core.pki.ca import build_ca_certificate
from core.pki.keys import generate_rsa, key_to_pem

SERVER_IP = "127.0.0.1"
WRONG_PASSWORD = "654"  # the job sheet's: digits of the default, swapped
TYPO_PATH = "/ca.cert"
EXPIRED_DAYS_AGO = 30


@dataclass(frozen=True)
class Fault:
    id: str
    failure: str  # outcome code the handset logs when it fails this way
    setup: Callable[..., None]
    fix: Callable[[Environment], None]
    evidence: Callable[[Environment, Handset], list[str]]


def _short(fingerprint: str) -> str:
    return fingerprint[:23]


def _sha256(cert: x509.Certificate) -> str:
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def _requests(env: Environment, path: str) -> list[str]:
    return [str(r) for r in env.requests if r.path == path]


def _issue(env: Environment, name: str) -> None:
    env.workspace.issue(name, REHEARSAL_PASSPHRASE)
    env.https_name = name


# --- der-served -----------------------------------------------------------------------
def _der_setup(env: Environment, start: bool) -> None:
    _issue(env, BOOT_SERVER_NAME)
    env.job_sheet.url = f"http://{BOOT_SERVER_NAME}/ca.der"
    if start:
        env.start_server()


def _give_the_good_url(env: Environment) -> None:
    """The fix for a job sheet that names the wrong URL."""
    env.job_sheet.url = env.good_url()


def _der_evidence(env: Environment, handset: Handset) -> list[str]:
    der = env.workspace.ca_certificate().public_bytes(Encoding.DER)
    lines = [
        f"{env.job_sheet.url} serves {len(der)} bytes starting {der[0]:02x} {der[1]:02x} "
        "(binary DER), not the text '-----BEGIN CERTIFICATE-----' of Base 64 (PEM).",
    ]
    return lines + _requests(env, "/ca.der")


# --- url-typo -------------------------------------------------------------------------
def _typo_setup(env: Environment, start: bool) -> None:
    _issue(env, BOOT_SERVER_NAME)
    env.job_sheet.url = f"http://{BOOT_SERVER_NAME}{TYPO_PATH}"
    if start:
        env.start_server()


def _typo_evidence(env: Environment, handset: Handset) -> list[str]:
    lines = [
        f"The boot server's log shows the request for {TYPO_PATH} answered 404; it publishes "
        "/ca.crt (PEM) and /ca.der only.",
    ]
    return lines + _requests(env, TYPO_PATH)


# --- server-down ----------------------------------------------------------------------
def _down_setup(env: Environment, start: bool) -> None:
    _issue(env, BOOT_SERVER_NAME)
    env.start_server()  # learn real ports, then take it down: connections are refused
    env.stop_server()
    env.hold_ports()


def _down_fix(env: Environment) -> None:
    env.release_ports()
    env.start_server()


def _down_evidence(env: Environment, handset: Handset) -> list[str]:
    host, port = env.connect_map.resolve(BOOT_SERVER_NAME, 80)
    state = "running" if env.server_running else "stopped"
    return [
        f"{BOOT_SERVER_NAME}:80 leads to {host}:{port}, where nothing accepted the "
        f"connection; the boot server is {state}.",
        f"The boot server logged {len(env.requests)} request(s) from the phone.",
    ]


# --- stale-ca -------------------------------------------------------------------------
def _stale_setup(env: Environment, start: bool) -> None:
    _issue(env, BOOT_SERVER_NAME)
    old = new_workspace(env.root / "old-pki", issue_for=None)  # same CN, another key
    web = env.root / "web"
    web.mkdir()
    shutil.copyfile(old.ca_crt_path, web / "ca.crt")
    issued = env.workspace.issued_paths(BOOT_SERVER_NAME)
    target = web / "issued" / BOOT_SERVER_NAME
    target.mkdir(parents=True)
    shutil.copyfile(issued.crt, target / "server.crt")
    shutil.copyfile(issued.key, target / "server.key")
    env.server_root = web
    if start:
        env.start_server()


def _stale_fix(env: Environment) -> None:
    ca = env.workspace.ca_crt_path.read_bytes()
    write_atomic(env.server_root / "ca.crt", ca, replace=True)
    if env.server_running:
        env.start_server()  # the boot server reads ca.crt when it starts


def _stale_evidence(env: Environment, handset: Handset) -> list[str]:
    served = x509.load_pem_x509_certificate((env.server_root / "ca.crt").read_bytes())
    issuer_ca = env.workspace.ca_certificate()
    lines = [
        f"The web server's ca.crt has SHA-256 {_short(_sha256(served))}..., but the CA "
        f"that issued the boot server's certificate has {_short(_sha256(issuer_ca))}... "
        "(same name, another key).",
    ]
    for ca in handset.custom_cas:
        lines.append(f"The phone's custom CA slot {ca.slot}: {ca.cn}, {_short(ca.sha256)}...")
    return lines


# --- cn-mismatch ----------------------------------------------------------------------
def _cn_setup(env: Environment, start: bool) -> None:
    _issue(env, SERVER_IP)  # CN = the IP; the phone is given the FQDN
    if start:
        env.start_server()


def _cn_fix(env: Environment) -> None:
    _issue(env, BOOT_SERVER_NAME)  # reissue for the name the phones use
    if env.server_running:
        env.start_server()


def _cn_evidence(env: Environment, handset: Handset) -> list[str]:
    cn = env.boot_server.https_cn if env.boot_server else env.https_name
    return [
        f"The boot server's certificate has CN={cn}; the phone's boot server is "
        f"{env.settings.boot_server}.",
        "The phone compares the two as plain text with no DNS lookup (bulletin), "
        "so an IP address never matches a name.",
    ]


# --- profile-choice -------------------------------------------------------------------
def _profile_setup(env: Environment, start: bool) -> None:
    _issue(env, BOOT_SERVER_NAME)
    env.job_sheet.set_profile = False  # the sheet stops after installing the CA
    if start:
        env.start_server()


def _profile_fix(env: Environment) -> None:
    env.job_sheet.set_profile = True


def _profile_evidence(env: Environment, handset: Handset) -> list[str]:
    number = handset.choices.provisioning_profile
    profile = handset.profiles[number]
    return [
        f"{profile.name} (used for provisioning) has CA Certificate: {profile.ca_certificate}, "
        f"not {ALL_CERTIFICATES}.",
        f"The phone holds {len(handset.custom_cas)} custom CA certificate(s), which that "
        "choice leaves out.",
    ]


# --- ca-expired -----------------------------------------------------------------------
def _expired_setup(env: Environment, start: bool) -> None:
    folder = env.root / "expired-pki"
    folder.mkdir()
    key = generate_rsa(2048)
    now = dt.datetime.now(dt.UTC)
    cert = build_ca_certificate(
        key, CA_SUBJECT, 365, now - dt.timedelta(days=365 + EXPIRED_DAYS_AGO)
    )
    write_atomic(folder / "ca.key", key_to_pem(key, REHEARSAL_PASSPHRASE), 0o600)
    write_atomic(folder / "ca.crt", cert.public_bytes(Encoding.PEM))
    env.workspace = Workspace(folder)
    env.server_root = folder
    _issue(env, BOOT_SERVER_NAME)
    if start:
        env.start_server()


def _expired_fix(env: Environment) -> None:
    env.workspace = new_workspace(env.root / "renewed-pki")
    env.server_root = env.workspace.root
    env.https_name = BOOT_SERVER_NAME
    if env.server_running:
        env.start_server()


def _expired_evidence(env: Environment, handset: Handset) -> list[str]:
    cert = env.workspace.ca_certificate()
    today = env.settings.now()
    return [
        f"The published ca.crt ({cert.subject.rfc4514_string()}) was valid until "
        f"{cert.not_valid_after_utc:%Y-%m-%d}; the phone's date is {today:%Y-%m-%d}.",
    ]


# --- wrong-password -------------------------------------------------------------------
def _password_setup(env: Environment, start: bool) -> None:
    _issue(env, BOOT_SERVER_NAME)
    env.job_sheet.admin_password = WRONG_PASSWORD
    if start:
        env.start_server()


def _password_fix(env: Environment) -> None:
    env.job_sheet.admin_password = env.settings.admin_password


def _password_evidence(env: Environment, handset: Handset) -> list[str]:
    wrong = handset.log.wrong_passwords()
    return [
        f"The phone refused the Administrator's password {wrong} time(s); the job sheet "
        f"says {WRONG_PASSWORD}, the factory default is {DEFAULT_ADMIN_PASSWORD} (bulletin).",
    ]


# --- boot drills: provisioning files -----------------------------------------------
def _boot_env(env: Environment, options: dict[str, object], start: bool) -> None:
    _issue(env, BOOT_SERVER_NAME)
    server = f"http://{BOOT_SERVER_NAME}/"
    env.settings.boot_server = server  # as DHCP would give it: the first pass over HTTP
    env.job_sheet = JobSheet(url="", boot_server=server, set_profile=False, boots=2)
    env.boot_options = dict(options)
    if start:
        env.start_server()


def _boot_fix(env: Environment) -> None:
    env.boot_options = {}  # the files as they should be
    if env.server_running:
        env.start_server()


def _boot_outcome_details(handset: Handset, code: str) -> list[str]:
    return [f"{e.reason}: {e.detail}" for e in handset.log.outcome_events() if e.code == code]


def _ca_set_setup(env: Environment, start: bool) -> None:
    _boot_env(env, {"ca_set": "0"}, start)


def _ca_set_evidence(env: Environment, handset: Handset) -> list[str]:
    ignored = [
        line
        for line in _boot_outcome_details(handset, "param_ignored")
        if line.startswith("device.sec.TLS.customCaCert1")
    ]
    return [
        *(f"The boot log: ignored {line}" for line in ignored[:1]),
        "site.cfg carries the CA, but device.sec.TLS.customCaCert1.set is 0: the handset "
        "ignores the value (vendor doc: a device.* parameter applies only with .set = 1).",
    ]


def _site_setup(env: Environment, start: bool) -> None:
    _boot_env(env, {"list_site": False, "server_in_ext": True}, start)


def _site_evidence(env: Environment, handset: Handset) -> list[str]:
    read = [e.reason for e in handset.log.outcome_events() if e.code == "file_read"]
    mac = handset.settings.mac
    return [
        f"The files the phone read: {', '.join(dict.fromkeys(read))}; site.cfg is not among them.",
        f"{mac}.cfg's CONFIG_FILES lists only {mac}-ext.cfg: the site file with the CA is "
        "never read (vendor doc: the handset reads exactly the files its master file lists).",
    ]


FAULTS: dict[str, Fault] = {
    f.id: f
    for f in (
        Fault("der-served", "refused:der", _der_setup, _give_the_good_url, _der_evidence),
        Fault(
            "url-typo",
            "download_failed:http_status",
            _typo_setup,
            _give_the_good_url,
            _typo_evidence,
        ),
        Fault("server-down", "download_failed:refused", _down_setup, _down_fix, _down_evidence),
        Fault("stale-ca", "provision:untrusted", _stale_setup, _stale_fix, _stale_evidence),
        Fault("cn-mismatch", "provision:name_mismatch", _cn_setup, _cn_fix, _cn_evidence),
        Fault(
            "profile-choice",
            "provision:untrusted",
            _profile_setup,
            _profile_fix,
            _profile_evidence,
        ),
        Fault("ca-expired", "refused:expired", _expired_setup, _expired_fix, _expired_evidence),
        Fault(
            "wrong-password", "wrong_password", _password_setup, _password_fix, _password_evidence
        ),
        Fault("ca-set-zero", "boot:untrusted", _ca_set_setup, _boot_fix, _ca_set_evidence),
        Fault("site-not-listed", "boot:untrusted", _site_setup, _boot_fix, _site_evidence),
    )
}


# --- setups other than day one (a drill file's ``setup``) --------------------------------
def _rollover_setup(env: Environment, start: bool) -> None:
    """A CA rollover's overlap: the phone provisioned under the current CA (slot 1,
    Platform Profile 1 on All Certificates); the next CA started and published as
    /ca-next.crt; the boot server's certificate re-issued under it (`renew NAME --next`),
    so the phone needs the next CA in slot 2 before it provisions again."""
    from core.pki.renew import renew
    from core.pki.rollover import start_rollover

    ws = env.workspace
    current = ws.ca_certificate()
    ws.issue(BOOT_SERVER_NAME, REHEARSAL_PASSPHRASE)
    start_rollover(ws, REHEARSAL_PASSPHRASE)
    renew(ws, BOOT_SERVER_NAME, REHEARSAL_PASSPHRASE, under_next=True)
    env.settings = dataclasses.replace(
        env.settings,
        preinstalled=(current,),
        profile_choices=((env.settings.choices.provisioning_profile, ALL_CERTIFICATES),),
    )
    env.job_sheet.url = f"http://{BOOT_SERVER_NAME}/{NEXT_CA_FILE}"
    env.job_sheet.set_profile = False  # already All Certificates: it trusts custom CAs
    env.job_sheet.remove_slot = 1
    if start:
        env.start_server()


SETUP_BUILDERS: dict[str, Callable[[Environment, bool], None]] = {"rollover": _rollover_setup}


def fix_fault(env: Environment) -> None:
    """Repair ``env``'s fault the way a technician would; the job sheet is corrected too."""
    if env.fault is not None and not env.fixed:
        FAULTS[env.fault].fix(env)
    env.fixed = True


def build_environment(
    fault: str | None = None, *, start: bool = True, setup: str | None = None
) -> Environment:
    """A healthy rehearsal, or one with ``fault`` (or another ``setup``, see
    core.drills.catalog.SETUPS) set up, servers running."""
    root = Path(tempfile.mkdtemp(prefix="handset-ca-drill-"))
    env: Environment | None = None
    try:
        ws = new_workspace(root / "pki", issue_for=None)
        env = Environment(
            root=root,
            workspace=ws,
            server_root=ws.root,
            job_sheet=JobSheet(url=f"http://{BOOT_SERVER_NAME}/ca.crt"),
            settings=HandsetSettings(boot_server=BOOT_SERVER_NAME),
            fault=fault,
        )
        if setup is not None:
            SETUP_BUILDERS[setup](env, start)
        elif fault is None:
            ws.issue(BOOT_SERVER_NAME, REHEARSAL_PASSPHRASE)
            if start:
                env.start_server()
        else:
            FAULTS[fault].setup(env, start=start)
        return env
    except BaseException:
        if env is not None:  # a server already started must not keep listening
            env.close()
        shutil.rmtree(root, ignore_errors=True)
        raise
