"""The handset state machine, key by key, with no network."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from core.handset import (
    ALL_CERTIFICATES,
    Cancel,
    Download,
    EffectError,
    Handset,
    HandsetSettings,
    Provision,
)
from core.handset.menu import MESSAGES, RehearsalChoices
from tests.handset.certs import make_cert, pem
from tests.handset.keys import choose, set_all_certificates, to_url_entry, type_text
from tests.handset.results import Failure, Fetched, Handshake

URL = "http://bootserver1.example.com/ca.crt"


def download(handset: Handset, url: str = URL) -> Download:
    to_url_entry(handset)
    assert handset.screen.entry == "http://"
    type_text(handset, url.removeprefix("http://"))
    effect = handset.press("soft1")  # the Enter soft key
    assert isinstance(effect, Download)
    return effect


def test_bulletin_procedure_installs_and_sets_all_certificates(ca):
    handset = Handset()
    effect = download(handset)
    assert effect == Download(URL)
    assert handset.busy and handset.screen.kind == "busy"
    handset.feed(Fetched(URL, True, pem(ca.cert)))
    assert not handset.busy
    assert handset.screen.message == "CA certificate installed in custom CA slot 1."
    assert [c.cn for c in handset.custom_cas] == ["Root CA"]
    set_all_certificates(handset)
    assert handset.screen.kind == "idle"
    assert handset.profiles[1].ca_certificate == ALL_CERTIFICATES
    assert handset.profiles[2].ca_certificate != ALL_CERTIFICATES
    trust = handset.profile_trust(1)
    assert trust.builtin and trust.custom == (ca.cert,)
    for node in ("advanced.password", "configure_ca_cert", "profile_1.ca_certificate"):
        assert handset.log.reached(node)
    assert handset.log.count("installed") == 1
    assert handset.log.ignored_keys() == 0


def test_wrong_password_stays_on_the_password_entry_with_a_message():
    """issue 12: a wrong password no longer drops back to Settings."""
    handset = Handset()
    handset.press("soft1")
    choose(handset, "Settings")
    choose(handset, "Advanced")
    assert handset.screen.kind == "password"
    assert handset.screen.softkeys[:2] == ("Ok", "Cancel")
    type_text(handset, "123")
    assert handset.screen.entry == "***" and handset.screen.masked
    handset.press("soft1")
    assert handset.screen.node_id == "advanced.password"
    assert handset.screen.entry == "" and handset.screen.entry_cursor == 0
    assert handset.screen.message == "Incorrect password. Try again."
    assert not handset.admin
    assert handset.log.wrong_passwords() == 1
    # the password never reaches the log, only asterisks
    assert "1" not in [e.key for e in handset.log.key_presses()]
    type_text(handset, "456")
    handset.press("soft1")
    assert handset.screen.node_id == "advanced" and handset.admin
    assert handset.log.wrong_passwords() == 1


def test_configured_password_replaces_the_default():
    handset = Handset(HandsetSettings(admin_password="9999"))
    handset.press("soft1")
    choose(handset, "Settings")
    choose(handset, "Advanced")
    type_text(handset, "456")
    handset.press("soft1")
    assert handset.screen.node_id == "advanced.password"  # issue 12: stays, emptied
    assert handset.log.wrong_passwords() == 1
    for key in ["9", "9", "9", "9", "soft1"]:
        handset.press(key)
    assert handset.screen.node_id == "advanced" and handset.admin


def test_upper_case_keys_are_entered_in_lower_case():
    handset = Handset()
    to_url_entry(handset)
    type_text(handset, "BootServer1.EXAMPLE.com/CA.CRT")
    assert handset.screen.entry == "http://bootserver1.example.com/ca.crt"
    assert handset.press("soft1") == Download("http://bootserver1.example.com/ca.crt")


def test_http_prefix_can_be_edited_to_ftp():
    handset = Handset()
    to_url_entry(handset)
    assert handset.screen.softkeys[:2] == ("Enter", "Cancel")
    assert handset.screen.entry_cursor == len("http://")
    for _ in range(len("http://")):
        handset.press("backspace")
    type_text(handset, "ftp://PlcmSpIp:PlcmSpIp@boot/ca.crt")
    # bulletin: all characters are entered as lower case, credentials too
    assert handset.press("soft1") == Download("ftp://plcmspip:plcmspip@boot/ca.crt")


def test_entry_cursor_moves_and_inserts():
    handset = Handset()
    to_url_entry(handset)
    type_text(handset, "host/ca.crt")
    for _ in range(len("/ca.crt")):
        handset.press("left")
    type_text(handset, ":8080")
    assert handset.screen.entry == "http://host:8080/ca.crt"
    handset.press("right")
    assert handset.screen.entry_cursor == len("http://host:8080/")


def test_cancel_leaves_the_url_entry_without_download():
    handset = Handset()
    to_url_entry(handset)
    type_text(handset, "x")
    assert handset.press("soft2") is None
    assert handset.screen.node_id == "install_custom_ca_certs"
    assert not handset.busy
    choose(handset, "Configure CA Cert...")
    assert handset.screen.entry == "http://"


def test_enter_on_bare_prefix_asks_for_a_url():
    handset = Handset()
    to_url_entry(handset)
    assert handset.press("soft1") is None
    assert handset.screen.message == "Enter the URL of the CA certificate."


def test_digit_opens_the_nth_item_and_extra_digits_do_nothing():
    handset = Handset()
    handset.press("select")
    handset.press("1")
    assert handset.screen.node_id == "settings"
    assert handset.screen.items == ("Basic", "Advanced", "Status")
    handset.press("2")
    assert handset.screen.node_id == "advanced.password"
    handset.press("back")
    handset.press("9")
    assert handset.screen.node_id == "settings"
    assert handset.log.ignored_keys() == 1


def test_menu_soft_keys_and_back():
    handset = Handset()
    assert handset.screen.softkeys[:2] == ("Menu", "Provision")
    handset.press("soft1")
    assert handset.screen.softkeys[:2] == ("Select", "Back")
    handset.press("soft2")
    assert handset.screen.kind == "idle"
    assert handset.press("back") is None
    assert handset.log.ignored_keys() == 1


def test_other_items_say_they_are_not_part_of_the_rehearsal():
    handset = Handset()
    handset.press("soft1")
    choose(handset, "Contacts")
    assert handset.screen.node_id == "main_menu"
    assert handset.screen.message == "Contacts is not part of this rehearsal."


def test_end_goes_idle_keeps_settings_and_ends_admin_access(ca):
    handset = Handset()
    download(handset)
    handset.feed(Fetched(URL, True, pem(ca.cert)))
    set_all_certificates(handset)
    assert not handset.admin
    handset.press("soft1")
    choose(handset, "Settings")
    choose(handset, "Advanced")
    assert handset.screen.kind == "password"  # rehearsal choice: access ends at idle
    handset.press("end")
    assert handset.profiles[1].ca_certificate == ALL_CERTIFICATES
    assert len(handset.custom_cas) == 1


def test_end_mid_entry_drops_the_url():
    handset = Handset()
    to_url_entry(handset)
    type_text(handset, "half")
    handset.press("end")
    assert handset.screen.kind == "idle" and not handset.busy


def test_choice_list_marks_the_current_value():
    handset = Handset()
    to_url_entry(handset)
    handset.press("back")
    handset.press("back")
    handset.press("back")
    choose(handset, "Configure TLS Profiles")
    assert handset.screen.items[:2] == ("Platform Profile 1", "Platform Profile 2")
    choose(handset, "Platform Profile 2")
    assert handset.screen.message == "CA Certificate: Platform CAs Only"
    choose(handset, "CA Certificate")
    screen = handset.screen
    assert ALL_CERTIFICATES in screen.items
    assert screen.items[screen.marked] == "Platform CAs Only"
    assert screen.item_sources[screen.items.index(ALL_CERTIFICATES)] == "bulletin"
    choose(handset, ALL_CERTIFICATES)
    assert handset.screen.items[handset.screen.marked] == ALL_CERTIFICATES
    assert handset.profiles[2].ca_certificate == ALL_CERTIFICATES
    assert handset.profiles[1].ca_certificate == "Platform CAs Only"


def test_busy_handset_ignores_keys_but_cancel_keys_and_feed_needs_an_effect():
    """issue 12: while busy, End, Back and the Cancel soft key ask to cancel (a Cancel
    request, nothing changed yet); other keys still do nothing."""
    handset = Handset()
    with pytest.raises(RuntimeError):
        handset.feed(Fetched(URL, True))
    effect = download(handset)
    assert handset.screen.softkeys[1] == "Cancel"
    before = handset.log.ignored_keys()
    assert handset.press("soft1") is None
    assert handset.press("x") is None
    assert handset.busy and handset.log.ignored_keys() == before + 2
    for key in ("end", "back", "soft2"):
        request = handset.press(key)
        assert request == Cancel(effect, "Stopped by the user.")
        assert handset.busy and handset.pending is effect  # the caller stops it, then aborts
    handset.abort(request.reason)
    assert handset.screen.message == "Cancelled. Stopped by the user."
    assert handset.log.ignored_keys() == before + 2


def test_cancel_while_busy_is_a_rehearsal_choice():
    handset = Handset(HandsetSettings(choices=RehearsalChoices(cancel_while_busy=False)))
    download(handset)
    assert handset.screen.softkeys == ("", "", "", "")
    assert handset.press("end") is None and handset.busy


def test_busy_screen_carries_the_callers_tick_for_the_elapsed_seconds():
    handset = Handset()
    to_url_entry(handset)
    handset.press("x")
    assert handset.busy_since is None
    effect = handset.press("soft1", tick=100.0)
    assert isinstance(effect, Download)
    assert handset.screen.busy_since == 100.0 and handset.busy_since == 100.0
    assert handset.elapsed(103.7) == 3
    handset.feed(Fetched(URL, False, failure=Failure.REFUSED, message="Nothing listens."))
    assert handset.screen.busy_since is None and handset.elapsed(200.0) == 0


def test_feeding_the_same_result_twice_raises_at_once(ca):
    handset = Handset()
    download(handset)
    result = Fetched(URL, True, pem(ca.cert))
    assert handset.feed(result) is None
    before = list(handset.events)
    with pytest.raises(EffectError):
        handset.feed(result)
    assert len(handset.custom_cas) == 1 and handset.events == before


def test_download_failure_keeps_the_typed_url():
    handset = Handset()
    download(handset)
    handset.feed(Fetched(URL, False, failure=Failure.REFUSED, message="Nothing listens."))
    assert handset.screen.message == "Download failed. Nothing listens."
    assert handset.log.count("download_failed:refused") == 1
    handset.press("soft1")
    assert handset.screen.node_id == "configure_ca_cert"
    assert handset.screen.entry == URL
    assert handset.custom_cas == []


def test_refused_file_is_reported_with_its_code(ca):
    handset = Handset()
    download(handset)
    handset.feed(Fetched(URL, True, b"<!DOCTYPE html><html>hi</html>"))
    # issue 12: the phone says what a phone says, short and without the remedy ...
    assert handset.screen.message == "Invalid certificate format."
    assert handset.log.outcomes()[-1] == "refused:html"
    assert handset.log.count("refused:") == 1
    # ... and the explanation stays in the log, for the drill's diagnosis.
    last = handset.log.last_outcome()
    assert last is not None and "web page" in last.detail


def test_a_refusal_on_the_phone_gives_no_remedy_and_a_trainer_may_reword_it(ca):
    """issue 12: no "convert it with openssl" on the handset; the wording is data."""
    der = ca.cert.public_bytes(serialization.Encoding.DER)
    handset = Handset()
    download(handset)
    handset.feed(Fetched(URL, True, der))
    assert handset.screen.message == "Invalid certificate format."
    assert "openssl" not in handset.render_text()
    messages = {**MESSAGES, "refused_der": "Bad format."}
    handset = Handset(HandsetSettings(choices=RehearsalChoices(messages=messages)))
    download(handset)
    handset.feed(Fetched(URL, True, der))
    assert handset.screen.message == "Bad format."


def test_slots_fill_up_and_removal_frees_one(ca, ca_key):
    handset = Handset(HandsetSettings(choices=RehearsalChoices(custom_ca_slots=1)))
    download(handset)
    handset.feed(Fetched(URL, True, pem(ca.cert)))
    handset.press("soft1")
    choose(handset, "Configure CA Cert...")
    assert handset.screen.node_id == "install_custom_ca_certs"
    assert "All 1 custom CA slots are in use" in handset.screen.message
    handset.press("back")
    choose(handset, "Custom CA List")
    screen = handset.screen
    assert screen.items == ("Slot 1 Root CA",)
    installed = handset.custom_cas[0]
    assert installed.short_fingerprint in screen.message
    assert f"{ca.cert.not_valid_after_utc:%Y-%m-%d}" in screen.message
    handset.press("select")
    assert handset.screen.node_id == "custom_ca_list.detail"
    assert handset.screen.softkeys[0] == "Remove"
    assert installed.sha256[:23] in handset.screen.items
    handset.press("soft1")
    assert handset.screen.node_id == "custom_ca_list.confirm_remove"
    assert handset.screen.softkeys[:2] == ("Yes", "No")
    handset.press("soft1")
    assert handset.custom_cas == []
    assert handset.screen.message == "Removed Root CA from custom CA slot 1."
    assert handset.screen.message != handset.choices.messages["no_custom_cas"]
    handset.press("back")
    choose(handset, "Install Custom CA Certs")
    choose(handset, "Configure CA Cert...")
    assert handset.screen.node_id == "configure_ca_cert"


def test_same_certificate_twice_is_not_installed_twice(ca):
    handset = Handset()
    download(handset)
    handset.feed(Fetched(URL, True, pem(ca.cert)))
    handset.press("soft1")
    choose(handset, "Configure CA Cert...")
    type_text(handset, "boot/ca.crt")
    handset.press("soft1")
    handset.feed(Fetched(URL, True, pem(ca.cert)))
    assert handset.screen.message == "This certificate is already in custom CA slot 1."
    assert len(handset.custom_cas) == 1


def test_provision_needs_a_boot_server():
    handset = Handset()
    assert handset.press("soft2") is None
    assert handset.screen.message == "No boot server is set for this rehearsal."


def test_provision_effect_and_result(ca):
    server = make_cert("boot.example", ca.server_key, issuer=ca.cert, issuer_key=ca.key, ca=False)
    handset = Handset(HandsetSettings(boot_server="https://boot.example:8443/"))
    effect = handset.press("soft2")
    assert effect == Provision("https://boot.example:8443/", "boot.example", 8443, 1)
    assert handset.screen.node_id == "provision.busy"
    handset.feed(Handshake(True, None, "", peer_cert=server))
    assert handset.last_provision is not None and handset.last_provision.ok
    assert handset.screen.node_id == "provision.result"
    assert handset.log.count("provision:ok") == 1
    handset.press("soft1")
    assert handset.screen.kind == "idle"


def test_profile_trust_follows_the_choice(ca):
    handset = Handset()
    download(handset)
    handset.feed(Fetched(URL, True, pem(ca.cert)))
    assert handset.profile_trust(1).custom == ()  # Platform CAs Only by default
    assert handset.download_trust().custom == (ca.cert,)
    handset.profiles[1].ca_certificate = "Custom CAs Only"
    trust = handset.profile_trust(1)
    assert not trust.builtin and trust.custom == (ca.cert,)


def test_unknown_keys_do_nothing():
    handset = Handset()
    assert handset.press("ctrl+x") is None
    assert handset.press("") is None
    assert handset.log.ignored_keys() == 2


def test_admin_access_can_last_past_idle_when_the_trainer_says_so():
    handset = Handset(HandsetSettings(choices=RehearsalChoices(admin_access_until_idle=False)))
    to_url_entry(handset)
    handset.press("end")
    handset.press("soft1")
    choose(handset, "Settings")
    choose(handset, "Advanced")
    assert handset.screen.node_id == "advanced"


def test_end_key_can_be_turned_off():
    handset = Handset(HandsetSettings(choices=RehearsalChoices(end_goes_idle=False)))
    to_url_entry(handset)
    handset.press("end")
    assert handset.screen.node_id == "configure_ca_cert"
    assert handset.log.ignored_keys() == 1


def test_event_log_masks_the_ftp_password_of_a_download():
    handset = Handset()
    effect = download(handset, "http://plcmspip:s3cret@bootserver1.example.com/ca.crt")
    assert "s3cret" in effect.url  # the fetch needs it
    logged = [e.detail for e in handset.events if e.kind == "effect"]
    assert logged and all("s3cret" not in d for d in logged)
    assert "plcmspip:***@bootserver1.example.com" in logged[-1]


def test_progress_follows_the_profile_provision_uses(ca):
    handset = Handset()
    assert handset.progress == ""
    download(handset)
    handset.feed(Fetched(URL, True, pem(ca.cert)))
    assert handset.progress == "installed"
    set_all_certificates(handset, profile=2)  # not the one Provision uses (Profile 1)
    assert handset.choices.provisioning_profile == 1
    assert handset.progress == "installed"
    choices = RehearsalChoices(provisioning_profile=2)
    on_two = Handset(HandsetSettings(choices=choices))
    download(on_two)
    on_two.feed(Fetched(URL, True, pem(ca.cert)))
    set_all_certificates(on_two, profile=2)
    assert on_two.progress == "profile"


def test_entry_editing_home_end_and_clear():
    """issue 12: line_start/line_end (the terminal's Home/End in an entry) and the Clear
    soft key; the phone's red End key still goes idle."""
    handset = Handset()
    to_url_entry(handset)
    type_text(handset, "host/ca.crt")
    assert handset.screen.softkeys[:3] == ("Enter", "Cancel", "Clear")
    handset.press("line_start")
    assert handset.screen.entry_cursor == 0
    handset.press("line_start")
    assert not handset.log.key_presses()[-1].handled  # already there
    handset.press("line_end")
    assert handset.screen.entry_cursor == len("http://host/ca.crt")
    handset.press("soft3")  # Clear
    assert handset.screen.entry == "" and handset.screen.entry_cursor == 0
    type_text(handset, "ftp://h/ca.crt")
    assert handset.screen.entry == "ftp://h/ca.crt"
    handset.press("end")
    assert handset.screen.kind == "idle"


def test_clear_back_to_the_prefix_is_a_rehearsal_choice():
    handset = Handset(HandsetSettings(choices=RehearsalChoices(clear_empties_entry=False)))
    to_url_entry(handset)
    type_text(handset, "x")
    handset.press("soft3")
    assert handset.screen.entry == "http://" and handset.screen.entry_cursor == 7


def test_after_a_failed_download_the_url_comes_back_with_the_cursor_at_its_end():
    handset = Handset()
    download(handset)
    handset.feed(Fetched(URL, False, failure=Failure.REFUSED, message="Nothing listens."))
    handset.press("soft1")
    assert handset.screen.entry == URL and handset.screen.entry_cursor == len(URL)
    handset.press("line_start")
    effect = handset.press("soft1")
    assert isinstance(effect, Download)
    handset.feed(Fetched(URL, False, failure=Failure.REFUSED, message="Nothing listens."))
    handset.press("soft1")
    assert handset.screen.entry_cursor == len(URL)  # not where it was (the start)
