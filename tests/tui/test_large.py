"""A plan larger than a first screenful: shown at once from its first items, the rest read in a
thread; changes queue behind that and behind each other, in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from hsp_tui.storage.store import Store
from tuikit import Notices, cursor_row, file_data, on_disk, plain, seed_docs_repeated, settled, table_rows

from conftest import AS_OF, USER, fixed_clock

pytestmark = pytest.mark.slow  # the whole module: see pyproject's markers

ITEMS = 3000  # more than the first items shown at once, and a "large" plan for the text filter


@pytest.fixture
def large_path(tmp_path: Path, store: Store) -> Path:
    data = seed_docs_repeated(file_data(store.path), ITEMS, owner=lambda n: f"Owner {n % 7}")
    path = tmp_path / "large.json"
    Store(path, clock=fixed_clock).create(data)
    return path


def large_app(path: Path):
    from hsp_tui.tui import build_app

    store = Store(path, clock=fixed_clock, long_running=True)  # as `hsp-tui` opens it (tui.app_for)
    return build_app(store, as_of=AS_OF, user=USER, as_of_given=True, clock=fixed_clock)


async def test_first_items_at_once_then_the_whole_plan(large_path):
    app = large_app(large_path)
    assert app.loading and len(app.review.items) < ITEMS  # before it runs: only the first items
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        assert not app.loading
        assert f"Recommendations ({ITEMS})" in str(app.main.table.border_title)
        assert "Reading" not in plain(app.main.query_one("#summary"))
        owners = [r[0] for r in table_rows(app.main.owners)]
        assert owners[0] == "All owners" and len(owners) == 8
        await pilot.press(*["pagedown"] * 8)
        await pilot.pause()
        assert int(cursor_row(app)[0]) > 100  # rows are loaded as the cursor goes


async def test_keys_pressed_while_reading_are_saved_in_order_afterwards(large_path):
    app = large_app(large_path)
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        # Pressed at once, before the rest of the plan has been read: each waits for the one before.
        await pilot.press("2", "j", "3", "4")
        await settled(pilot)
        assert on_disk(large_path, 1)["status"] == "in_progress"
        assert [h["new"] for h in on_disk(large_path, 2)["history"] if h["action"] == "set"] == ["blocked", "done"]
        rows = {r[0]: r for r in table_rows(app.main.table)}
        assert rows["1"][5] == "In progress" and rows["2"][5] == "Done"  # not overwritten by the first read
        assert "Blocked → Done" in notices.said[-1][1]  # the second change saw the first one's result


async def test_a_large_plan_is_saved_in_a_thread(large_path, monkeypatch):
    import os
    import threading

    app = large_app(large_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        threads = []
        real = os.fsync
        monkeypatch.setattr(os, "fsync", lambda fd: (threads.append(threading.get_ident()), real(fd))[1])
        await pilot.press("4")
        await settled(pilot)
        assert on_disk(large_path, 1)["status"] == "done"
        assert threads and threading.get_ident() not in threads  # the keys kept working meanwhile


async def test_text_filter_on_a_large_plan_waits_for_a_pause(large_path):
    app = large_app(large_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"owner 3")
        await pilot.pause(0.3)  # the filter runs once the typing pauses
        owners = {r[3] for r in table_rows(app.main.table)}
        assert owners == {"Owner 3"}
        assert "text 'owner 3'" in str(app.main.table.border_subtitle)


async def test_a_damaged_record_past_the_first_items_stops_the_app_with_its_message(large_path):
    data = file_data(large_path)
    data["recommendations"][str(ITEMS)]["status"] = "finished?"
    large_path.write_bytes(__import__("json").dumps(data).encode())
    app = large_app(large_path)
    async with app.run_test() as pilot:
        await settled(pilot)
    assert app.failure is not None and str(large_path) in str(app.failure)


async def test_a_colleagues_save_is_reloaded_in_the_background_on_a_large_plan(large_path):
    app = large_app(large_path)
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await settled(pilot)
        Store(large_path, clock=fixed_clock).set_status(1, "blocked", by="bob")
        app.check_file()  # what the poll timer runs: on a large plan it hands the read to a worker
        assert cursor_row(app)[5] == "Not started"  # the keys were not held up by the read
        await settled(pilot)
        assert cursor_row(app)[0] == "1" and cursor_row(app)[5] == "Blocked"
        assert "reloaded; still on No. 1" in notices.said[-1][1]
        await pilot.press("2")  # a change after the reload applies to the file as bob left it
        await settled(pilot)
        assert on_disk(large_path, 1)["status"] == "in_progress"
        assert [h["by"] for h in on_disk(large_path, 1)["history"]][-2:] == ["bob", USER]


async def test_the_deadlines_pane_stays_an_overview_on_a_large_plan(large_path):
    from hsp_tui.tui.view import MAX_LINES

    app = large_app(large_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        app.main.refresh_deadlines(force=True)
        await pilot.pause()
        pane = app.main.deadlines
        options = [pane.get_option_at_index(k) for k in range(pane.option_count)]
        lines = [str(o.prompt) for o in options]
        headings = [str(o.prompt) for o in options if o.id is None and not str(o.prompt).startswith(" ")]
        assert headings[0].startswith("OVERDUE (") and len(lines) <= MAX_LINES
        # Every group is there, with its full count, and says how many it does not list.
        counts = [int(h.rsplit("(", 1)[1].rstrip(")").replace(",", "")) for h in headings]
        assert sum(counts) == ITEMS
        assert any(line.strip().startswith("… and ") for line in lines)
