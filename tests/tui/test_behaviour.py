"""Reloading after others' changes, failed saves, literal text, settings and key overrides."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hsp_tui.cli.config import Settings
from hsp_tui.domain.errors import InputError
from hsp_tui.storage.store import Store
from tuikit import Notices, settled, cursor_row, detail_text, last_notice, on_disk, table_rows

from conftest import fixed_clock


async def test_reload_after_another_process_changes_the_file(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await pilot.press("j", "j", "s")  # No. 3; sorted by due: the table order is not the number order
        await pilot.pause()
        assert cursor_row(app)[0] == "3"
        other = Store(plan_path, clock=fixed_clock)
        other.set_status(3, "blocked", by="bob")
        other.set_owner(7, "Director of Public Health", by="bob")
        app.check_file()  # what the poll timer runs every second
        await pilot.pause()
        assert cursor_row(app)[0] == "3"
        assert cursor_row(app)[5] == "Blocked"
        rows = {r[0]: r for r in table_rows(app.main.table)}
        assert rows["7"][3] == "Director of Public Health"
        assert "reloaded; still on No. 3" in last_notice(notices)
        assert "bob" in detail_text(app)


async def test_change_here_applies_to_the_latest_file_not_a_stale_copy(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        Store(plan_path, clock=fixed_clock).set_status(5, "done", by="bob")  # not yet seen by the app
        await pilot.press("2")  # on No. 1
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "in_progress"
        assert on_disk(plan_path, 5)["status"] == "done"  # bob's change survives
        rows = {r[0]: r for r in table_rows(app.main.table)}
        assert rows["5"][5] == "D"  # and the app now shows it (Done: one letter at 80 columns)


async def test_poll_timer_is_running(make_app):
    app = make_app(poll_seconds=0.05)
    async with app.run_test() as pilot:
        Store(app.store.path, clock=fixed_clock).set_status(1, "done", by="bob")
        for _ in range(100):  # wait for the timer (not a timed assertion: bounded retries)
            await pilot.pause(0.05)
            if cursor_row(app)[5] == "D":
                break
        assert cursor_row(app)[5] == "D"  # at 80 columns the status is one letter


async def test_save_failure_shows_error_and_app_keeps_running(make_app, plan_path, monkeypatch):
    before = plan_path.read_bytes()
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        def disk_full(*args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", disk_full)
        await pilot.press("4")
        await settled(pilot)
        monkeypatch.undo()
        assert app.is_running
        severity, message = notices.said[-1]
        assert severity == "error" and "Not saved" in message
        assert cursor_row(app)[5] == "N"  # at 80 columns the status is one letter
        assert plan_path.read_bytes() == before
        await pilot.press("4")  # works again once the disk has room
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "done"


async def test_deleted_file_during_run_is_reported_and_app_keeps_running(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        plan_path.unlink()
        app.check_file()
        await pilot.pause()  # the notice reaches the screen
        assert "has gone" in last_notice(notices)
        await pilot.press("4")
        await settled(pilot)
        assert notices.said[-1][0] == "error"
        assert app.is_running
        assert cursor_row(app)[0] == "1"


async def test_corrupt_file_during_run_keeps_last_good_copy(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        plan_path.write_text("{not json", encoding="utf-8")
        app.check_file()
        await pilot.pause()  # the notice reaches the screen
        assert notices.said[-1][0] == "error" and "last good copy" in last_notice(notices)
        assert app.main.table.row_count == 12
        app.check_file()  # the same bad file is reported once
        await pilot.pause()
        assert sum(1 for s, _ in notices.said if s == "error") == 1


MARKUP = "Kick-off held [bold]28 May[/] [link=x]y[/link] [/]"
ESCAPE = "Owner\x1b[31m red \x1b]0;title\x07 \u202eevil"


async def test_file_text_shown_literally_and_escapes_spelled_out(make_app, store, plan_path):
    store.add_note(1, MARKUP, by="bob [red]")
    store.set_owner(1, ESCAPE, by="bob")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = detail_text(app)
        assert MARKUP in text
        assert "bob [red]" in text
        assert "\x1b" not in text and "\u202e" not in text
        assert "Owner\\x1b[31m red" in text
        assert "\\u202eevil" in text
        row = cursor_row(app)
        assert "\x1b" not in row[3] and row[3].startswith("Owner\\x1b")
        owners = table_rows(app.main.owners)
        assert all("\x1b" not in c for r in owners for c in r)
        await pilot.press("tab", "tab", "enter")  # choose an owner with escapes in the name
        await pilot.pause()
        assert app.is_running


async def test_note_with_markup_typed_in_app(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Kick-off held [bold]28 May[/]")
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        assert "Kick-off held [bold]28 May[/]" in detail_text(app)
        assert on_disk(plan_path, 1)["history"][-1]["note"] == "Kick-off held [bold]28 May[/]"


async def test_key_overrides_from_settings(make_app, plan_path):
    settings = Settings(path=Path("config.toml"), keys={"set_done": "d", "add_note": "a"})
    app = make_app(settings=settings)
    async with app.run_test() as pilot:
        await pilot.press("d")
        assert on_disk(plan_path, 1)["status"] == "done"
        await pilot.press("4")  # no longer bound
        await settled(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert app.screen is not app.main
        rows = dict((d, k) for k, d in app.help_rows())
        assert rows["Set status: Done"] == "d"


async def test_theme_from_settings(make_app):
    app = make_app(settings=Settings(path=Path("c.toml"), theme="textual-light"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "textual-light"


def test_unknown_theme_or_binding_id_is_refused(make_app):
    with pytest.raises(InputError, match=r"c\.toml: theme 'no-such-theme' is not a known theme"):
        make_app(settings=Settings(path=Path("c.toml"), theme="no-such-theme"))
    with pytest.raises(InputError, match=r"c\.toml: \[keys\] 'set_finished' is not a binding id"):
        make_app(settings=Settings(path=Path("c.toml"), keys={"set_finished": "f"}))


async def test_due_soon_window(make_app, plan_path):
    app = make_app(due_soon_days=70)  # 31 Jul 2010 is 60 days after 1 Jun 2010
    async with app.run_test():
        rows = {r[0]: r for r in table_rows(app.main.table)}
        assert rows["7"][6] == "due soon"
        assert rows["3"][6] == ""  # 31 Aug 2010 is 91 days away
        assert rows["1"][6] == "OVERDUE"


async def test_a_save_just_before_mine_is_shown_with_my_change(make_app, plan_path):
    """A colleague saves between the app's last read and my key press: both show at once, no poll."""
    app = make_app(poll_seconds=3600)
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await pilot.press("2")  # No. 1 in progress: the app now knows the file as it saved it
        await settled(pilot)
        Store(plan_path, clock=fixed_clock).set_owner(9, "Chair of the Executive Board", by="bob")
        await pilot.press("j", "4")  # No. 2 done, on top of bob's save
        await settled(pilot)
        rows = {r[0]: r for r in table_rows(app.main.table)}
        assert rows["2"][5] == "Done" and rows["1"][5] == "In progress"
        assert rows["9"][3].startswith("Chair of")
        app.check_file()  # and the poll has nothing left to reload
        await pilot.pause()
        assert "reloaded" not in last_notice(notices)
