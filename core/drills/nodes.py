"""What the drills need to know of the handset's menu: node ids, parents, outcomes."""

from __future__ import annotations

from core.handset.events import Outcome, OutcomeSpec
from core.handset.menu import TREE, Kind, MenuTree

# Outcome codes a step may name: exact codes, and families (a code with a reason:
# "refused:" for any reason, "refused:der" for one).
OUTCOME_FAMILIES = tuple(
    f"{code}:"
    for code in (
        Outcome.REFUSED,
        Outcome.DOWNLOAD_FAILED,
        Outcome.PROVISION,
        Outcome.CA_CHOICE,
        Outcome.CANCELLED,
        Outcome.BOOT,
        Outcome.FILE_READ,
        Outcome.FILE_FAILED,
        Outcome.PARAM_APPLIED,
        Outcome.PARAM_IGNORED,
        Outcome.PARAM_REFUSED,
    )
)
OUTCOME_CODES = frozenset(str(code) for code in Outcome) - {f[:-1] for f in OUTCOME_FAMILIES}


def known_outcome(code: str) -> bool:
    """Can the handset log ``code``: an exact code, or a family ("code:", "code:reason")?"""
    name, colon, _ = code.partition(":")
    return f"{name}:" in OUTCOME_FAMILIES if colon else name in OUTCOME_CODES


def handset_node_ids(tree: MenuTree = TREE) -> list[str]:
    """Every node id the emulated handset can show."""
    return list(tree.nodes)


def parents(tree: MenuTree = TREE) -> dict[str, str]:
    """child node id -> parent node id, from the menu data (a password gate's parent
    is the parent of the menu it guards)."""
    out = dict(tree.parents)
    for node in tree.nodes.values():
        if node.gate and node.id in out:
            out[node.gate] = out[node.id]
    return out


def outcome_node(code: str, tree: MenuTree = TREE) -> str | None:
    """The screen an outcome code belongs to, or None when unknown."""
    try:
        spec = OutcomeSpec.parse(code)
    except ValueError:
        return None
    if spec.code is Outcome.CA_CHOICE:
        number = (spec.reason or "").partition(":")[0]
        return tree.choice_of_profile(int(number)) if number.isdigit() else None
    return outcome_screens(tree).get(spec.code)


def outcome_screens(tree: MenuTree = TREE) -> dict[Outcome, str]:
    """The screen on which the phone logs each outcome a step may name, found by kind
    (the first gate, URL entry and CA list of the tree): the checker adds the way
    there to a drill's route. CA_CHOICE depends on its profile: see outcome_node."""

    def first(kind: Kind) -> str | None:
        return next((n.id for n in tree.nodes.values() if n.kind is kind), None)

    out: dict[Outcome, str] = {Outcome.PROVISION: tree.root.id, Outcome.BOOT: tree.root.id}
    gate, entry, ca_list = first(Kind.PASSWORD), first(Kind.URL_ENTRY), first(Kind.CA_LIST)
    if gate is not None:
        out[Outcome.WRONG_PASSWORD] = gate
        out[Outcome.ADMIN_GRANTED] = tree.nodes[gate].unlocks or gate
    if entry is not None:
        for code in (
            Outcome.INSTALLED,
            Outcome.ALREADY_INSTALLED,
            Outcome.SLOTS_FULL,
            Outcome.REFUSED,
            Outcome.DOWNLOAD_FAILED,
            Outcome.CANCELLED,
        ):
            out[code] = entry
    if ca_list is not None:
        out[Outcome.REMOVED] = ca_list
    return out
