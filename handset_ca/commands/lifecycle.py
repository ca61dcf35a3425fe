"""Life after day one: renew NAME, status, export NAME, ca renew, ca rollover [--finish]."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.errors import UsageError, UserError
from core.locations import EXPORT_PASSPHRASE_ENV
from core.passphrase import read_passphrase
from core.pki import (
    DEFAULT_CA_DAYS,
    DEFAULT_SERVER_DAYS,
    DEFAULT_SERVER_KEY_SIZE,
)
from core.pki.ca import check_days
from core.pki.export import FORMATS, check_export, export, key_is_encrypted
from core.pki.issuers import still_under_current, unfinished_sentence
from core.pki.names import printable
from core.pki.renew import issued_certificate, renew, renew_ca
from core.pki.rollover import (
    FORCE_HINT,
    finish_rollover,
    refuse_started,
    rollover_started,
    start_rollover,
)
from core.pki.status import DEFAULT_WARN_DAYS, EXPIRED, OK, WARNING, expiry_status
from handset_ca.commands.common import add_workspace, as_usage
from handset_ca.commands.pki import (
    add_ca_passphrase_file,
    add_days,
    add_key_size,
    open_workspace,
    report,
)

USAGE_ERROR = 2
# `serve` reads the workspace's files when it starts (the app restarts its own server).
RESTART_SERVE = (
    " A running `handset-ca serve` still serves the former files: restart it (Ctrl+C, then "
    "the same command)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    renew_p = subparsers.add_parser(
        "renew", help="a new certificate for an issued name (same key unless --new-key)"
    )
    add_ca_passphrase_file(renew_p)
    renew_p.add_argument("name", metavar="NAME", help="the name it was issued as")
    add_days(renew_p, DEFAULT_SERVER_DAYS)
    renew_p.add_argument(
        "--new-key", action="store_true", help="make a new server key (and CSR) too"
    )
    add_key_size(renew_p, DEFAULT_SERVER_KEY_SIZE, "with --new-key (default %(default)s)")
    renew_p.add_argument(
        "--key-passphrase",
        action="store_true",
        help="with --new-key: encrypt the new server.key (prompt or $HANDSET_CA_KEY_PASSPHRASE)",
    )
    renew_p.add_argument(
        "--key-passphrase-file", metavar="FILE", help="read the new key's passphrase from FILE"
    )
    renew_p.add_argument(
        "--next",
        action="store_true",
        help="sign with the next CA of a rollover under way (next/ca.key)",
    )
    renew_p.set_defaults(func=cmd_renew)

    status = subparsers.add_parser(
        "status",
        help="expiry of the CA and every issued certificate (exit 1 if any needs care)",
    )
    add_workspace(status)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument(
        "--warn-days",
        type=_non_negative,
        default=DEFAULT_WARN_DAYS,
        help="warning window in days (default %(default)s)",
    )
    status.set_defaults(func=cmd_status)

    exp = subparsers.add_parser("export", help="PKCS#12, full chain or DER for a boot server")
    add_workspace(exp)  # no CA passphrase: nothing is signed
    exp.add_argument("name", metavar="NAME")
    exp.add_argument("--format", choices=FORMATS, required=True)
    exp.add_argument("--out", metavar="FILE", required=True, help="a new file (never replaced)")
    exp.add_argument(
        "--legacy",
        action="store_true",
        help="pkcs12 in the 3DES/SHA-1 form older Windows Server releases need",
    )
    exp.add_argument(
        "--export-passphrase-file",
        metavar="FILE",
        help=f"the PKCS#12 passphrase from FILE (else ${EXPORT_PASSPHRASE_ENV}, else a prompt)",
    )
    exp.add_argument(
        "--key-passphrase-file",
        metavar="FILE",
        help="the server key's passphrase, if it is encrypted (else "
        "$HANDSET_CA_KEY_PASSPHRASE, else a prompt)",
    )
    exp.set_defaults(func=cmd_export)

    ca_actions = subparsers.choices["ca"].actions  # set by handset_ca.commands.pki
    ca_renew = ca_actions.add_parser(
        "renew", help="re-issue ca.crt with the same key and subject (phones keep trusting)"
    )
    add_ca_passphrase_file(ca_renew)
    add_days(ca_renew, DEFAULT_CA_DAYS)
    ca_renew.set_defaults(func=cmd_ca_renew)

    roll = ca_actions.add_parser(
        "rollover", help="start a new CA beside the current one; --finish makes it current"
    )
    add_ca_passphrase_file(roll)
    roll.add_argument("--finish", action="store_true", help="make the next CA the current one")
    roll.add_argument(
        "--force",
        action="store_true",
        help="with --finish: finish even though the current CA still signs issued "
        "certificates (they stop verifying)",
    )
    add_days(roll, DEFAULT_CA_DAYS, "the next CA's validity")
    roll.set_defaults(func=cmd_ca_rollover)


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the window cannot be negative")
    return value


def cmd_renew(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    as_usage(check_days, args.days)
    as_usage(ws.issued_paths, args.name)  # a malformed NAME is a usage error, as for issue
    issued_certificate(ws, args.name)  # before any prompt
    if args.next and not rollover_started(ws):
        raise UserError(
            f"No CA rollover was started in {ws.root}, so there is no next CA to sign "
            "with; start one with `handset-ca ca rollover`, or renew without --next."
        )
    if (args.key_passphrase or args.key_passphrase_file) and not args.new_key:
        raise UserError(
            "--key-passphrase is for the new key of --new-key; without it the key stays as it is."
        )
    ca_passphrase = read_passphrase("ca", passphrase_file=args.passphrase_file)
    key_passphrase = None
    if args.key_passphrase or args.key_passphrase_file:
        key_passphrase = read_passphrase("key", new=True, passphrase_file=args.key_passphrase_file)
    result = renew(
        ws,
        args.name,
        ca_passphrase,
        days=args.days,
        new_key=args.new_key,
        key_passphrase=key_passphrase,
        key_size=args.key_size,
        under_next=args.next,
    )
    report(
        f"Renewed {args.name}; the former certificate is kept in "
        f"{ws.issued_paths(args.name).crt.parent / 'previous'}. Install server.crt"
        + (" and server.key" if args.new_key else "")
        + " on the boot server."
        + RESTART_SERVE,
        result,
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        report = expiry_status(ws, args.warn_days)
    except UserError as exc:  # no CA here: a usage error for cron, not "something expires"
        print(f"handset-ca: {exc}", file=sys.stderr)
        return USAGE_ERROR
    if args.json:
        # compact, as `check --json`: the C encoder (an indent would switch to the slow one)
        sys.stdout.write(json.dumps(report.as_json(), separators=(",", ":")) + "\n")
    else:
        dated = [e for e in report.attention if e.state in (EXPIRED, WARNING)]
        orphans = [e.name for e in report.attention if e.state not in (EXPIRED, WARNING)]
        print(
            f"{len(report.entries)} certificates in {ws.root}; "
            f"{len(dated)} expired or expiring within {report.warn_days} days"
            + (
                f"; {len(orphans)} signed by a CA that phones no longer trust (renew each "
                "with `handset-ca renew NAME`)."
                if orphans
                else "."
            )
        )
        width = max([8, *(len(e.state) for e in report.entries)])
        print(f"{'STATE':{width}} {'DAYS':>6} {'USED':>6}  {'NOT AFTER':10}  NAME")
        for entry in report.entries:
            print(
                f"{entry.state:{width}} {entry.days_left:>6} {entry.used_percent:>5.1f}%  "
                f"{entry.not_after:%Y-%m-%d}  {printable(entry.name)}"
            )
        for path in report.unreadable:
            print(
                f"handset-ca: warning: {printable(str(path))} is not a readable certificate.",
                file=sys.stderr,
            )
    return 1 if any(e.state != OK for e in report.entries) else 0


def cmd_export(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    out = Path(args.out)
    check_export(ws, args.name, args.format, out)  # before any prompt
    if args.legacy and args.format != "pkcs12":
        raise UserError("--legacy is for --format pkcs12 only.")
    export_passphrase = key_passphrase = None
    encrypted = args.format == "pkcs12" and key_is_encrypted(ws, args.name)
    if args.key_passphrase_file and not encrypted:  # said, not silently ignored
        why = (
            f"the server key of {args.name} is not encrypted"
            if args.format == "pkcs12"
            else f"--format {args.format} holds no key"
        )
        print(f"handset-ca: note: --key-passphrase-file was not used: {why}.", file=sys.stderr)
    if args.format == "pkcs12":
        if encrypted:
            key_passphrase = read_passphrase("key", passphrase_file=args.key_passphrase_file)
        export_passphrase = read_passphrase(
            "export", new=True, passphrase_file=args.export_passphrase_file
        )
    written = export(
        ws,
        args.name,
        args.format,
        out,
        export_passphrase=export_passphrase,
        key_passphrase=key_passphrase,
        legacy=args.legacy,
    )
    what = {
        "pkcs12": "key, certificate and CA in one PKCS#12 (mode 0600)"
        + (", legacy 3DES/SHA-1" if args.legacy else ", AES-256/PBKDF2"),
        "fullchain": "the certificate then its CA (PEM), for nginx or Apache",
        "der": "the certificate in DER",
    }[args.format]
    print(f"Wrote {written}: {what}.")
    return 0


def cmd_ca_renew(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    as_usage(check_days, args.days)
    ws.ca_certificate()  # "There is no CA" before the prompt
    passphrase = read_passphrase("ca", passphrase_file=args.passphrase_file)
    result = renew_ca(ws, passphrase, days=args.days)
    report(
        "Renewed the CA certificate (same key, same subject): phones holding the former "
        f"ca.crt keep trusting; the former one is kept as {result.paths[1]}." + RESTART_SERVE,
        result,
    )
    return 0


def cmd_ca_rollover(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    ws.ca_certificate()  # "There is no CA" before the prompt
    if args.finish:
        if not rollover_started(ws):
            raise UserError(
                f"No CA rollover was started in {ws.root}; start one with `handset-ca ca rollover`."
            )
        left = still_under_current(ws)
        if left and not args.force:  # before the prompt; finish_rollover checks again
            raise UserError(unfinished_sentence(left, FORCE_HINT))
        passphrase = read_passphrase("ca", passphrase_file=args.passphrase_file)
        result = finish_rollover(ws, passphrase, force=args.force)
        report(
            "The next CA is now the current one (ca.key, ca.crt); the former pair is kept "
            f"in {result.paths[2].parent}. Remove the former CA from the phones' slot 1."
            + RESTART_SERVE,
            result,
        )
        return 0
    if args.force:
        raise UsageError("--force is for `ca rollover --finish` only.")
    as_usage(check_days, args.days)
    refuse_started(ws)
    passphrase = read_passphrase("ca", passphrase_file=args.passphrase_file)
    result = start_rollover(ws, passphrase, days=args.days)
    report(
        "Started a CA rollover: the next CA is in next/ (same passphrase). Put next/ca.crt "
        "into the phones' second custom CA slot, re-issue boot servers with "
        "`handset-ca renew NAME --next`, then run `handset-ca ca rollover --finish`."
        + RESTART_SERVE,
        result,
    )
    return 0
