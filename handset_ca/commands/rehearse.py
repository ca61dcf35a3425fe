"""`handset-ca rehearse URL`: the bulletin's procedure on a fresh emulated handset.

`handset-ca rehearse --boot URL [--mac MAC]`: one boot (power cycle) of a fresh
handset from a provisioning server instead."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace

from core.errors import UsageError
from core.fetch import ConnectMap, mask_url
from core.handset import DEFAULT_ADMIN_PASSWORD, Cancel, Handset, HandsetSettings
from core.handset.bootfiles import DEFAULT_MAC, boot_base_url, check_mac
from core.handset.events import BOOT_OK
from core.handset.keypad import keypad_presses
from core.handset.menu import PLATFORM_PROFILES, URL_PREFIX
from core.handset.procedure import entered_url, has_scheme, perform_bulletin
from core.handset.provision import parse_boot_server
from core.handset.screen import Screen, render_text
from handset_ca.commands.common import add_connect_to, add_timeout, as_usage


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rehearse",
        help="install a CA certificate on an emulated handset, key by key",
        description=(
            "Press the bulletin's keys on a fresh emulated Spectralink 8400: Settings > "
            "Advanced > password > Administration Settings > TLS Security > Custom CA "
            "Certificates > Install Custom CA Certs > Configure CA Cert..., enter URL, then "
            "set the TLS profile's CA Certificate to All Certificates. With --boot-server, "
            "then provision from that server the way the phone checks it. Exit 0 when all "
            "of it worked, 1 otherwise, 2 for a usage error."
        ),
    )
    parser.add_argument(
        "url",
        metavar="URL",
        nargs="?",
        help="what to type: http://, https:// or ftp:// (without a scheme it is typed after "
        "the field's http://, as a technician would; not with --boot)",
    )
    parser.add_argument(
        "--boot",
        metavar="URL",
        help="instead of the menus: boot a fresh handset from this provisioning server "
        "(ftp://, http:// or https://; reads <mac>.cfg or 000000000000.cfg, then its "
        "CONFIG_FILES) and print every screen and the boot log",
    )
    parser.add_argument(
        "--mac",
        default=DEFAULT_MAC,
        help=f"the handset's MAC for --boot (12 hex digits; default {DEFAULT_MAC})",
    )
    parser.add_argument(
        "--profile",
        type=int,
        choices=range(1, PLATFORM_PROFILES + 1),
        default=1,
        help="platform TLS profile to set to All Certificates (default 1)",
    )
    parser.add_argument(
        "--password",
        default=DEFAULT_ADMIN_PASSWORD,
        help=f"administrator's password to type (default {DEFAULT_ADMIN_PASSWORD})",
    )
    parser.add_argument(
        "--boot-server",
        metavar="https://NAME/",
        help="then provision from this boot server (NAME must equal its certificate's CN)",
    )
    add_connect_to(parser)
    add_timeout(parser, "seconds per download or connection")
    parser.add_argument(
        "--keypad",
        action="store_true",
        help="type the URL on the phone's keypad by multi-tap (2 abc ... 9 wxyz, punctuation "
        "on 1 and 0, # for digits) and print how many presses it took",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the outcome")
    parser.set_defaults(func=run)


def typed_url(url: str) -> str:
    """What the handset's URL field holds after typing ``url``: the 'http://' already there
    is kept (a URL without a scheme is typed after it), everything typed is lower case
    (bulletin); core.handset.procedure.entered_url, which `check` fetches too."""
    return entered_url(url)


def masked_render(screen: Screen) -> str:
    """The phone's picture with a URL password in the entry shown as ***.

    The phone shows what is typed, but terminal output and logs must not carry it.
    """
    entry = screen.entry
    if not entry or screen.kind != "entry":
        return render_text(screen)
    masked = mask_url(entry)
    if masked == entry:
        return render_text(screen)
    # mask_url changes only the password: entry = HEAD + password + "@" + TAIL and
    # masked = HEAD + "***@" + TAIL, HEAD ending at the colon after the user name.
    head = masked.index(":", masked.index("://") + 3) + 1
    at = len(entry) - (len(masked) - head - 4) - 1  # the "@" after the password in entry
    cursor = screen.entry_cursor
    if cursor > at:
        cursor -= len(entry) - len(masked)  # the same character after the password
    elif cursor > head:
        cursor = head  # inside the password: on the stars
    return render_text(replace(screen, entry=masked, entry_cursor=cursor))


def run_boot(args: argparse.Namespace) -> int:
    """One boot of a fresh handset from ``args.boot``: every screen, then the boot log."""
    from core.handset.machine import POWER_KEY
    from core.handset.runner import run_effect

    connect_to = as_usage(ConnectMap.parse, args.connect_to)
    mac = as_usage(check_mac, args.mac)
    as_usage(boot_base_url, args.boot)  # a bad address is a usage error before any key
    handset = Handset(HandsetSettings(boot_server=args.boot, mac=mac))

    def show(phone: Handset) -> None:
        if not args.quiet:
            print(f"[{phone.screen.node_id}]")
            print(masked_render(phone.screen))

    effect = handset.press(POWER_KEY)
    show(handset)
    if effect is not None and not isinstance(effect, Cancel):
        asyncio.run(
            run_effect(
                handset, effect, connect_to=connect_to, timeout=args.timeout, after_feed=show
            )
        )
    if not args.quiet:
        print("Boot log:")
        for line in handset.boot_log:
            print(f"  {line}")
    last = handset.last_boot
    if last is not None and last.reason == BOOT_OK:
        print(f"OK: {handset.last_message}")
        return 0
    print(f"FAILED: {handset.last_message}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    if args.boot:
        if args.url:
            raise UsageError("Give either a URL to type or --boot URL, not both.")
        return run_boot(args)
    if not args.url:
        raise UsageError("Give the URL to type (or --boot URL to boot from a server).")
    connect_to = as_usage(ConnectMap.parse, args.connect_to)
    if args.boot_server:  # a bad address is a usage error (exit 2) before any key
        as_usage(parse_boot_server, args.boot_server)
    typed = typed_url(args.url)
    if args.keypad:  # a character the keypad lacks is a usage error before any key
        as_usage(
            keypad_presses, typed[len(URL_PREFIX) :] if typed.startswith(URL_PREFIX) else typed
        )
    handset = Handset(HandsetSettings(boot_server=args.boot_server or "", keypad=args.keypad))
    if not has_scheme(args.url):
        print(
            f"Note: the URL field starts with {URL_PREFIX} and the URL has no scheme, so the "
            f"handset kept that and typed the rest after it, in lower case: {mask_url(typed)}."
        )
    elif typed != args.url.strip():
        print(
            f"Note: the handset enters lower case only, so it typed {mask_url(typed)} "
            f"(given {mask_url(args.url)}), as a real phone would."
        )

    def show(step: str, phone: Handset) -> None:
        print(f"[{step}]")
        print(masked_render(phone.screen))

    report = asyncio.run(
        perform_bulletin(
            handset,
            args.url,
            profile=args.profile,
            password=args.password,
            provision=bool(args.boot_server),
            connect_to=connect_to,
            timeout=args.timeout,
            on_step=None if args.quiet else show,
        )
    )
    if args.keypad and report.url_presses:
        print(f"Keypad: typing the URL took {report.url_presses} key presses.")
    if report.ok:
        print(f"OK: {report.message}")
        return 0
    print(f"FAILED: {report.message}", file=sys.stderr)
    return 1
