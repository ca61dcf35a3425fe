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
