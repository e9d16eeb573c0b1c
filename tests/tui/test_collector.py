"""The app pauses Python's cycle collector while it reads a whole plan and keeps that plan out of
later collections, leaves the collector as it found it, and keeps nothing behind over many reloads."""

from __future__ import annotations

import gc
import sys
import threading
from pathlib import Path

import pytest

from hsp_tui.domain.errors import PlanFileError
from hsp_tui.storage.store import Store
from hsp_tui.tui.collector import Collector, hold_for_start, release_start
from tuikit import file_data, seed_docs_repeated, settled, until

from conftest import AS_OF, USER, fixed_clock


def test_pauses_nest_and_overlap_across_threads():
    collector = Collector()
    started, release = threading.Event(), threading.Event()

    def reader():
        with collector.reading():
            started.set()
            release.wait(5)

    t = threading.Thread(target=reader)
    t.start()
    started.wait(5)
    try:
        with collector.reading():
            with collector.reading():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert not gc.isenabled()  # the other thread is still reading
        release.set()
        t.join(5)
        assert gc.isenabled() and gc.get_freeze_count() > 0  # what was read is kept out of the way
    finally:
        collector.close()
    assert gc.get_freeze_count() == 0


def test_the_rest_of_a_plan_is_read_without_collecting_first_but_a_new_read_collects_what_was_dropped():
    """Reading the rest of a plan whose first items were just read keeps what that read froze (a
    full collection of it would hold up the first screen); reading the plan again unfreezes it, so
    what has been dropped since is freed."""
    collector = Collector()
    try:
        with collector.reading():
            kept = [[k] for k in range(1000)]  # the first items, kept
        assert gc.get_freeze_count() >= len(kept)
        collections: list[int] = []
        gc.callbacks.append(seen := lambda phase, info: collections.append(info["generation"]) if phase == "start" else None)
        try:
            with collector.reading(rest=True):
                # not unfrozen (that would drop the count to 0; frozen objects other code of this
                # process frees meanwhile may lower it a little), and not collected
                assert gc.get_freeze_count() >= len(kept)
        finally:
            gc.callbacks.remove(seen)
        assert 2 not in collections  # no full collection while the rest was read
        with collector.reading():
            assert gc.get_freeze_count() == 0  # unfrozen and collected once
        assert gc.get_freeze_count() >= len(kept)
    finally:
        collector.close()
    assert gc.get_freeze_count() == 0


def test_a_collector_turned_off_by_the_host_program_stays_off():
    gc.disable()
    collector = Collector()
    try:
        with collector.reading():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        collector.close()


def test_the_collector_runs_again_after_a_damaged_plan_is_refused(tmp_path: Path):
    from hsp_tui.tui import build_app

    path = tmp_path / "bad.json"
    path.write_text('{"meta": {"1": {"app": "hsp-tui"', encoding="utf-8")
    thresholds = gc.get_threshold()
    with pytest.raises(PlanFileError):
        build_app(Store(path), as_of=AS_OF, user=USER)
    assert gc.isenabled() and gc.get_threshold() == thresholds


LARGE = 2100  # items: a plan the app reads and saves in a worker thread
RELOADS = 50


def memory_in_use() -> int:
    gc.collect()
    return sys.getallocatedblocks()


@pytest.mark.slow
async def test_fifty_reloads_of_a_large_plan_keep_memory_flat(tmp_path: Path, store: Store):
    from hsp_tui.tui import build_app

    path = tmp_path / "large.json"
    Store(path, clock=fixed_clock).create(seed_docs_repeated(file_data(store.path), LARGE))
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    app = build_app(Store(path, clock=fixed_clock, long_running=True), as_of=AS_OF, user=USER, as_of_given=True,
                    clock=fixed_clock)
    colleague = Store(path, clock=fixed_clock)
    in_use = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        for k in range(RELOADS):
            colleague.add_note(1 + k % 12, f"colleague's note {k}", by="bob")  # a save by someone else
            app.check_file()  # what the poll timer runs: the whole plan is read again
            # Until the reload is shown and its worker done (a condition: `settled` would also wait,
            # three times a reload, for the process to look idle, up to a second each).
            await until(pilot, lambda: f"colleague's note {k}" in str(app.review.plan.get(1 + k % 12).latest_note),
                        f"the colleague's note {k}")
            await app.workers.wait_for_complete()
            in_use.append(memory_in_use())
        assert gc.isenabled() and gc.get_threshold() == thresholds
    assert gc.get_freeze_count() <= frozen  # the app unfroze what it kept when it closed
    # The plan grows by one note per reload; what the app keeps must not grow with the reloads.
    assert in_use[-1] - in_use[9] < 0.02 * in_use[9], in_use


async def test_the_collector_is_off_from_the_apps_start_until_its_first_screen_shows(store: Store):
    """`run_app` holds the collector off as the app starts (importing Textual and the app, building
    the first screen: nothing worth collecting); once the first screen shows it runs again, with what
    the start made frozen out of its way."""
    from hsp_tui.tui import build_app

    frozen = gc.get_freeze_count()
    hold_for_start()
    try:
        app = build_app(store, as_of=AS_OF, user=USER)
        assert not gc.isenabled()  # the plan's first items read (and frozen), the screen not shown yet
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, gc.isenabled, "the collector on again")
            assert app.main.table.row_count == 12 and gc.get_freeze_count() > frozen
        assert gc.get_freeze_count() <= frozen  # the app unfroze what it kept when it closed
    finally:
        release_start()
    assert gc.isenabled()


def test_the_collector_runs_again_when_the_app_stops_before_its_first_screen(tmp_path: Path):
    from hsp_tui.cli.invocation import Context
    from hsp_tui.cli.program import build_parser
    from hsp_tui.tui import run_app

    path = tmp_path / "bad.json"
    path.write_text('{"meta": {"1": {"app": "hsp-tui"', encoding="utf-8")
    ctx = Context(build_parser().parse_args(["--db", str(path), "--config", str(tmp_path / "none.toml")]), {})
    with pytest.raises(PlanFileError):
        run_app(ctx)
    assert gc.isenabled()
