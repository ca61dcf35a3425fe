"""PKI commands: ca init, ca show, issue NAME, sign CSR, show FILE."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from core.errors import UserError
from core.fileio import PKI_FILE, read_small_file
from core.locations import CA_PASSPHRASE_ENV, KEY_PASSPHRASE_ENV, workspace_dir
from core.passphrase import ask, read_passphrase, read_passphrase_file
from core.pki import (
    DEFAULT_CA_DAYS,
    DEFAULT_CA_KEY_SIZE,
    DEFAULT_SERVER_DAYS,
    DEFAULT_SERVER_KEY_SIZE,
    KEY_SIZES,
    CertSummary,
    Result,
    Subject,
    Workspace,
    check_server_name,
    inspect_bytes,
)
from core.pki.ca import ca_problems, check_days
from core.pki.issuers import CURRENT, NEXT, RETIRED, UNKNOWN, authorities, issued_roles
from core.pki.keys import WrongPassphrase, is_encrypted_key
from core.pki.names import build_name, name_text
from core.pki.sign import CSR_NAMES, CSR_NAMES_COPY
from core.pki.workspace import CAState, ca_state_sentence, check_out_folder
from handset_ca.commands.common import add_workspace, as_usage


def register(subparsers: argparse._SubParsersAction) -> None:
    ca = subparsers.add_parser("ca", help="create or show the CA")
    ca_sub = ca.add_subparsers(dest="ca_command", metavar="ACTION", required=True)
    ca.actions = ca_sub  # other modules add `ca` actions here

    init = ca_sub.add_parser(
        "init", help="create the CA key and self-signed certificate (bulletin: Creating a CA)"
    )
    add_ca_passphrase_file(init)
    init.add_argument("--cn", required=True, help="Common Name of the CA, e.g. 'Root CA'")
    _subject_options(init)
    add_days(init, DEFAULT_CA_DAYS)
    add_key_size(init, DEFAULT_CA_KEY_SIZE)
    init.set_defaults(func=cmd_ca_init)

    show_ca = ca_sub.add_parser("show", help="show the CA certificate and what it issued")
    add_workspace(show_ca)
    show_ca.set_defaults(func=cmd_ca_show)

    issue = subparsers.add_parser(
        "issue", help="make a boot server key, CSR and certificate (bulletin: Issuing)"
    )
    add_ca_passphrase_file(issue)
    issue.add_argument(
        "name", metavar="NAME", help="boot server name as phones get it (FQDN or IP)"
    )
    issue.add_argument("--cn", help="Common Name, if not NAME")
    _subject_options(issue)
    add_days(issue, DEFAULT_SERVER_DAYS)
    add_key_size(issue, DEFAULT_SERVER_KEY_SIZE)
    issue.add_argument(
        "--key-passphrase",
        action="store_true",
        help="encrypt server.key (passphrase from a prompt or $HANDSET_CA_KEY_PASSPHRASE)",
    )
    issue.add_argument(
        "--key-passphrase-file", metavar="FILE", help="read the server key passphrase from FILE"
    )
    issue.set_defaults(func=cmd_issue)

    sign = subparsers.add_parser("sign", help="sign a CSR made elsewhere with the CA")
    add_ca_passphrase_file(sign)
    sign.add_argument("csr", metavar="CSR", help="the .csr file (PEM or DER)")
    add_days(sign, DEFAULT_SERVER_DAYS)
    sign.add_argument(
        "--out", metavar="FILE", help="where to write the certificate (default issued/<CN>/)"
    )
    sign.add_argument(
        "--csr-names",
        choices=CSR_NAMES,
        default=CSR_NAMES_COPY,
        help="copy: the CN plus the CSR's DNS and IP names, each checked as the CN is "
        "(default); drop: the CN alone",
    )
    sign.add_argument(
        "--allow-wildcard",
        action="store_true",
        help="sign a wildcard name (*.example.com) asked for in the CSR",
    )
    sign.set_defaults(func=cmd_sign)

    show = subparsers.add_parser("show", help="describe a key, CSR or certificate (PEM or DER)")
    add_ca_passphrase_file(
        show,
        "read an encrypted key's passphrase from the first line of FILE (else "
        "$HANDSET_CA_KEY_PASSPHRASE or $HANDSET_CA_PASSPHRASE, else a prompt)",
    )
    show.add_argument("file", metavar="FILE")
    show.set_defaults(func=cmd_show)


def add_ca_passphrase_file(
    parser: argparse.ArgumentParser,
    help: str = "read the CA key passphrase from the first line of FILE",
) -> None:
    add_workspace(parser)
    parser.add_argument("--passphrase-file", metavar="FILE", help=help)


def _subject_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--country", default="", help="two letters, e.g. US")
    parser.add_argument("--state", default="", help="state or province")
    parser.add_argument("--locality", default="", help="city or town")
    parser.add_argument("--org", default="", help="organization name")
    parser.add_argument("--ou", default="", help="organizational unit name")
    parser.add_argument("--email", default="", help="e-mail address")


def add_days(
    parser: argparse.ArgumentParser, default: int, help: str = "validity (default %(default)s)"
) -> None:
    """--days: a certificate's validity (checked by check_days when the command runs)."""
    parser.add_argument("--days", type=int, default=default, help=help)


