"""The third audit's cases: each refused or left out with a sentence, nothing written."""

from __future__ import annotations

from pathlib import Path

from core.bootserver.publish import directory_files
from handset_ca.cli import main
from tui.app import make_app
from tui.drills_screen import DrillPickerScreen


def test_a_nul_in_a_passphrase_file_is_refused(tmp_path, capsys):
    secret = tmp_path / "nul2"
    secret.write_bytes(b"ab\x00cdef\n")
    code = main(["--workspace", str(tmp_path / "pki"), "ca", "init", "--cn", "Audit CA",
                 "--passphrase-file", str(secret)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "NUL" in err
    assert not (tmp_path / "pki" / "ca.key").exists()


def test_serve_dir_leaves_out_a_name_with_a_line_break(tmp_path):
    folder = tmp_path / "sd"
    folder.mkdir()
    (folder / "site.cfg").write_text("<x/>")
    (folder / "evil\r\n-rw-r--r-- 1 x x 1 Jan 1 00:00 fake.cfg").write_text("<x/>")
    files, left_out = directory_files(folder)
    assert list(files) == ["/site.cfg"]
    assert any("control characters" in note for note in left_out)


async def test_a_trainee_name_is_shown_as_text_not_markup(tmp_path: Path) -> None:
    app = make_app(tmp_path / "pki")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = DrillPickerScreen(tmp_path / "pki")
        await app.push_screen(screen)
        await pilot.pause()
        screen.trainee = "[@click=app.quit]Bob"
        screen._show_options()
        subtitle = screen.query_one("#drill-list").border_subtitle
        assert subtitle == r"Trainee: \[@click=app.quit]Bob (t changes)"  # escaped: plain text
