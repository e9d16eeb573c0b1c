"""How a change waits for a colleague's lock is the caller's to say (`LockWait`, passed through
`Store.run` to the backend's transaction), and every backend honours it: not at all (refused at
once, nothing saved), until the caller stops waiting (told once who holds it), or by default."""

from __future__ import annotations

import math
import threading

import pytest

from hsp_tui.domain.commands import AddNote
from hsp_tui.storage.backends import LockBusy, LockWait, LockWaitCancelled
from hsp_tui.storage.store import Store


@pytest.fixture
def colleague_holds_item_1(place, backend):
    """A colleague's change of item 1 under way (its transaction open, in another thread)."""
    other = place.open()
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with other.transaction(1, by="colleague") as txn:
            txn.get()
            holding.set()
            done.wait(120)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert holding.wait(60)
    yield
    done.set()
    thread.join(60)
    other.close()


def notes(backend, number: int) -> list[str]:
    return [h.note for h in backend.load_plan().get(number).history if h.action == "note"]


def test_a_change_that_may_not_wait_is_refused_at_once_and_saves_nothing(backend, colleague_holds_item_1):
    with pytest.raises(LockBusy) as refused:
        Store(backend).run(AddNote(1, "mine"), by="me", wait=LockWait(timeout=0))
    assert "nothing was saved" in str(refused.value) and refused.value.holder
    assert "mine" not in notes(backend, 1)


def test_a_waiting_change_says_on_whom_it_waits_and_stops_when_told(backend, colleague_holds_item_1):
    told: list[str] = []
    wait = LockWait(timeout=math.inf, cancelled=lambda: bool(told), on_wait=told.append)
    with pytest.raises(LockWaitCancelled):
        Store(backend).run(AddNote(1, "mine"), by="me", wait=wait)
    assert len(told) == 1 and told[0]
    assert "mine" not in notes(backend, 1)


def test_once_the_colleague_is_done_the_change_is_saved(backend, place):
    change = Store(backend).run(AddNote(1, "mine"), by="me", wait=LockWait(timeout=0))
    assert change.entry is not None and "mine" in notes(place.open(), 1)
