"""What the contract declares beyond changes: reading some items, the plans a place holds, and
being told of colleagues' changes (a backend that cannot tell says so: None, and is polled)."""

from __future__ import annotations

import queue

from hsp_tui.storage.store import Store

from .conftest import as_claimed


def test_some_items_read_as_they_are_now(backend, place, seed_plan):
    Store(place.open()).add_note(5, "a colleague's note", by="colleague")
    got = backend.load_items([5, 2, 999])  # in order of number; an item the plan lacks is left out
    assert [r.number for r in got] == [2, 5]
    assert as_claimed(got[0]) == seed_plan.get(2)  # (on a server, the entries created with the plan are marked imported)
    assert got[1].history[-1].note == "a colleague's note"


def test_each_plan_listed_opens_as_a_backend_of_its_own(backend, seed_plan):
    infos = backend.plans()
    assert infos
    for info in infos:
        one = backend.for_plan(info.name)
        try:
            assert one.load_plan().meta.title == info.title == seed_plan.meta.title
        finally:
            one.close()


def test_a_backend_that_can_tell_tells_of_a_colleagues_change(backend, place):
    heard: queue.Queue = queue.Queue()
    listener = backend.listener(heard.put, lambda connected, reason: None)
    if listener is None:  # it cannot tell (a file): its readers poll the change token
        before = backend.change_token()
        Store(place.open()).add_note(3, "a colleague's note", by="colleague")
        assert backend.change_token() != before
        return
    assert listener.start()
    try:
        Store(place.open()).add_note(3, "a colleague's note", by="colleague")
        assert heard.get(timeout=30) == {3}
    finally:
        listener.stop()


def test_the_backend_offers_every_method_the_contract_declares(backend):
    import inspect

    from hsp_tui.storage.contract import Backend

    declared = {name for name, f in vars(Backend).items() if inspect.isfunction(f) and not name.startswith("_")}
    assert {"load_items", "listener", "for_plan", "transaction", "meta_transaction"} <= declared
    for name in declared:
        mine = inspect.signature(getattr(type(backend), name))
        assert list(mine.parameters) == list(inspect.signature(getattr(Backend, name)).parameters), name
