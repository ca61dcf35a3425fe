"""The menu tree is the whole truth: another tree drives the same machine, unchanged."""

from __future__ import annotations

import dataclasses

import pytest

from core.handset import (
    ALL_CERTIFICATES,
    NODES,
    Case,
    Download,
    Entry,
    EventKind,
    Handset,
    HandsetSettings,
    Kind,
    MenuTree,
    Node,
    Outcome,
    Profile,
    Provision,
    RehearsalChoices,
    Role,
)
from tests.handset.certs import pem
from tests.handset.keys import choose, type_text
from tests.handset.results import Fetched

R = "rehearsal choice"


def with_second_gate() -> MenuTree:
    """The shipped tree with Network Configuration turned into a second gated menu."""
    nodes = [n for n in NODES.values() if n.id != "network_configuration"]
    nodes += [
        Node(
            "network_configuration",
            "Network Configuration",
            Kind.MENU,
            R,
            ("vlan",),
            gate="network_configuration.password",
        ),
        Node(
            "network_configuration.password",
            "Network password",
            Kind.PASSWORD,
            R,
            unlocks="network_configuration",
            entry=Entry(masked=True),
        ),
        Node("vlan", "VLAN", Kind.UNSUPPORTED, R),
    ]
    return MenuTree(nodes)


def to_network_gate(handset: Handset) -> None:
    handset.press("soft1")
    choose(handset, "Settings")
    choose(handset, "Advanced")
    type_text(handset, "456")
    handset.press("soft1")
    choose(handset, "Administration Settings")
    choose(handset, "Network Configuration")


@pytest.mark.parametrize("password", ["456", "wrong"])
def test_a_second_password_gate_is_a_gate_not_a_url(password):
    handset = Handset(HandsetSettings(tree=with_second_gate()))
    to_network_gate(handset)
    assert handset.screen.node_id == "network_configuration.password"
    assert handset.screen.kind == "password"
    type_text(handset, password)
    assert handset.screen.entry == "*" * len(password)
    assert handset.press("soft1") is None  # never a Download of the typed password
    assert not handset.busy
    assert not [e for e in handset.events if e.kind is EventKind.EFFECT]
    assert password not in " ".join(f"{e.key} {e.detail}" for e in handset.events)
    if password == "456":
        assert handset.screen.node_id == "network_configuration"
        assert handset.screen.items == ("VLAN",)
        assert handset.log.outcomes()[-2:] == ["admin_granted", "admin_granted"]
    else:
        assert handset.screen.kind == "password"  # issue 12: stays on the entry
        assert handset.log.outcomes()[-1] == "wrong_password"


def trainer_tree() -> MenuTree:
    """A tree a trainer might write: renamed menus, two nested gates, an extra submenu,
    a URL entry moved and starting on https://, profiles numbered 9 and 7."""
    return MenuTree(
        [
            Node("root", "Lab Phone", Kind.IDLE, R, ("home",), busy="p.busy", result="p.done"),
            Node("home", "Home", Kind.MENU, R, ("site", "profiles")),
            Node("site", "Site Setup", Kind.MENU, R, ("lab",), gate="site.pin"),
            Node(
                "site.pin",
                "Site PIN",
                Kind.PASSWORD,
                R,
                unlocks="site",
                entry=Entry(masked=True),
            ),
            Node("lab", "Lab", Kind.MENU, R, ("tools",), gate="lab.pin"),
            Node("lab.pin", "Lab PIN", Kind.PASSWORD, R, unlocks="lab", entry=Entry()),
            Node("tools", "Certificates", Kind.MENU, R, ("ca_url", "cas")),
            Node(
                "ca_url",
                "CA URL",
                Kind.URL_ENTRY,
                R,
                entry=Entry(prefix="https://", case=Case.LOWER),
                busy="ca_url.busy",
                result="ca_url.done",
            ),
            Node("ca_url.busy", "CA URL", Kind.BUSY, R),
            Node("ca_url.done", "CA URL", Kind.INFO, R),
            Node("cas", "Installed", Kind.CA_LIST, R, detail="cas.one", confirm="cas.rm"),
            Node("cas.one", "CA", Kind.INFO, R),
            Node("cas.rm", "Remove?", Kind.INFO, R),
            Node("profiles", "TLS", Kind.MENU, R, ("p9", "p7")),
            Node(
                "p9", "Boot Profile", Kind.PROFILE, R, ("p9.ca",), profile=Profile(9, Role.PLATFORM)
            ),
            Node("p9.ca", "Trust", Kind.CHOICE, R),
            Node(
                "p7",
                "Other Profile",
                Kind.PROFILE,
                R,
                ("p7.ca",),
                profile=Profile(7, Role.PLATFORM),
            ),
            Node("p7.ca", "Trust", Kind.CHOICE, R),
            Node("p.busy", "Provisioning", Kind.BUSY, R),
            Node("p.done", "Provisioning", Kind.INFO, R),
        ]
    )


