"""A trainee's hands: the key presses that do what a job sheet says, on the real handset.

Navigation is by arrow keys and select, computed from the menu data (so a
reordered menu does not break the tests); text is typed one key per character.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.drills.environment import JobSheet
from core.drills.session import DrillSession
from core.handset import ALL_CERTIFICATES, URL_PREFIX
from core.handset.keypad import keypad_presses
from core.handset.menu import CA_CHOICES, NODES, path_to


def keys_to_open(child: str, cursor: int = 0, *, digits: bool = False) -> list[str]:
    """From its parent's menu (cursor at ``cursor``): move to ``child`` and select it,
    or with ``digits`` press the item's number (the dial pad opens numbered items)."""
    parents = {c: n.id for n in NODES.values() for c in n.children}
    index = NODES[parents[child]].children.index(child)
    if digits:
        return [str(index + 1)]
    move = ["down"] * (index - cursor) if index >= cursor else ["up"] * (cursor - index)
    return [*move, "select"]


def keys_from_idle(target: str, *, digits: bool = False) -> list[str]:
    """idle -> target through the menus (a gated menu stops at its password screen)."""
    path = path_to(target)
    keys = ["soft1"]  # Menu soft key: the main menu
    for node_id in path[2:]:
        keys += keys_to_open(node_id, digits=digits)
        if NODES[node_id].gate:
            break
    return keys


def typed(text: str) -> list[str]:
    return list(text)


class Trainee:
    """Presses keys on a session's handset and says where the phone stopped.

    ``press`` sends one handset key; by default straight to the session (core),
    the TUI tests pass one that presses the terminal key through Pilot.
    """

    def __init__(
        self,
        session: DrillSession,
        press: Callable[[str], Awaitable[object]] | None = None,
        *,
        digits: bool = False,
    ) -> None:
        self.session = session
        self.press = press or session.press
        self.digits = digits  # open menu items by their number instead of arrows

    async def keys(self, keys: list[str]) -> None:
        for key in keys:
            await self.press(key)

    @property
    def node(self) -> str:
        return self.session.handset.screen.node_id

    async def log_in(self, password: str) -> bool:
        await self.keys(keys_from_idle("advanced", digits=self.digits))
        assert self.node == "advanced.password"
        await self.keys([*typed(password), "soft1"])
        return self.node == "advanced"

    async def install(self, url: str) -> bool:
        """From the Advanced menu: Configure CA Cert..., type the URL, Enter."""
        path = path_to("configure_ca_cert")
        for node_id in path[path.index("advanced") + 1 :]:
            await self.keys(keys_to_open(node_id, digits=self.digits))
        assert self.node == "configure_ca_cert"
        entry = self.session.handset.screen.entry or ""
        assert entry == URL_PREFIX  # bulletin: the field starts as http://
        rest = url[len(URL_PREFIX) :] if url.startswith(URL_PREFIX) else None
        keypad = bool(self.session.handset.screen.keypad)  # a keypad drill: multi-tap
        if rest is None:  # another scheme: edit the http:// part away
            await self.keys(["soft3"] if keypad else ["backspace"] * len(URL_PREFIX))
            rest = url
        await self.keys([*(keypad_presses(rest) if keypad else typed(rest)), "soft1"])
        assert self.node == "configure_ca_cert.result"
        installed = self.session.handset.log.outcomes()[-1] == "installed"
        await self.keys(["soft1"])  # Ok: close the result
        return installed

    async def set_all_certificates(self) -> None:
        """From Install Custom CA Certs: back to TLS Security, then the profile's choice."""
        await self.keys(["back", "back"])
        assert self.node == "tls_security"
        for node_id in ("configure_tls_profiles", "profile_1", "profile_1.ca_certificate"):
            await self.keys(keys_to_open(node_id, digits=self.digits))
        labels = [label for label, _ in CA_CHOICES]
        marked = self.session.handset.screen.marked
        index = labels.index(ALL_CERTIFICATES)
        move = ["down"] * (index - marked) if index >= marked else ["up"] * (marked - index)
        await self.keys([str(index + 1)] if self.digits else [*move, "select"])

    async def provision(self) -> str:
        """End key, then the Provision soft key on idle; returns the outcome code."""
        await self.keys(["end"])
        assert self.node == "idle"
        await self.keys(["soft2"])
        assert self.node == "provision.result"
        return self.session.handset.log.outcomes()[-1]

    async def boot(self, times: int) -> str:
        """Power-cycle the phone ``times`` times, reading each boot log; the last outcome."""
        for _ in range(times):
            await self.keys(["end", "power"])
            assert self.node == "boot.result"
            outcome = self.session.handset.log.outcomes()[-1]
            if outcome != "boot:ok":
                return outcome
            await self.keys(["soft1"])  # Ok: back to idle
        return self.session.handset.log.outcomes()[-1]

    async def remove(self, slot: int) -> bool:
        """From idle: Custom CA List, the CA in ``slot``, Remove, Yes."""
        path = path_to("custom_ca_list")
        for node_id in path[path.index("advanced") + 1 :]:
            await self.keys(keys_to_open(node_id, digits=self.digits))
        assert self.node == "custom_ca_list"
        slots = [ca.slot for ca in self.session.handset.custom_cas]
        await self.keys([*["down"] * slots.index(slot), "select"])
        assert self.node == "custom_ca_list.detail"
        assert f"Slot {slot}" in self.session.handset.screen.items
        await self.keys(["soft1", "soft1"])  # Remove, Yes
        return self.session.handset.log.outcomes()[-1] == "removed"

    async def follow(self, sheet: JobSheet) -> str:
        """Do what the job sheet says, stopping where the phone fails; returns the last outcome."""
        if sheet.boots:
            return await self.boot(sheet.boots)
        if not await self.log_in(sheet.admin_password):
            return "wrong_password"
        if not await self.install(sheet.url):
            return self.session.handset.log.outcomes()[-1]
        if sheet.set_profile:
            await self.set_all_certificates()
        outcome = await self.provision()
        if not sheet.remove_slot or outcome != "provision:ok":
            return outcome
        await self.keys(["soft1"])  # Ok: back to idle
        if not await self.log_in(sheet.admin_password):
            return "wrong_password"
        if not await self.remove(sheet.remove_slot):
            return self.session.handset.log.outcomes()[-1]
        return await self.provision()
