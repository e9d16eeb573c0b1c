"""Issue #12, the app's friction: what officers tripped on in a day's use at 200x50 and 80x24."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hsp_tui.storage.store import Store

from conftest import fixed_clock
from tuikit import Notices, detail_text, last_notice, on_disk, plain, settled


# -- a status key decides "no change" on the file, not on the screen ----------------------------------
async def test_status_key_on_a_stale_screen_is_decided_on_the_file(make_app, plan_path):
    # The screen shows No. 1 Done; a colleague has just set it Blocked (the app has not re-read the
    # file yet). Pressing 4 (Done) must set it Done again, not say "already Done".
    Store(plan_path, clock=fixed_clock).set_status(1, "done", by="alice")
    app = make_app(poll_seconds=3600)
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        Store(plan_path, clock=fixed_clock).set_status(1, "blocked", by="bob")
        await pilot.press("4")
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "done"
        assert last_notice(notices) == "Saved. No. 1: Blocked → Done"
        assert len(app.undo_stack) == 1
        await pilot.press("u")  # undo goes back to what the file had: Blocked, bob's
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "blocked"


# -- a refused undo says what u undoes next ------------------------------------------------------------
async def test_refused_undo_says_what_the_next_u_would_undo(make_app, plan_path):
    app = make_app(poll_seconds=3600)
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("2", "j", "4")  # No. 1 In progress, then No. 2 Done
        await settled(pilot)
        Store(plan_path, clock=fixed_clock).set_status(2, "blocked", by="bob")
        await pilot.press("u")
        await settled(pilot)
        said = last_notice(notices)
        assert said.startswith("Cannot undo (No. 2: Not started → Done)")
        assert "status has changed since (now Blocked)" in said  # the app's word, not 'blocked'
        assert "u now undoes the change before it (No. 1: Not started → In progress)" in said
        assert on_disk(plan_path, 2)["status"] == "blocked"
        assert on_disk(plan_path, 1)["status"] == "in_progress"  # the refusal touched nothing else
        await pilot.press("u")  # as announced
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "not_started"
        await pilot.press("u")
        await settled(pilot)
        assert last_notice(notices).startswith("Nothing to undo")


async def test_refused_last_undo_says_nothing_else_to_undo(make_app, plan_path):
    app = make_app(poll_seconds=3600)
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("4")
        await settled(pilot)
        Store(plan_path, clock=fixed_clock).set_status(1, "blocked", by="bob")
        await pilot.press("u")
        await settled(pilot)
        assert last_notice(notices).endswith("nothing else to undo")
        assert on_disk(plan_path, 1)["status"] == "blocked"


# -- toasts, dialogs and words -------------------------------------------------------------------------
async def test_one_toast_at_a_time_so_the_panes_stay_readable(make_app):
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(120, 40), notifications=True, message_hook=notices) as pilot:
        await pilot.press("2", "j", "3", "j", "4", "j", "5")
        await pilot.pause()
        await pilot.press(*"superseded", "enter")  # a drop asks for its reason
        await settled(pilot)
        await pilot.pause()
        assert len(notices.said) == 4  # every notice is said ...
        toasts = app.screen.query("Toast")
        assert len(toasts) == 1  # ... but only the newest covers the screen
        assert "No. 4" in str(toasts.first().render())


async def test_edit_then_enter_with_nothing_changed_says_no_change(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        before = plan_path.read_bytes()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")
        await settled(pilot)
        assert app.screen is app.main
        assert last_notice(notices) == "No change: No. 1's owner and deadline are as they were"
        assert plan_path.read_bytes() == before


async def test_export_dialog_offers_the_last_format_and_says_it_in_words(make_app, tmp_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices) as pilot:
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#export-format").value = "md"
        await pilot.pause()
        path = app.screen.query_one("#export-path")
        assert path.value.endswith(".md")
        path.value = str(tmp_path / "board.md")
        await pilot.press("enter")
        await settled(pilot)
        assert app.screen is app.main
        assert last_notice(notices) == f"Exported 12 recommendations as a Markdown report to {tmp_path / 'board.md'}"
        await pilot.press("x")  # the same session: Markdown again, not JSON
        await pilot.pause()
        assert app.screen.query_one("#export-format").value == "md"
        assert app.screen.query_one("#export-path").value.endswith(".md")


async def test_help_lists_page_keys_and_home_end(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = plain(app.screen.query_one("#help-text"))
        assert "PgUp/PgDn" in text and "Home/End" in text
        assert "Review date" in text


def test_readme_key_table_lists_page_keys_and_review_date():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    keys = readme.split("| key | does |", 1)[1].split("\n\n", 1)[0]
    for words in ("PgUp/PgDn", "Home/End", "`r` | review date"):
        assert words in keys, words


async def test_palette_offers_only_the_apps_own_commands_theme_and_quit(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Keys", "Screenshot", "Maximize", "Minimize"}.isdisjoint(titles)
        assert "Theme" in titles and "Quit" in titles and "Add a progress note" in titles
        assert "Review date: judge the plan as of another day" in titles


# -- the review date -----------------------------------------------------------------------------------
async def test_header_labels_the_review_date_as_such(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        header = plain(app.main.query_one("#header"))
        assert "review date 1 Jun 2010" in header and header.endswith("(plan of 16 Mar 2010)")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = plain(app.main.query_one("#header"))
        # The plan's date is left out where it would be cut off ("(plan of" at the edge).
        assert "review date 1 Jun 2010" in header and "plan of" not in header


async def test_r_changes_the_review_date_without_restarting(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        assert plain(app.main.query_one("#summary")).startswith("5 overdue")
        await pilot.press("r")
        await pilot.pause()
        box = app.screen.query_one("#review-date")
        box.value = "June 2010"  # a month is not a day: refused, the dialog stays
        await pilot.press("enter")
        await pilot.pause()
        assert "is not a date" in plain(app.screen.query_one("#review-date-error"))
        box.value = "1/4/2010"
        await pilot.press("enter")
        await settled(pilot)
        assert app.screen is app.main
        assert "review date 1 Apr 2010" in plain(app.main.query_one("#header"))
        assert plain(app.main.query_one("#summary")).startswith("0 overdue")
        assert last_notice(notices) == "Review date now 1 Apr 2010: 0 overdue, 0 due soon"
        assert "OVERDUE" not in detail_text(app)  # the detail is judged as of the new date too
        await pilot.press("4")  # a change keeps the new review date
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "done"
        assert "review date 1 Apr 2010" in plain(app.main.query_one("#header"))
        assert app.review.as_of == date(2010, 4, 1)


async def test_an_old_plan_judged_as_of_today_says_how_to_review_it_as_of_a_date(make_app):
    # In the header and the review date dialog, never in a notice over the rows (issue 23:
    # tests/tui/test_notices_80x24.py).
    app = make_app(as_of=date(2026, 11, 29), as_of_given=False)
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await settled(pilot)
        assert not any("long past" in m for _, m in notices.said)
        assert "(today: plan long past, press r)" in plain(app.main.query_one("#header"))
        await pilot.press("r")
        await settled(pilot)
        hint = plain(app.screen.query_one("#review-date-hint"))
        assert "--as-of 2010-03-16" in hint and "2010-03-16" in hint


async def test_no_review_date_hint_when_a_date_was_given_or_the_plan_is_current(make_app):
    for kwargs in ({"as_of": date(2026, 11, 29), "as_of_given": True},
                   {"as_of": date(2010, 6, 1), "as_of_given": False}):
        app = make_app(**kwargs)
        notices = Notices()
        async with app.run_test(message_hook=notices) as pilot:
            await settled(pilot)
            assert not any("--as-of" in m for _, m in notices.said), kwargs
            assert "long past" not in plain(app.main.query_one("#header")), kwargs


# -- width and height shared by need -------------------------------------------------------------------
def shown_numbers(app) -> list[str]:
    """The item numbers on the table's lines as drawn on screen now."""
    table = app.main.table
    lines = [table.render_line(y).text for y in range(1, table.scrollable_content_region.height)]
    return [line.split()[0] for line in lines if line.strip()]