def test_a_trainers_tree_drives_the_same_machine(ca):
    settings = HandsetSettings(
        boot_server="boot.example",
        tree=trainer_tree(),
        choices=RehearsalChoices(provisioning_profile=9),
    )
    handset = Handset(settings)
    assert sorted(handset.profiles) == [7, 9]
    assert handset.screen.title == "Lab Phone"
    handset.press("soft1")
    assert handset.screen.items == ("Site Setup", "TLS")
    choose(handset, "Site Setup")
    assert handset.screen.node_id == "site.pin" and handset.screen.masked
    type_text(handset, "456")
    handset.press("soft1")
    choose(handset, "Lab")  # the first gate does not open the second
    assert handset.screen.node_id == "lab.pin" and not handset.screen.masked
    type_text(handset, "456")
    assert handset.screen.entry == "456"  # this gate's entry is not masked
    handset.press("soft1")
    choose(handset, "Certificates")
    choose(handset, "CA URL")
    assert handset.screen.entry == "https://"
    type_text(handset, "CA.Example/ROOT.crt")
    effect = handset.press("soft1")
    assert effect == Download("https://ca.example/root.crt")
    assert handset.screen.node_id == "ca_url.busy"
    handset.feed(Fetched(effect.url, True, pem(ca.cert)))
    assert handset.screen.node_id == "ca_url.done"
    assert handset.log.outcomes()[-1] == "installed"
    handset.press("soft1")
    assert handset.screen.node_id == "tools"
    choose(handset, "Installed")
    assert handset.screen.node_id == "cas" and len(handset.screen.items) == 1
    handset.press("select")
    assert handset.screen.node_id == "cas.one"
    handset.press("soft1")  # Remove
    assert handset.screen.node_id == "cas.rm"
    handset.press("soft2")  # No
    handset.press("end")
    assert not handset.admin  # admin access ends on the idle screen
    handset.press("soft1")
    choose(handset, "TLS")
    choose(handset, "Boot Profile")
    assert handset.screen.message == "CA Certificate: Platform CAs Only"
    choose(handset, "Trust")
    choose(handset, ALL_CERTIFICATES)
    assert handset.log.outcomes()[-1] == f"ca_choice:9:{ALL_CERTIFICATES}"
    assert handset.profiles[7].ca_certificate != ALL_CERTIFICATES
    handset.press("end")
    effect = handset.press("soft2")
    assert isinstance(effect, Provision) and effect.profile == 9
    assert handset.screen.node_id == "p.busy"
    assert handset.profile_trust(9).custom == (ca.cert,)


def broken(nodes: list[Node]) -> str:
    with pytest.raises(ValueError) as info:
        MenuTree(nodes)
    return str(info.value)


def test_a_broken_tree_says_which_node():
    idle = Node("idle", "Phone", Kind.IDLE, R, ("m",), busy="b", result="r")
    extra = [Node("b", "B", Kind.BUSY, R), Node("r", "R", Kind.INFO, R)]
    gate = Node("m.pw", "PW", Kind.PASSWORD, R, unlocks="other", entry=Entry(masked=True))
    gated = Node("m", "Menu", Kind.MENU, R, gate="m.pw")
    other = Node("other", "Other", Kind.MENU, R)
    assert "'m'" in broken([idle, *extra, gated, gate, other])
    plain = Node("m", "Menu", Kind.MENU, R, ("c",))
    assert "not under a profile" in broken([idle, *extra, plain, Node("c", "C", Kind.CHOICE, R)])
    assert "'nowhere'" in broken([idle, *extra, Node("m", "M", Kind.MENU, R, ("nowhere",))])
    assert "idle" in broken([*extra, plain])
    typed_menu = dataclasses.replace(plain, children=(), entry=Entry())
    assert "entry rules" in broken([idle, *extra, typed_menu])
    twice = dataclasses.replace(plain, children=())
    assert "twice" in broken([idle, *extra, twice, twice])


def test_a_provisioning_profile_must_be_in_the_tree():
    with pytest.raises(ValueError, match="provisioning profile 1"):
        Handset(HandsetSettings(tree=trainer_tree()))


def test_outcomes_are_fields_not_prefixes():
    handset = Handset()
    handset.press("soft1")
    choose(handset, "Settings")
    choose(handset, "Advanced")
    type_text(handset, "999")
    handset.press("soft1")
    event = handset.log.last_outcome()
    assert event is not None
    assert event.code is Outcome.WRONG_PASSWORD and event.reason == "" and event.failure
    assert handset.log.count("wrong_password") == 1
    assert handset.log.count("wrong_password:") == 1
    with pytest.raises(ValueError):
        handset.log.count("wrong")  # no prefix matching: an unknown code is an error
