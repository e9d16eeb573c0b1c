"""After the QA pass: no-op changes, export safety, keys that must not fall through, revised items,
the 80-column layout and saves on disk before the next key."""

from __future__ import annotations

import json
import os
import threading

from hsp_tui.store import Store

from conftest import fixed_clock
from tuikit import cursor_row, detail_text, last_notice, on_disk, plain, settled, table_rows


def saved_notices(app) -> list[str]:
    return [m for _, m in app.notices if m.startswith("Saved.")]


# -- 1. a change that changes nothing ---------------------------------------------------------------
async def test_done_on_an_item_already_done_says_no_change_and_pushes_no_undo(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("4")
        await settled(pilot)
        await pilot.press("4")
        await settled(pilot)
        assert last_notice(app) == "No change: No. 1 is already Done"
        assert app.notices[-1][0] == "information"
        assert len(saved_notices(app)) == 1 and len(app.undo_stack) == 1
        assert [h["new"] for h in on_disk(plan_path, 1)["history"] if h["by"] == "alice"] == ["done"]


async def test_a_change_someone_else_already_made_is_not_called_saved(make_app, plan_path):
    # Another process marks No. 1 done before the app has re-read the file: the app's own copy
    # still says Not started, so it asks the store, which changes nothing.
    app = make_app(poll_seconds=3600)
    async with app.run_test() as pilot:
        Store(plan_path, clock=fixed_clock).set_status(1, "done", by="bob")
        await pilot.press("4")
        await settled(pilot)
        assert last_notice(app) == "No change: No. 1 is already Done"
        assert not saved_notices(app) and app.undo_stack == []
        assert cursor_row(app)[5] == "Done"  # the app now shows the file as it is
        assert [h["by"] for h in on_disk(plan_path, 1)["history"] if h["by"] != "seed"] == ["bob"]
        await pilot.press("u")
        await settled(pilot)
        assert last_notice(app).startswith("Nothing to undo")
        assert on_disk(plan_path, 1)["status"] == "done"


# -- 3. m then a digit on an item without milestones --------------------------------------------------
async def test_m_then_digit_on_an_item_without_milestones_changes_nothing(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        before = plan_path.read_bytes()
        await pilot.press("m")
        await pilot.pause()
        assert "has no milestones" in last_notice(app)
        await pilot.press("3")
        await settled(pilot)
        assert cursor_row(app)[5] == "Not started"
        assert last_notice(app) == "No. 1 has no milestones: 3 ignored (the status is unchanged)"
        assert plan_path.read_bytes() == before
        assert not saved_notices(app)
        await pilot.press("3")  # the next digit is a status key again
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "blocked"


# -- 9. a status key's change is on disk before the next key is read -----------------------------------
def record_fsync_threads(monkeypatch) -> list[int]:
    """The thread each fsync of a save runs on (the save is written whole, then fsynced)."""
    threads: list[int] = []
    real = os.fsync

    def fsync(fd):
        threads.append(threading.get_ident())
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return threads


async def test_status_key_is_on_disk_after_one_pause(make_app, plan_path, monkeypatch):
    app = make_app()
    async with app.run_test() as pilot:
        threads = record_fsync_threads(monkeypatch)
        await pilot.press("4")
        await pilot.pause()
        assert on_disk(plan_path, 1)["status"] == "done"
        await pilot.press("j", "2")
        await pilot.pause()
        assert on_disk(plan_path, 2)["status"] == "in_progress"
        # Written by the event loop's own thread: no key is read while an ordinary plan is saved.
        assert threads and set(threads) == {threading.get_ident()}
