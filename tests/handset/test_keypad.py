"""issue 12: the phone's keypad, multi-tap (ITU E.161 letters, our punctuation map)."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.handset import Handset, HandsetSettings, KeypadMode
from core.handset.keypad import keypad_presses
from core.handset.menu import KEYPAD_MAP, RehearsalChoices
from tests.handset.keys import to_url_entry

BULLETIN_URLS = [
    "http://bootserver1.spectralink.com/ca.crt",
    "ftp://plcmspip:plcmspip@192.168.0.10/certs/ca.crt",
    "https://boot-server_2.example.com:8443/a/ca.pem?v=1&x=%20~",
]


def keypad_handset(**choices: object) -> Handset:
    handset = Handset(HandsetSettings(keypad=True, choices=RehearsalChoices(**choices)))
    to_url_entry(handset)
    return handset


def type_on_keypad(handset: Handset, presses: list[str]) -> None:
    for key in presses:
        handset.press(key)
        assert handset.log.key_presses()[-1].handled, key


def test_e161_letters():
    assert {KEYPAD_MAP[k] for k in "23456789"} == {
        "abc", "def", "ghi", "jkl", "mno", "pqrs", "tuv", "wxyz"
    }  # fmt: skip
    assert all(c in KEYPAD_MAP["1"] for c in "./:@-_")


@pytest.mark.parametrize("url", BULLETIN_URLS)
def test_press_sequence_round_trips_to_the_exact_url(url):
    handset = keypad_handset()
    handset.press("soft3")  # Clear: the whole field, http:// too
    assert handset.screen.entry == ""
    presses = keypad_presses(url)
    type_on_keypad(handset, presses)
    assert handset.screen.entry == url
    assert handset.screen.entry_cursor == len(url)


def test_letters_digits_punctuation_and_same_key_repeats():
    assert keypad_presses("a") == ["2"]
    assert keypad_presses("c") == ["2", "2", "2"]
    assert keypad_presses("ab") == ["2", "right", "2", "2"]  # same key: confirm first
    assert keypad_presses("ad") == ["2", "3"]  # another key confirms by itself
    assert keypad_presses("s") == ["7"] * 4 and keypad_presses("z") == ["9"] * 4
    assert keypad_presses("a1b") == ["2", "#", "1", "#", "2", "2"]
    assert keypad_presses("10") == ["#", "1", "0"]
    assert keypad_presses("./") == ["1", "right", "1", "1"]
    assert keypad_presses(":") == ["1", "1", "1"]
    with pytest.raises(UserError, match="no key for"):
        keypad_presses("a b")


def test_multi_tap_on_the_machine():
    handset = keypad_handset()
    assert handset.screen.entry == "http://"
    assert handset.screen.keypad_mode == "abc" and ("2", "abc") in handset.screen.keypad
    handset.press("2")
    assert handset.screen.entry == "http://a" and handset.screen.entry_pending
    handset.press("2")
    handset.press("2")
    assert handset.screen.entry == "http://c"
    handset.press("2")  # wraps around
    assert handset.screen.entry == "http://a"
    handset.press("timeout")  # a pause confirms, as on a phone
    assert not handset.screen.entry_pending
    handset.press("2")
    assert handset.screen.entry == "http://aa"
    handset.press("right")  # the next key confirms ...
    handset.press("right")  # ... and then moves the cursor as usual (already at the end)
    assert handset.log.key_presses()[-1].handled is False
    handset.press("#")
    assert handset.screen.keypad_mode == KeypadMode.DIGITS
    assert ("#", "abc") in handset.screen.keypad
    handset.press("2")
    handset.press("2")
    assert handset.screen.entry == "http://aa22" and not handset.screen.entry_pending
    handset.press("#")
    handset.press("x")  # a keyboard's letter: the keypad has no such key
    assert handset.screen.entry == "http://aa22"
    assert not handset.log.key_presses()[-1].handled
    assert "number keys" in handset.screen.message
    handset.press("3")
    handset.press("backspace")  # removes the character on show
    assert handset.screen.entry == "http://aa22"


def test_timeout_with_nothing_on_show_is_no_key_and_menus_ignore_it():
    handset = keypad_handset()
    handset.press("timeout")
    assert not handset.log.key_presses()[-1].handled


def test_password_entry_takes_digits_in_keypad_mode():
    handset = Handset(HandsetSettings(keypad=True))
    to_url_entry(handset)  # types 456 on the way: digits type digits in a password
    assert handset.screen.node_id == "configure_ca_cert"


def test_a_trainer_edits_the_map():
    mapping = {**KEYPAD_MAP, "1": "/."}
    handset = keypad_handset(keypad_map=mapping)
    handset.press("1")
    assert handset.screen.entry == "http:///"
    assert keypad_presses(".", mapping) == ["1", "1"]


def test_without_keypad_mode_letters_type_directly_and_no_map_shows():
    handset = Handset()
    to_url_entry(handset)
    handset.press("a")
    assert handset.screen.entry == "http://a" and handset.screen.keypad == ()
