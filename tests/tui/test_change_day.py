"""Issue 22: the app's change dialogs ask the day the change happened (the command line's --on):
offered as the review date (changes allowed on it) or today, checked before the dialog closes (not
after today, not before the plan's date, not before the item's latest change), and saved as the
change's effective day beside the time it was recorded."""

from __future__ import annotations

from datetime import date

import pytest

from textual.widgets import Input

from tuikit import on_disk, settled, until


def said(app) -> str:
    return str(app.screen.query_one("#on-day-error").render())


async def open_dialog(pilot, app, key: str) -> None:
    await pilot.press(key)
    await until(pilot, lambda: len(app.screen_stack) == 2 and app.screen.query("#on-day"), f"the dialog of {key}")


async def type_day(pilot, day: str) -> None:
    """To the day field (Shift+Tab from the dialog's first field), typed over what it offers."""
    await pilot.press("shift+tab", "ctrl+u", *day, "enter")
    await pilot.pause()


async def test_a_note_takes_the_day_typed_in_its_dialog(make_app, plan_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await open_dialog(pilot, app, "n")
        assert app.screen.query_one("#on-day", Input).value == "2010-06-01"  # the review date
        await pilot.press(*"Workshop held")
        await type_day(pilot, "15 May 2010")
        await settled(pilot)
        entry = on_disk(plan_path, 1)["history"][-1]
        assert entry["note"] == "Workshop held" and entry["on"] == "2010-05-15"
        assert entry["at"].startswith("2010-06-01")  # recorded when it was, beside the day it happened


async def test_the_day_is_checked_before_the_dialog_closes(make_app, plan_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        before = on_disk(plan_path, 1)
        await open_dialog(pilot, app, "n")
        await pilot.press(*"Workshop held", "shift+tab")
        for typed, words in (("2010-07-01", "after today (1 Jun 2010)"), ("2010-03-01", "before the plan's date (16 Mar 2010)"),
                             ("June 2010", "June 2010 is not a date"), ("", "An empty date is not a date"),
                             ("2010-02-30", "2010-02-30 is not a date: February 2010 has 28 days."),
                             ("31/4/2010", "31/4/2010 is not a date: April 2010 has 30 days.")):
            await pilot.press("ctrl+u", *typed, "enter")
            await pilot.pause()
            assert words in said(app), typed
            assert len(app.screen_stack) == 2 and app.screen.focused.id == "on-day"
        assert on_disk(plan_path, 1) == before  # nothing saved meanwhile
        await pilot.press("ctrl+u", *"20/5/2010", "enter")
        await settled(pilot)
        assert len(app.screen_stack) == 1 and on_disk(plan_path, 1)["history"][-1]["on"] == "2010-05-20"
        # a second change cannot have happened before the first
        await open_dialog(pilot, app, "n")
        await pilot.press(*"Earlier still")
        await type_day(pilot, "2010-05-10")
        assert "before this item's latest change (20 May 2010)" in said(app)
        assert len(app.screen_stack) == 2


@pytest.mark.slow
async def test_owner_revision_milestone_and_drop_take_the_day_typed(make_app, plan_path):
    app = make_app(as_of=date(2010, 5, 1))  # a review date with nothing later: changes allowed on it
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("j")  # No. 2 has milestones
        await open_dialog(pilot, app, "e")
        assert app.screen.query_one("#on-day", Input).value == "2010-05-01"  # offered: the review date
        await pilot.press("ctrl+u", *"Head of Policy", "tab", "ctrl+u", *"July 2010", "tab", *"Board met late")
        await pilot.press("shift+tab", "shift+tab", "shift+tab")  # Reason, Deadline, Owner, then the day
        await pilot.press("ctrl+u", *"2010-04-20", "enter")
        await settled(pilot)
        doc = on_disk(plan_path, 2)
        assert doc["owner"] == "Head of Policy" and doc["revisions"][-1]["on"] == "2010-04-20"
        assert [h["on"] for h in doc["history"][-2:]] == ["2010-04-20", "2010-04-20"]
        await open_dialog(pilot, app, "m")
        await pilot.press("shift+tab", "ctrl+u", *"2010-04-25", "tab", "1")
        await settled(pilot)
        doc = on_disk(plan_path, 2)
        assert doc["milestones"][0]["done"] and doc["history"][-1]["on"] == "2010-04-25"
        await open_dialog(pilot, app, "5")
        await pilot.press(*"Superseded")
        await type_day(pilot, "2010-04-28")
        await settled(pilot)
        doc = on_disk(plan_path, 2)
        assert doc["status"] == "dropped" and doc["history"][-1]["on"] == "2010-04-28"


async def test_a_verdict_takes_the_day_typed(make_app, store, plan_path):
    store.set_status(1, "done", by="officer", note="Conference held 28 May", on=date(2010, 5, 28))
    app = make_app(user="auditor")
    async with app.run_test(size=(140, 44)) as pilot:
        await settled(pilot)
        await open_dialog(pilot, app, "v")
        await pilot.press(*"Minutes seen")
        await pilot.press("shift+tab", "ctrl+u", *"2010-05-30")
        await pilot.click("#verify-accept")
        await settled(pilot)
        doc = on_disk(plan_path, 1)
        assert doc["status"] == "verified" and doc["history"][-1]["on"] == "2010-05-30"
