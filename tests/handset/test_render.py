"""render_text: a fixed-width picture of the handset screen."""

from __future__ import annotations

from core.handset import Handset, HandsetSettings, Screen, render_text
from core.handset.screen import WIDTH
from tests.handset.keys import choose, to_url_entry, type_text


def _lines(text: str) -> list[str]:
    lines = text.splitlines()
    assert {len(line) for line in lines} == {WIDTH + 2}, text
    return lines


def test_menu_picture_has_title_cursor_and_soft_keys():
    handset = Handset()
    handset.press("soft1")
    choose(handset, "Settings")
    handset.press("down")
    lines = _lines(handset.render_text())
    assert "Settings" in lines[1]
    assert "|>2 Advanced" in handset.render_text()
    assert "| 1 Basic" in handset.render_text()
    assert lines[-2].startswith("|Select|Back  |")


def test_idle_picture_shows_boot_server_and_long_soft_key():
    text = Handset(HandsetSettings(boot_server="https://boot.example/")).render_text()
    _lines(text)
    assert "https://boot.example/" in text
    assert "|Menu  |Provision" in text


def test_password_is_masked_in_the_picture():
    handset = Handset()
    handset.press("soft1")
    choose(handset, "Settings")
    choose(handset, "Advanced")
    type_text(handset, "456")
    text = handset.render_text()
    assert "[***" in text and "456" not in text
    assert "|Ok    |Cancel|" in text


def test_long_url_scrolls_to_keep_the_cursor_visible():
    handset = Handset()
    to_url_entry(handset)
    type_text(handset, "a-very-long-boot-server-name.example.com/certs/ca.crt")
    text = handset.render_text()
    _lines(text)
    assert "ca.crt" in text and "http://" not in text
    assert "|Enter |Cancel|" in text


def test_long_message_wraps_and_is_not_cut():
    screen = Screen("x", "T", "info", message="word " * 30)
    lines = _lines(render_text(screen))
    assert sum(line.count("word") for line in lines) == 30


def test_cursor_below_the_window_scrolls_the_list():
    items = tuple(f"Item {n}" for n in range(1, 11))
    text = render_text(Screen("x", "T", "menu", items=items, cursor=9))
    assert ">0 Item 10" in text and "Item 1 " not in text
