"""Layout and truth on screen at 80x24: what is said is whole, and nothing alarming."""

from __future__ import annotations

from pathlib import Path

from core.pki.workspace import Result
from tests.tui.conftest import screen_text
from tui.app import HandsetCAApp
from tui.handset_pane import phone_lines

NAME = "bootserver1.spectralink.com"


async def test_the_issue_status_keeps_every_file_visible(frozen_app: HandsetCAApp) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        folder = app.workspace.root / "issued" / NAME
        paths = [folder / n for n in ("server.key", "server.csr", "server.crt")]
        result = Result(None, None, paths, [])  # type: ignore[arg-type]  # only the paths
        app.say(app.rehearsal.result_lines("Issued", result))
        await pilot.pause()
        await pilot.pause()
        shown = screen_text(app)
        assert "server.crt" in shown and "server.key" in shown, shown
        assert f"issued/{NAME}/" in shown, shown  # the folder whole, not cut in a name


def test_phone_messages_break_between_words() -> None:
    from core.handset import Handset

    handset = Handset()
    screen = handset.screen
    message = f'Provisioning failed: the name does not match Common Name "{NAME}".'
    screen = type(screen)(**{**screen.__dict__, "message": message})
    lines = [line.plain for line in phone_lines(screen, 28, 6)]
    text = "\n".join(lines)
    # Too long for the line with its quotes: broken before a dot, never "bootserver1.sp"
    # | "ectralink.com" as a plain wrap at the width did.
    assert "bootserver1.spectralink" in text, text
    assert not any(line.strip("│ ").startswith("ectralink") for line in lines), text


async def test_the_palette_has_no_side_panel_of_keys(empty_app: HandsetCAApp) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Keys" not in titles
        assert "Keys (F1)" in titles  # ours: the help screen


def test_focus_is_not_drawn_in_the_alarm_colour() -> None:
    css = (Path(__file__).parents[2] / "tui" / "app.tcss").read_text()
    focus_rules = [r for r in css.split("}") if ":focus" in r]
    assert focus_rules and all("$accent" not in r and "red" not in r for r in focus_rules)


async def test_next_step_names_the_profile_provisioning_uses(frozen_app: HandsetCAApp) -> None:
    import dataclasses

    from core.handset import Progress
    from tui.workbench import next_step_text

    app = frozen_app
    async with app.run_test(size=(80, 24)):
        view = dataclasses.replace(app.overview(), serving=True, handset=Progress.INSTALLED)
        assert "Platform Profile 1 (provisioning uses it)" in next_step_text(view)
        assert any("Provisioning uses Platform Profile 1" in line for line in app.details())


def test_soft_key_labels_are_centred_the_same_way_on_every_screen() -> None:
    """str.center put an odd space left or right by parity: "Select  Back" began in
    column 1, "   Ok   Cancel Clear" in column 3 of the same cells."""
    from core.handset import Handset

    screen = Handset().screen
    for width in (28, 29, 30, 31):
        cell = width // 4
        for labels in (("Select", "Back", "", ""), ("Ok", "Cancel", "Clear", "")):
            shown = type(screen)(**{**screen.__dict__, "softkeys": labels})
            lines = [line.plain for line in phone_lines(shown, width, 6)]
            soft = lines[-3][1:-1]  # the row above the frame's bottom and the key names
            for n, label in enumerate(labels):
                if label:
                    start = n * cell + (cell - len(label)) // 2
                    assert soft[start : start + len(label)] == label, (width, soft)
