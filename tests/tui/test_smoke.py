from tests.tui.conftest import screen_text
from tui.app import HandsetCAApp


async def test_starts_with_both_panes(frozen_app: HandsetCAApp) -> None:
    async with frozen_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print(screen_text(frozen_app))
        await pilot.press("c")
        await pilot.pause()
        print(screen_text(frozen_app))
        await pilot.press("escape", "i")
        await pilot.pause()
        print(screen_text(frozen_app))