async def test_at_80x24_the_twelve_recommendations_and_the_summary_fit(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert shown_numbers(app) == [str(n) for n in range(1, 13)]
        summary = app.main.query_one("#summary")
        assert summary.size.height == 1
        # Short, on one line: the statuses that have items, in words ...
        assert plain(summary) == "5 overdue · 0 due soon · 0% done, 0% verified │ Not started 12"
        assert app.main.detail.size.height >= 3  # and the detail is still there below


async def test_at_80x24_a_summary_of_many_statuses_uses_the_tables_letters(make_app, plan_path):
    store = Store(plan_path, clock=fixed_clock)
    for number, status in ((1, "in_progress"), (2, "blocked"), (3, "done"), (4, "dropped")):
        store.set_status(number, status, by="bob", note="why" if status == "dropped" else None)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        summary = app.main.query_one("#summary")
        # ... or, where the words would not fit, every status by the letter the table shows.
        assert plain(summary) == "4 overdue · 0 due soon · 8% done, 0% verified │ N 8 P 1 B 1 D 1 V 0 X 1"
        assert summary.size.height == 1
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:  # wide: the words, all of them
        await pilot.pause()
        assert "Not started 8 · In progress 1 · Blocked 1 · Done 1" in plain(app.main.query_one("#summary"))


async def test_status_letters_are_explained_in_help(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert "N P B D V X" in plain(app.screen.query_one("#help-text"))


def test_widgets_and_main_screen_use_no_private_textual_module():
    # Issue #11: a private module (textual.widgets._footer ...) may change in any release.
    import re

    root = Path(__file__).parents[2] / "src" / "hsp_tui" / "tui"
    for path in [*sorted((root / "widgets").glob("*.py")), root / "screens" / "main.py"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"from textual(\.\w+)*\._\w+ import|import textual(\.\w+)*\._", text), path.name


async def test_help_at_80x24_wraps_descriptions_under_the_description_column(make_app):
    from hsp_tui.tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        widget = app.screen.query_one("#help-text")
        keys_part = plain(widget).split("\n\n", 1)[0].splitlines()
        # Each line fits the dialog as laid out (nothing left for the terminal to wrap at column 1) ...
        assert all(len(line) <= widget.size.width for line in keys_part)
        # ... and a line that is not a key's own goes on under the description, 18 cells in.
        more = [line for line in keys_part if not line[:16].strip()]
        assert len(more) >= 3  # at 80 columns several descriptions take two lines
        assert all(line.startswith(" " * 18) and line[18] != " " for line in more)
        wrapped = "\n".join(keys_part)
        assert "Blocked, Done (awaiting verification), Verified, Dropped" in wrapped.replace("\n" + " " * 18, " ")


async def test_the_note_dialog_keeps_saying_how_to_save_once_the_note_is_typed(make_app, plan_path):
    """The note box's placeholder said "Enter saves, Escape cancels" until the first key; then
    nothing in the dialog said how to save (the edit, verify and review date dialogs keep it)."""
    from textual.widgets import Label

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("n")
        await settled(pilot)
        await pilot.press(*"Workshop held")
        await pilot.pause()
        words = " ".join(str(label.render()) for label in app.screen.query(Label))
        assert "Enter saves · Escape cancels" in words
        dialog = app.screen.query_one(".dialog")
        assert dialog.region.bottom <= 24
        await pilot.press("enter")
        await settled(pilot)
        assert on_disk(plan_path, 1)["history"][-1]["note"] == "Workshop held"


async def test_a_date_pasted_with_a_control_sequence_is_refused_with_it_spelled_out(make_app):
    """The dialog's refusal repeats what was typed: a pasted escape sequence shows as text, never
    reaching the terminal."""
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("#review-date").value = "\x1b[31m2010-02-30"
        await pilot.press("enter")
        await pilot.pause()
        said = plain(app.screen.query_one("#review-date-error"))
        assert said.startswith("\\x1b[31m2010-02-30 is not a date"), said
        assert "\x1b" not in said
