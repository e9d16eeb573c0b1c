"""Issue 23, in the app at 80x24: no notice covers the table's rows on start, nor a dialog's buttons.

What covers what is asked of the screen itself (`Screen.get_widget_at`: the widget drawn on top at
a cell), with Textual's toasts shown as in the real app (`notifications=True`)."""

from __future__ import annotations

from datetime import date

from textual.widgets import Button

from hsp_tui.storage.store import Store

from conftest import fixed_clock
from tuikit import plain, settled, toasts, until

LONG_AGO_PLAN_TODAY = date(2026, 11, 29)  # the 2010 seed plan judged as of "today"


def drawn_on_top(app, x: int, y: int):
    widget, _ = app.screen.get_widget_at(x, y)
    return widget


def uncovered(app, widget) -> bool:
    """Every cell of `widget`'s region shows `widget` (or a widget inside it): nothing lies over it."""
    region = widget.region
    assert region.area, f"{widget} is not on the screen"
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            top = drawn_on_top(app, x, y)
            if top is not widget and widget not in top.ancestors:
                return False
    return True


async def test_an_old_plan_says_so_in_the_header_and_nothing_covers_the_rows(make_app):
    app = make_app(as_of=LONG_AGO_PLAN_TODAY, as_of_given=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settled(pilot)
        header = plain(app.main.query_one("#header"))
        assert "review date 29 Nov 2026 (today: plan long past, press r)" in header
        assert toasts(app) == []  # no notice over the rows or the detail
        assert uncovered(app, app.main.table) and uncovered(app, app.main.detail)
        # r says why and how, with the plan's own date to give (here or with --as-of).
        await pilot.press("r")
        await until(pilot, lambda: app.screen is not app.main, "the review date dialog")
        hint = plain(app.screen.query_one("#review-date-hint"))
        assert "long past (the last was due 31 Aug 2010)" in hint and "--as-of 2010-03-16" in hint
        box = app.screen.query_one("#review-date")
        box.value = "2010-03-16"
        await pilot.press("enter")
        await settled(pilot)
        header = plain(app.main.query_one("#header"))
        assert "review date 16 Mar 2010" in header and "long past" not in header


async def test_a_current_plan_or_a_date_given_says_nothing_of_the_kind(make_app):
    for kwargs in ({"as_of": LONG_AGO_PLAN_TODAY, "as_of_given": True},
                   {"as_of": date(2010, 6, 1), "as_of_given": False}):
        app = make_app(**kwargs)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settled(pilot)
            assert "long past" not in plain(app.main.query_one("#header")), kwargs
            await pilot.press("r")
            await until(pilot, lambda: app.screen is not app.main, "the review date dialog")
            assert not app.screen.query("#review-date-hint"), kwargs


async def colleague_saves(pilot, plan_path, status: str) -> None:
    """Carol sets No. 4's status from elsewhere; the app notices (its poll, run now)."""
    Store(plan_path, clock=fixed_clock).set_status(4, status, by="carol")
    pilot.app.check_file()
    await settled(pilot)


async def test_a_notice_while_a_dialog_is_open_is_beside_its_buttons_never_over_them(make_app, plan_path):
    app = make_app(poll_seconds=3600)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settled(pilot)
        for key, buttons, status in (("e", ("#edit-save", "#edit-cancel"), "blocked"),
                                     ("x", ("#export-ok", "#export-cancel"), "in_progress")):
            await pilot.press(key)
            await until(pilot, lambda: app.screen is not app.main, f"the dialog of {key}")
            dialog = app.screen
            await colleague_saves(pilot, plan_path, status)
            line = dialog.query_one("#dialog-notice")
            said = plain(line)
            assert said.startswith("The file was changed elsewhere and has been reloaded") and "by carol" in said
            # Beside the buttons, inside the box; every button and the box's bottom edge as drawn.
            box = dialog.query_one(".dialog")
            assert box.content_region.contains_region(line.region), key
            assert line.region.y == dialog.query_one(buttons[0]).region.y and line.size.height == 3, key
            assert uncovered(app, line)
            for button in buttons:
                assert uncovered(app, dialog.query_one(button, Button)), (key, button)
            assert box.region.bottom <= app.size.height
            assert all(drawn_on_top(app, x, box.region.bottom - 1) is box
                       for x in range(box.region.x, box.region.right)), key
            # Once the dialog closes, the notice is the usual toast on the main screen.
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is app.main, "the main screen again")
            await until(pilot, lambda: any("by carol" in text for _, text in toasts(app)), "the toast")


async def test_a_notice_given_as_a_dialog_opens_is_its_last_line_once_it_shows(make_app):
    # The monkey's seeds 2 and 13: a notice between the dialog's push and its first frame.
    from hsp_tui.tui.screens.review_date import ReviewDateScreen

    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settled(pilot)
        app.push_screen(ReviewDateScreen(app.as_of))
        app.notify("Said as the dialog opened")
        await until(pilot, lambda: app.screen.query("#dialog-notice"), "the dialog's notice line")
        assert plain(app.screen.query_one("#dialog-notice")) == "Said as the dialog opened"
