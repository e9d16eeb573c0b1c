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


# -- 2. export: never over the plan's own files; ask before replacing; the format in words ----------------
async def open_export(pilot, path: str | None = None):
    await pilot.press("x")
    await pilot.pause()
    if path is not None:
        pilot.app.screen.query_one("#export-path").value = path
    await pilot.pause()


def export_error(app) -> str:
    return plain(app.screen.query_one("#export-error"))


async def test_export_refuses_the_plan_file_its_backup_and_its_lock(make_app, plan_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")  # a save: the backup now exists too
        await settled(pilot)
        for name, what in ((plan_path.name, "the plan file itself"), (plan_path.name + ".bak", "the plan's backup"),
                           (plan_path.name + ".lock", "the plan's lock file")):
            target = plan_path.with_name(name)
            before = target.read_bytes() if target.exists() else None
            await open_export(pilot, str(target))
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("enter")  # pressing again does not make it acceptable
            await pilot.pause()
            assert app.screen is not app.main
            assert f"is {what}: choose another name" in export_error(app)
            assert (target.read_bytes() if target.exists() else None) == before
            await pilot.press("escape")
            await pilot.pause()
        assert on_disk(plan_path, 1)["status"] == "done"


async def test_export_asks_before_replacing_a_file(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "hsp-export-2010-06-01.json"
    target.write_text("keep me", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_export(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is not app.main
        assert "hsp-export-2010-06-01.json exists: press Export (or Enter) again to replace it" in export_error(app)
        assert target.read_text(encoding="utf-8") == "keep me"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.main
        assert len(json.loads(target.read_text(encoding="utf-8"))["recommendations"]) == 12
        assert "Exported 12 recommendations as JSON" in last_notice(app)


async def test_export_asks_again_after_the_name_changes(make_app, tmp_path):
    (tmp_path / "a.csv").write_text("old a", encoding="utf-8")
    (tmp_path / "b.csv").write_text("old b", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_export(pilot, str(tmp_path / "a.csv"))
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#export-path").value = str(tmp_path / "b.csv")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "b.csv exists" in export_error(app)
        assert (tmp_path / "b.csv").read_text(encoding="utf-8") == "old b"


async def test_export_format_is_shown_in_words(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_export(pilot)
        shown = plain(app.screen.query_one("#export-format SelectCurrent #label"))
        assert shown.startswith("JSON")
        await pilot.press("shift+tab", "enter", "down", "down", "enter")
        await pilot.pause()
        assert plain(app.screen.query_one("#export-format SelectCurrent #label")).startswith("Markdown")
        assert app.screen.query_one("#export-path").value == "./hsp-export-2010-06-01.md"


# -- 6. dialog messages wrap instead of being cut off -------------------------------------------------
def shown_text(widget) -> str:
    """The words a widget shows on screen, line by line (what is cut off is not there)."""
    from textual.geometry import Region

    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return " ".join("".join(seg.text for seg in strip).strip() for strip in strips)


import pytest  # noqa: E402


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_edit_dialog_deadline_message_wraps(make_app, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("e")
        await pilot.pause()
        box = app.screen.query_one("#edit-deadline")
        box.value = "mid July"
        await pilot.pause()
        label = app.screen.query_one("#edit-resolves")
        message = plain(label)
        assert message.startswith("→ cannot read deadline 'mid July'") and len(message) > 76  # wider than the dialog
        assert label.size.height >= 2
        assert " ".join(shown_text(label).split()) == " ".join(message.split())
