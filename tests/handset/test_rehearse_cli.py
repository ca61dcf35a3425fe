"""`handset-ca rehearse` says when the handset typed a URL differently from the one given."""

from __future__ import annotations

from handset_ca.cli import main
from tests.handset.certs import pem
from tests.servers import FTPServer, HTTPServer, Route


def test_the_bulletin_ftp_url_is_typed_in_lower_case_and_rehearse_says_so(ca, tmp_path, capsys):
    (tmp_path / "ca.crt").write_bytes(pem(ca.cert))
    with FTPServer(tmp_path, user="plcmspip", password="plcmspip", anonymous=False) as ftp:
        url = ftp.url(user="PlcmSpIp", password="PlcmSpIp")
        code = main(["rehearse", url, "--quiet", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    typed = url.replace("PlcmSpIp:PlcmSpIp", "plcmspip:***")
    (note,) = [line for line in out.splitlines() if line.startswith("Note:")]
    assert "lower case only" in note and f"typed {typed} " in note
    assert "PlcmSpIp:PlcmSpIp" not in out + err  # the password is masked


def test_no_note_when_the_url_is_typed_as_given(ca, capsys):
    with HTTPServer({"/ca.crt": Route(pem(ca.cert))}) as server:
        code = main(["rehearse", server.url("/ca.crt"), "--quiet", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Note:" not in out


def test_the_ftp_password_never_reaches_the_terminal(ca, tmp_path, capsys):
    (tmp_path / "ca.crt").write_bytes(pem(ca.cert))
    with FTPServer(tmp_path, user="plcmspip", password="s3cretpw", anonymous=False) as ftp:
        url = ftp.url(user="plcmspip", password="s3cretpw")
        good = main(["rehearse", url, "--timeout", "5"])
        out, err = capsys.readouterr()
        wrong = main(["rehearse", url.replace("plcmspip:", "plcmspip:s3cretpx"), "--timeout", "5"])
        out2, err2 = capsys.readouterr()
    assert good == 0, err
    assert wrong == 1
    assert "[type 'ftp://plcmspip:***@" in out and "|[" in out  # the screens are still printed
    for text in (out, err, out2, err2):
        assert "s3cret" not in text and "cretpw" not in text and "cretpx" not in text


def test_rehearse_keypad_types_the_url_by_multi_tap_and_counts_the_presses(ca, capsys):
    """issue 12: `rehearse --keypad URL` types with the digit keys and says how many."""
    from core.handset.keypad import keypad_presses

    with HTTPServer({"/ca.crt": Route(pem(ca.cert))}) as server:
        url = server.url("/ca.crt")
        code = main(["rehearse", url, "--keypad", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    expected = len(keypad_presses(url.removeprefix("http://")))
    assert f"Keypad: typing the URL took {expected} key presses." in out
    assert "on the keypad" in out and "Keypad abc" in out  # the map on the phone's screen


def test_rehearse_keypad_ftp_url_clears_the_field_first(ca, tmp_path, capsys):
    from core.handset.keypad import keypad_presses

    (tmp_path / "ca.crt").write_bytes(pem(ca.cert))
    with FTPServer(tmp_path, user="plcmspip", password="plcmspip", anonymous=False) as ftp:
        url = ftp.url(user="plcmspip", password="plcmspip")
        code = main(["rehearse", url, "--keypad", "--quiet", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"took {1 + len(keypad_presses(url))} key presses" in out  # Clear + the URL


def test_rehearse_keypad_refuses_a_character_the_keypad_lacks(capsys):
    code = main(["rehearse", "http://host/a b", "--keypad"])
    _out, err = capsys.readouterr()
    assert code != 0 and "no key for" in err and "Traceback" not in err
