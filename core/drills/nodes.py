"""What the drills need to know of the handset's menu: node ids and parents."""

from __future__ import annotations

from core.handset.menu import NODES

# The screen on which the phone logs each outcome a step may name (a trailing
# ":" names a family): the checker adds the way there to a drill's route.
OUTCOME_NODES = {
    "admin_granted": "advanced",
    "wrong_password": "advanced.password",
    "installed": "configure_ca_cert",
    "already_installed": "configure_ca_cert",
    "slots_full": "configure_ca_cert",
    "refused:": "configure_ca_cert",
    "download_failed:": "configure_ca_cert",
    "removed": "custom_ca_list",
    "provision:": "idle",
}


# Outcome codes a step may name: exact codes, and families (code prefix + detail).
OUTCOME_CODES = frozenset(
    {
        "admin_granted",
        "wrong_password",
        "installed",
        "already_installed",
        "slots_full",
        "unsupported",
        "removed",
    }
)
OUTCOME_FAMILIES = ("refused:", "download_failed:", "provision:", "ca_choice:")


def known_outcome(code: str) -> bool:
    """Can the handset log ``code`` (or, for a family, something starting with it)?"""
    return code in OUTCOME_CODES or code.startswith(OUTCOME_FAMILIES)


def handset_node_ids() -> list[str]:
    """Every node id the emulated handset can show."""
    return list(NODES)


def parents() -> dict[str, str]:
    """child node id -> parent node id, from the menu data (a password gate's parent
    is the parent of the menu it guards)."""
    out = {child: node.id for node in NODES.values() for child in node.children}
    for node in NODES.values():
        if node.gate and node.id in out:
            out[node.gate] = out[node.id]
    return out


def outcome_node(code: str) -> str | None:
    """The screen an outcome code belongs to, or None when unknown."""
    if code.startswith("ca_choice:"):
        number = code.split(":")[1]
        return f"profile_{number}.ca_certificate" if number.isdigit() else None
    for key, node in OUTCOME_NODES.items():
        if code == key or (key.endswith(":") and code.startswith(key)):
            return node
    return None
