"""The bulletin's procedure, performed key by key on a Handset.

Used by `handset-ca rehearse` (and available to drills and demos): it presses
the same keys a trainee presses, through the same state machine, and reports
what the phone said. Navigation uses the arrow keys and select, as on a phone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.fetch import DEFAULT_TIMEOUT, ConnectMap, mask_url
from core.handset.events import Outcome
from core.handset.keypad import keypad_presses
from core.handset.machine import Handset
from core.handset.menu import ALL_CERTIFICATES, DEFAULT_ADMIN_PASSWORD, URL_PREFIX
from core.handset.provision import ProvisionOutcome
from core.handset.runner import drive

# Called after every step with (what was pressed, the handset).
OnStep = Callable[[str, Handset], None]

_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def has_scheme(url: str) -> bool:
    """True when ``url`` starts with ``scheme://`` (any scheme, any case)."""
    return _SCHEME_RE.match(url.strip()) is not None


def url_keystrokes(url: str) -> tuple[bool, str]:
    """How a technician enters ``url`` in the URL field, which starts as 'http://':
    (keep that prefix?, the text to type). An http:// URL keeps the prefix and types the
    rest; a URL without a scheme keeps it and is typed whole after it (the bulletin's
    field already holds http://); any other scheme clears the field and types it all."""
    url = url.strip()
    if url.lower().startswith(URL_PREFIX):
        return True, url[len(URL_PREFIX) :]
    if not has_scheme(url):
        return True, url
    return False, url


def entered_url(url: str) -> str:
    """The URL the handset downloads after a technician enters ``url`` as perform_bulletin
    does: the field's 'http://' kept where it applies, every character typed in lower case
    (bulletin: "All character are entered as lower case"). `handset-ca check` fetches this
    very string, so a check and a rehearsal of the same URL can never disagree."""
    keep, text = url_keystrokes(url)
    return (URL_PREFIX if keep else "") + text.lower()


@dataclass
class RehearsalReport:
    installed: bool = False
    provision: ProvisionOutcome | None = None
    message: str = ""  # the phone's last word: why it stopped, or what it did
    url_presses: int = 0  # key presses that typed the URL (keypad mode: multi-tap ones)

    @property
    def ok(self) -> bool:
        return self.installed and (self.provision is None or self.provision.ok)


class _Stop(Exception):
    pass


class _Driver:
    def __init__(
        self,
        handset: Handset,
        on_step: OnStep | None,
        connect_to: ConnectMap | None,
        timeout: float,
    ) -> None:
        self.handset = handset
        self.on_step = on_step
        self.connect_to = connect_to
        self.timeout = timeout

    async def press(self, key: str) -> None:
        await drive(self.handset, key, connect_to=self.connect_to, timeout=self.timeout)

    async def key(self, key: str, label: str = "") -> None:
        await self.press(key)
        self.step(label or key)

    def step(self, label: str) -> None:
        if self.on_step is not None:
            self.on_step(label, self.handset)

    async def choose(self, label: str) -> None:
        """Arrow to ``label`` and press select; stop if the phone does not show it."""
        screen = self.handset.screen
        if label not in screen.items:
            raise _Stop(screen.message or f"{label} is not on the {screen.title} screen.")
        target = screen.items.index(label)
        moves = target - screen.cursor
        for _ in range(abs(moves)):
            await self.press("down" if moves > 0 else "up")
        await self.key("select", f"select {label}")

    async def type(self, text: str, shown: str | None = None) -> int:
        """Type ``text``; the step is labelled with ``shown`` (a secret never goes there).
        In an entry typed by multi-tap (keypad mode) the text is typed on the keypad.
        Returns how many keys were pressed."""
        screen = self.handset.screen
        presses = keypad_presses(text, self.handset.choices.keypad_map) if screen.keypad else text
        for key in presses:
            await self.press(key)
        how = f" on the keypad ({len(presses)} presses)" if screen.keypad else ""
        self.step(f"type {text if shown is None else shown!r}{how}")
        return len(presses)

    def expect(self, node_id: str) -> None:
        screen = self.handset.screen
        if screen.node_id != node_id:
            label = self.handset.tree.nodes[node_id].label
            raise _Stop(screen.message or f"The phone did not reach {label}.")


async def perform_bulletin(
    handset: Handset,
    url: str,
    *,
    profile: int = 1,
    password: str = DEFAULT_ADMIN_PASSWORD,
    provision: bool = False,
    connect_to: ConnectMap | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    on_step: OnStep | None = None,
) -> RehearsalReport:
    """Steps 1-7 of "Downloading CA Certificates to Phones", then (optionally) provisioning."""
    d = _Driver(handset, on_step, connect_to, timeout)
    profile_label = handset.tree.profiles[profile].label
    report = RehearsalReport()
    d.step("start")
    try:
        # 1. Select Settings>Advanced.
        await d.key("soft1", "Menu soft key")
        await d.choose("Settings")
        await d.choose("Advanced")
        # 2. Enter the Administrator's password.
        await d.type(password, "*" * len(password))  # the phone masks it too
        await d.key("soft1", "Ok soft key")
        d.expect("advanced")
        # 3. Select Administration Settings>TLS Security>Custom CA Certificates.
        for label in ("Administration Settings", "TLS Security", "Custom CA Certificates"):
            await d.choose(label)
        # 4. Select Install Custom CA Certs>Configure CA Cert...
        await d.choose("Install Custom CA Certs")
        await d.choose("Configure CA Cert...")
        d.expect("configure_ca_cert")
        # 5. Enter the URL (the 'http://' part can be edited) and press Enter.
        # The step label masks a URL password: what is printed or logged must not carry it.
        # A URL without a scheme is typed after the 'http://' already there.
        keep, text = url_keystrokes(url)
        shown = mask_url((URL_PREFIX if keep else "") + text)
        if keep:
            typed = await d.type(text, shown[len(URL_PREFIX) :])
        elif handset.screen.keypad:  # the Clear soft key, rather than a Backspace each
            await d.key("soft3", "Clear soft key")
            typed = 1 + await d.type(text, shown)
        else:
            for _ in range(len(handset.screen.entry or "")):
                await d.press("backspace")
            d.step(f"backspace over {URL_PREFIX!r}")
            typed = len(URL_PREFIX) + await d.type(text, shown)
        report.url_presses = typed
        await d.key("soft1", "Enter soft key")
        report.message = handset.last_message
        last = handset.log.last_outcome()
        if last is None or last.code is not Outcome.INSTALLED:
            said = handset.last_message
            if last is not None and last.detail and last.detail not in said:
                # The phone's words are short (a refused file): add the explanation.
                said = f"{said} Why: {last.detail}"
            raise _Stop(said)
        report.installed = True
        await d.key("soft1", "Ok soft key")
        # 6. Select Configure TLS Profiles, select the profile.
        await d.key("back")
        await d.key("back")
        await d.choose("Configure TLS Profiles")
        await d.choose(profile_label)
        # 7. Select CA Certificate then All Certificates, then press the End key.
        await d.choose("CA Certificate")
        await d.choose(ALL_CERTIFICATES)
        await d.key("end", "End key")
        report.message = (
            f"{handset.last_message} {profile_label}: "
            f"CA Certificate set to {handset.profiles[profile].ca_certificate}."
        )
        if provision:
            await d.key("soft2", "Provision soft key")
            report.provision = handset.last_provision
            report.message = f"{report.message} {handset.last_message}"
            if report.provision is not None:
                await d.key("soft1", "Ok soft key")
    except _Stop as stop:
        report.message = str(stop)
    return report
