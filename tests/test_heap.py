"""Reading a large plan pauses Python's cycle collector, and always turns it back on."""

from __future__ import annotations

import gc
import threading

import pytest

from hsp_tui import heap
from hsp_tui.store import Store


def test_the_collector_runs_again_after_a_plan_is_read(store: Store):
    assert gc.isenabled()
    store.load()
    assert gc.isenabled()


def test_the_collector_runs_again_after_a_damaged_file_is_refused(tmp_path):
    from hsp_tui.errors import PlanFileError

    path = tmp_path / "bad.json"
    path.write_text('{"meta": {"1": {"app": "hsp-tui"', encoding="utf-8")
    with pytest.raises(PlanFileError):
        Store(path).load()
    assert gc.isenabled()


def test_pauses_nest_and_overlap_across_threads():
    started, release = threading.Event(), threading.Event()

    def reader():
        with heap.bulk():
            started.set()
            release.wait(5)

    t = threading.Thread(target=reader)
    t.start()
    started.wait(5)
    with heap.bulk():
        with heap.bulk():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread is still reading
    release.set()
    t.join(5)
    assert gc.isenabled()


def test_what_a_kept_read_built_is_left_out_of_later_collections(store: Store):
    gc.unfreeze()
    before = gc.get_freeze_count()
    with heap.bulk(keep=True):
        plan = store.load()
    try:
        assert gc.isenabled() and gc.get_freeze_count() > before
        assert not gc.is_tracked(plan) or plan not in gc.get_objects()  # frozen: not walked
    finally:
        gc.unfreeze()


def test_kept_cycles_are_collected_first_when_asked(store: Store):
    """A save's leftovers in reference cycles must not be frozen (they would never be freed)."""
    import weakref

    class Node:
        pass

    def leftovers():
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle, unreachable once this returns
        return weakref.ref(a)

    gc.unfreeze()
    try:
        with heap.bulk(keep=True, collect_first=True):
            plan = store.load()
            gone = leftovers()
        assert gone() is None and plan.get(1) is not None
        with heap.bulk(keep=True):
            kept_forever = leftovers()
        assert kept_forever() is not None  # frozen: why whole-plan reads only freeze, once
    finally:
        gc.unfreeze()
        gc.collect()


def test_a_collector_turned_off_by_the_host_program_stays_off():
    gc.disable()
    try:
        with heap.bulk():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