def add_key_size(
    parser: argparse.ArgumentParser, default: int, help: str = "RSA bits (default %(default)s)"
) -> None:
    parser.add_argument("--key-size", type=int, choices=KEY_SIZES, default=default, help=help)


def open_workspace(args: argparse.Namespace) -> Workspace:
    return Workspace(workspace_dir(getattr(args, "workspace", None)))


def _subject(args: argparse.Namespace, cn: str) -> Subject:
    return Subject(
        cn=cn,
        country=args.country,
        state=args.state,
        locality=args.locality,
        org=args.org,
        ou=args.ou,
        email=args.email,
    )


def summary_lines(summary: CertSummary) -> list[str]:
    return [
        f"  Subject:  {summary.subject}",
        f"  Issuer:   {summary.issuer}",
        f"  Serial:   {summary.serial_hex}",
        f"  Valid:    {summary.not_before:%Y-%m-%d} to {summary.not_after:%Y-%m-%d} "
        f"({summary.days_left} days left)",
        f"  SHA-256:  {summary.sha256}",
        *([f"  Names:    {', '.join(summary.names)}"] if summary.names else []),
    ]


def report(title: str, result: Result) -> None:
    print(title)
    print("\n".join(summary_lines(result.summary)))
    for path in result.paths:
        print(f"  wrote {path}")
    for warning in result.warnings:
        print(f"handset-ca: warning: {warning}", file=sys.stderr)


