"""Issue 22 in the app: a review date in the past shows the plan as it stood at the end of that day,
replayed from its history, marked in the header; read-only while changes took effect after it, each
change key then saying how to return to today's plan."""

from __future__ import annotations

from datetime import date

from tuikit import Notices, last_notice, on_disk, plain, settled, table_rows, until

from hsp_tui.domain.commands import AddNote, SetStatus
from hsp_tui.storage.store import Store
from hsp_tui.tui import build_app

TODAY = "2011-04-01T09:00:00+01:00"


def today_clock() -> str:
    return TODAY


def changed_in_2011(plan_path) -> Store:
    """Item 2 done on 25 Mar 2011 (its deadline, 31 Oct 2010, long past by then), recorded on 1 Apr 2011."""
    store = Store(plan_path, clock=today_clock)
    store.run(AddNote(2, "Framework drafted"), by="alice", on=date(2010, 11, 15))
    store.run(SetStatus(2, "done", "Framework agreed at PMG"), by="alice", on=date(2011, 3, 25))
    return store


def row_of(app, number: int) -> list[str]:
    return next(r for r in table_rows(app.main.table) if r[0].strip() == str(number))


async def test_a_past_review_date_shows_the_plan_as_it_stood_read_only_with_the_way_back(plan_path):
    app = build_app(changed_in_2011(plan_path), as_of=date(2010, 12, 1), as_of_given=True, user="alice",
                    clock=today_clock)
    notices = Notices()
    async with app.run_test(size=(160, 50), message_hook=notices) as pilot:
        await settled(pilot)
        header = plain(app.main.query_one("#header"))
        assert "As it stood on 1 Dec 2010" in header and "read-only" in header
        item = app.review.item(2)
        assert item.rec.status.value == "not_started" and item.overdue  # not done then, and overdue
        assert "Framework agreed at PMG" not in str(item.rec.history)
        assert "Framework drafted" in str(item.rec.history)  # what happened before the day shows
        assert "Done" not in " ".join(row_of(app, 2))
        # A change key is refused, in one line, saying how to return to today's plan.
        assert app.main.table.go_to(2)
        history = len(on_disk(plan_path, 2)["history"])
        for key in ("4", "n", "e", "v", "u"):
            await pilot.press(key)
            await settled(pilot)
            said = last_notice(notices)
            assert "Read-only: the plan as it stood on 1 Dec 2010" in said and "r, clear the date" in said, key
            assert "\n" not in said
            assert len(app.screen_stack) == 1, key  # no dialog opened
        assert len(on_disk(plan_path, 2)["history"]) == history and on_disk(plan_path, 2)["status"] == "done"
        # r, an empty date, Enter: today's plan, and the keys work again.
        await pilot.press("r")
        await until(pilot, lambda: len(app.screen_stack) == 2, "the review date dialog")
        await pilot.press("ctrl+u", "enter")
        await settled(pilot)
        header = plain(app.main.query_one("#header"))
        assert "review date 1 Apr 2011 (today)" in header and "As it stood" not in header
        assert app.review.item(2).rec.status.value == "done" and "Done" in " ".join(row_of(app, 2))
        assert app.main.table.go_to(1)
        await pilot.press("2")
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "in_progress"
        assert last_notice(notices).startswith("Saved.")


async def test_a_past_review_date_with_nothing_later_is_todays_plan_and_changes_take_effect_on_it(plan_path):
    app = build_app(changed_in_2011(plan_path), as_of=date(2011, 3, 28), as_of_given=True, user="alice",
                    clock=today_clock)
    notices = Notices()
    async with app.run_test(size=(160, 50), message_hook=notices) as pilot:
        await settled(pilot)
        header = plain(app.main.query_one("#header"))
        assert "review date 28 Mar 2011" in header and "As it stood" not in header
        assert app.main.table.go_to(1)
        await pilot.press("2")
        await settled(pilot)
        assert on_disk(plan_path, 1)["history"][-1]["on"] == "2011-03-28"
        # r to a day before the 2011 changes: now the plan as it stood, read-only
        await pilot.press("r")
        await until(pilot, lambda: len(app.screen_stack) == 2, "the review date dialog")
        await pilot.press("ctrl+u", *"2010-12-01", "enter")
        await settled(pilot)
        assert "As it stood on 1 Dec 2010" in plain(app.main.query_one("#header"))
        assert app.review.item(1).rec.status.value == "not_started"
        await pilot.press("3")
        await settled(pilot)
        assert "Read-only" in last_notice(notices) and on_disk(plan_path, 1)["status"] == "in_progress"


async def test_a_colleagues_change_after_the_review_date_makes_the_plan_shown_as_it_stood(plan_path):
    store = changed_in_2011(plan_path)
    app = build_app(store, as_of=date(2011, 3, 28), as_of_given=True, user="alice", clock=today_clock,
                    poll_seconds=0.05)
    notices = Notices()
    async with app.run_test(size=(160, 50), message_hook=notices) as pilot:
        await settled(pilot)
        assert "As it stood" not in plain(app.main.query_one("#header"))
        colleague = Store(plan_path, clock=today_clock)
        colleague.run(SetStatus(3, "in_progress", "Started"), by="bob", on=date(2011, 3, 30))
        await until(pilot, lambda: "As it stood on 28 Mar 2011" in plain(app.main.query_one("#header")),
                    "the header marked once the colleague's change is read")
        assert app.review.item(3).rec.status.value == "not_started"  # not yet, on 28 Mar 2011
        assert app.main.table.go_to(3)
        await pilot.press("2")
        await settled(pilot)
        assert "Read-only" in last_notice(notices) and on_disk(plan_path, 3)["history"][-1]["by"] == "bob"
