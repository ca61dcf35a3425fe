"""Pressing the bulletin's keys on a handset, as a trainee would (arrows + select)."""

from __future__ import annotations

from core.handset import Handset


def choose(handset: Handset, label: str) -> None:
    """Move the cursor to ``label`` with up/down, then press select."""
    items = handset.screen.items
    assert label in items, f"{label!r} not in {items}"
    target = items.index(label)
    while handset.screen.cursor < target:
        handset.press("down")
    while handset.screen.cursor > target:
        handset.press("up")
    assert handset.press("select") is None


def type_text(handset: Handset, text: str) -> None:
    for ch in text:
        assert handset.press(ch) is None


def to_url_entry(handset: Handset, password: str = "456") -> None:
    """Idle -> Settings > Advanced > password > ... > Configure CA Cert... (bulletin 1-4)."""
    handset.press("soft1")  # Menu
    choose(handset, "Settings")
    choose(handset, "Advanced")
    type_text(handset, password)
    handset.press("soft1")  # Ok
    choose(handset, "Administration Settings")
    choose(handset, "TLS Security")
    choose(handset, "Custom CA Certificates")
    choose(handset, "Install Custom CA Certs")
    choose(handset, "Configure CA Cert...")


def set_all_certificates(handset: Handset, profile: int = 1) -> None:
    """From the result of a download: bulletin steps 6-7, then End."""
    handset.press("soft1")  # Ok on the result
    handset.press("back")  # Install Custom CA Certs -> Custom CA Certificates
    handset.press("back")  # -> TLS Security
    choose(handset, "Configure TLS Profiles")
    choose(handset, f"Platform Profile {profile}")
    choose(handset, "CA Certificate")
    choose(handset, "All Certificates")
    handset.press("end")