def cmd_ca_init(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    subject = _subject(args, args.cn)
    as_usage(build_name, subject)  # a bad option value: exit 2, before anything else
    as_usage(check_days, args.days)
    ws.require_no_ca()  # before asking for a passphrase
    passphrase = read_passphrase("ca", new=True, passphrase_file=args.passphrase_file)
    result = ws.create_ca(subject, passphrase, key_size=args.key_size, days=args.days)
    report(f"Created the CA in {ws.root}; publish ca.crt to the phones.", result)
    return 0


def cmd_ca_show(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    ws.check_root()
    state = ws.ca_state()
    if state in (CAState.NONE, CAState.KEY_ONLY):
        raise UserError(ca_state_sentence(ws.root, state))
    summary = ws.ca_summary()
    if summary is None:  # ca.crt went away meanwhile
        raise UserError(ca_state_sentence(ws.root, ws.ca_state()))
    print(f"CA in {ws.root}")
    print("\n".join(summary_lines(summary)))
    cert = ws.ca_certificate()
    if state is CAState.CERT_ONLY:  # the certificate can be shown; nothing can be issued
        print(f"  Warning:  {ca_state_sentence(ws.root, state)}")
    for problem in ca_problems(cert):
        print(f"  Warning:  {problem}")
    issued = ws.issued_summaries()
    print(f"Issued: {len(issued)}")
    cas = authorities(ws)
    roles = issued_roles(ws, cas)
    for role, heading in ISSUER_HEADINGS:
        group = [s for s in issued if s.path and roles.get(s.path.parent.name) == role]
        if not group:
            continue
        if heading:  # the current CA's own need no heading: they sit under it
            print(heading.format(next=cas.next and name_text(cas.next.subject)))
        for item in group:
            print(
                f"  {'  ' if heading else ''}{item.cn}  serial {item.serial_hex}  "
                f"{item.days_left} days left"
                + (f"  (issuer {item.issuer})" if role in (RETIRED, UNKNOWN) else "")
            )
    return 0


# `ca show`: issued certificates under the CA that really signed them.
ISSUER_HEADINGS = (
    (CURRENT, ""),
    (NEXT, "  Signed by the next CA ({next}), during the rollover:"),
    (
        RETIRED,
        "  Signed by a retired CA (phones and openssl no longer trust them; renew each "
        "with `handset-ca renew NAME`):",
    ),
    (UNKNOWN, "  Signed by a CA that is not this workspace's (renew each to re-issue it here):"),
)


def cmd_issue(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    subject = _subject(args, args.cn or args.name)
    as_usage(check_server_name, subject.cn)  # bad input fails before any prompt
    ws.issued_paths(args.name)
    as_usage(build_name, subject)
    as_usage(check_days, args.days)
    ws.require_ca()  # a missing or half CA is said before any passphrase is asked
    ws.refuse_existing(args.name)  # so is a name already issued (ws.issue checks again)
    ca_passphrase = read_passphrase("ca", passphrase_file=args.passphrase_file)
    key_passphrase = None
    if args.key_passphrase or args.key_passphrase_file:
        key_passphrase = read_passphrase("key", new=True, passphrase_file=args.key_passphrase_file)
    result = ws.issue(
        args.name,
        ca_passphrase,
        key_passphrase=key_passphrase,
        days=args.days,
        key_size=args.key_size,
        subject=subject,
    )
    report(f"Issued {args.name}; install server.key and server.crt on the boot server.", result)
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    data = _read(args.csr)
    as_usage(check_days, args.days)
    out = Path(args.out) if args.out else None
    if out is not None:  # before the passphrase prompt, and before any serial is taken
        check_out_folder(out.parent, "--out")
        if out.exists() or out.is_symlink():
            raise UserError(f"{out} already exists; move it away or choose another --out.")
    ws.require_ca()
    ca_passphrase = read_passphrase("ca", passphrase_file=args.passphrase_file)
    result = ws.sign_csr(
        data,
        ca_passphrase,
        days=args.days,
        out=out,
        csr_names=args.csr_names,
        allow_wildcard=args.allow_wildcard,
    )
    report(f"Signed {args.csr}; copy the certificate back to the boot server.", result)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    data = _read(args.file)
    if not is_encrypted_key(data):
        print(inspect_bytes(data, None, what=args.file))
        return 0
    kind = "ca" if Path(args.file).name == "ca.key" else "key"
    wrong: UserError | None = None
    for passphrase in _show_passphrases(args, kind):
        try:
            text = inspect_bytes(data, passphrase, what=args.file)
        except WrongPassphrase as exc:
            wrong = exc
            continue
        print(text)
        return 0
    if wrong is not None:
        raise UserError(
            f"The passphrase for {args.file} is wrong; give the right one with "
            f"--passphrase-file FILE, ${KEY_PASSPHRASE_ENV} or at the prompt."
        )
    raise UserError(
        f"{args.file} is an encrypted key; give its passphrase with --passphrase-file FILE, "
        f"${KEY_PASSPHRASE_ENV} or ${CA_PASSPHRASE_ENV}, or at a terminal."
    )


def _show_passphrases(args: argparse.Namespace, kind: str) -> Iterator[bytes]:
    """--passphrase-file; else the environment (both variables, whichever is set); else a prompt."""
    if args.passphrase_file:
        yield read_passphrase_file(args.passphrase_file).encode("utf-8")
        return
    names = [KEY_PASSPHRASE_ENV, CA_PASSPHRASE_ENV]
    if kind == "ca":
        names.reverse()
    values = [os.environ[name] for name in names if os.environ.get(name)]
    if values:
        for value in dict.fromkeys(values):
            yield value.encode("utf-8")
        return
    if sys.stdin is not None and sys.stdin.isatty():
        typed = ask(f"Passphrase of {args.file}: ")
        if typed:
            yield typed.encode("utf-8")


def _read(name: str) -> bytes:
    """A CSR, certificate or key the user named: core's bounded reader."""
    return read_small_file(name, PKI_FILE)
