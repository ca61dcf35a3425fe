"""The faults a drill can set up, as the trainee sees them in the diagnosis list.

Only names and words live here (cheap to import for the loader); the real
set-ups that make the handset fail are in ``core.drills.faults``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FaultInfo:
    id: str
    cause: str  # one line in the "what went wrong?" list
    explanation: str  # shown in the summary: why the phone failed, and the fix


FAULT_INFO: dict[str, FaultInfo] = {
    f.id: f
    for f in (
        FaultInfo(
            "der-served",
            "The URL serves the certificate in DER (binary) form, not Base 64 (PEM)",
            "The phone loads only Base 64 (PEM) certificates (vendor doc); convert it with "
            "`openssl x509 -in ca.der -inform DER -out ca.crt` and publish that.",
        ),
        FaultInfo(
            "url-typo",
            "The URL on the job sheet has a typo, so the server answers 404 Not Found",
            "The server has no file at that path; check the URL against the files the boot "
            "server publishes and type it again.",
        ),
        FaultInfo(
            "server-down",
            "The boot server is down (nothing answers on that address)",
            "Nothing accepted the connection; start the boot server (or fix its address) "
            "before sending technicians to the phones.",
        ),
        FaultInfo(
            "stale-ca",
            "The ca.crt on the web server is from another (old) CA",
            "The phone installed a CA that did not sign the boot server's certificate; "
            "publish the ca.crt of the CA that issued server.crt.",
        ),
        FaultInfo(
            "cn-mismatch",
            "The server certificate's Common Name is the IP address, but the phone uses the FQDN",
            "The phone compares the boot server name with the certificate's Common Name as "
            "plain text, with no DNS lookup (bulletin); issue the certificate for the name "
            "the phones use, or give the phones that exact name.",
        ),
        FaultInfo(
            "profile-choice",
            "The TLS profile's CA Certificate is left on another choice, not All Certificates",
            "The custom CA is installed but the profile does not use it; select Configure TLS "
            "Profiles > profile > CA Certificate > All Certificates, then press End (bulletin).",
        ),
        FaultInfo(
            "ca-expired",
            "The CA certificate has expired",
            "A certificate past its end date is refused; create a new CA, reissue the server "
            "certificate and publish the new ca.crt.",
        ),
        FaultInfo(
            "ca-set-zero",
            "The site file carries the CA, but its .set parameter is 0",
            "A device.* parameter takes effect only when its .set parameter is 1 (vendor doc); "
            'set device.sec.TLS.customCaCert1.set="1" in the site file and boot again.',
        ),
        FaultInfo(
            "site-not-listed",
            "The handset's master file does not list the site file with the CA",
            "The handset reads only the files its <mac>.cfg lists in CONFIG_FILES (vendor doc); "
            "add site.cfg to CONFIG_FILES and boot again.",
        ),
        FaultInfo(
            "wrong-password",
            "The job sheet gives a wrong Administrator's password",
            "The phone refuses the Advanced menu; use the site's real administrator's "
            "password (the factory default is 456, bulletin) and correct the job sheet.",
        ),
    )
}

# Rehearsals other than day one, by a drill file's ``setup`` (core.drills.faults builds
# them): "rollover", a CA rollover's overlap, the phone holding the current CA in slot 1.
SETUPS: dict[str, str] = {
    "rollover": "a CA rollover under way: the next CA published as ca-next.crt, the boot "
    "server's certificate re-issued under it, the phone holding the current CA in slot 1",
}
