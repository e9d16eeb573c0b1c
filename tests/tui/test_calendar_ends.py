"""Any review date the command line accepts works in the app too, exports included (issue #10)."""

from __future__ import annotations

from datetime import date

import pytest

from tuikit import Notices, last_notice, settled


@pytest.mark.slow
@pytest.mark.parametrize("as_of", [date(9999, 12, 5), date(9999, 12, 31), date(1, 1, 1)], ids=str)
async def test_the_app_shows_and_exports_the_board_report_at_the_ends_of_the_calendar(make_app, tmp_path, as_of):
    app = make_app(as_of=as_of)
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await settled(pilot)
        for fmt in ("md", "html"):
            await pilot.press("x")
            await pilot.pause()
            app.screen.query_one("#export-format").value = fmt
            await pilot.pause()
            target = tmp_path / f"board-{as_of.year}.{fmt}"
            app.screen.query_one("#export-path").value = str(target)
            await pilot.press("enter")
            await settled(pilot)
            assert app.screen is app.main, last_notice(notices)
            assert last_notice(notices).startswith("Exported 12 recommendations"), last_notice(notices)
            assert "Due in the next 14 days" in target.read_text(encoding="utf-8")
