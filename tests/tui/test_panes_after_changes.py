"""After changes (the officer's own, undone, and a colleague's), the side panes are updated in place
from the counts that changed: what they show must be what the app shows when opened afresh."""

from __future__ import annotations

import pytest

from hsp_tui.storage.store import Store
from hsp_tui.tui.widgets.panes import SummaryBar
from tuikit import plain, settled, table_rows

from conftest import fixed_clock


def panes(app) -> tuple:
    """The owners pane's rows, the summary line and the deadlines pane's lines."""
    main = app.main
    main.refresh_deadlines(force=True)
    return (table_rows(main.owners), plain(main.query_one(SummaryBar)),
            [option.prompt.plain for option in main.deadlines.options])


async def panes_afresh(make_app) -> tuple:
    app = make_app(poll_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        return panes(app)


@pytest.mark.slow
async def test_the_panes_after_changes_are_those_of_the_plan_opened_afresh(make_app, plan_path):
    app = make_app(poll_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        before = panes(app)
        await pilot.press("4")  # No. 1 done: its owner's open and done counts change, nothing else
        await settled(pilot)
        mine = panes(app)
        await pilot.press("j", "3")  # No. 2 blocked (was not started) ...
        await settled(pilot)
        await pilot.press("u")  # ... and undone
        await settled(pilot)
        undone = panes(app)
    assert mine != before and undone == mine
    assert mine == await panes_afresh(make_app)

    app = make_app(poll_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        colleague = Store(plan_path, clock=fixed_clock)
        colleague.set_owner(7, "A new owner", by="bob")  # a row the owners pane did not have
        colleague.set_status(3, "dropped", by="bob", note="superseded")
        app.check_file()
        await settled(pilot)
        theirs = panes(app)
    assert any(row[0] == "A new owner" for row in theirs[0])
    assert theirs == await panes_afresh(make_app)
