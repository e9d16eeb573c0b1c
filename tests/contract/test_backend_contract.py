"""The backend contract: what every place a plan is kept must do, whatever it is (see conftest.py).

Each test uses the public boundary only: `Backend` (backends/__init__.py) and `Store`, which runs the
commands through `Backend.transaction`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from msgspec.structs import replace

import pytest

from hsp_tui.domain.errors import ConflictError, NotFoundError, PlanFileError
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import Status
from hsp_tui.storage.store import Store

from .conftest import as_claimed, marked_imported

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


# -- reading ---------------------------------------------------------------------------------------
def test_the_plan_created_is_the_plan_read(backend, seed_plan, place):
    for b in (backend, place.open()):  # this program, and another one opening the same place
        plan = b.load_plan()
        assert as_claimed(plan.meta) == seed_plan.meta
        assert as_claimed(plan.recommendations) == seed_plan.recommendations
        assert b.exists()
        # on a server every entry created with the plan is marked as imported; on a file none is
        assert marked_imported(plan) if b.path is None else plan == seed_plan


def test_the_first_items_then_the_rest(backend, seed_plan):
    head = backend.load_head(5)
    assert [r.number for r in head.plan.recommendations] == [1, 2, 3, 4, 5]
    assert head.total == 12 and not head.complete
    assert as_claimed(head.plan.meta) == seed_plan.meta
    assert as_claimed(backend.load_rest().recommendations) == seed_plan.recommendations
    whole = backend.load_head(12)
    assert whole.complete and as_claimed(whole.plan.recommendations) == seed_plan.recommendations


def test_describe_and_plans(backend, seed_plan):
    assert backend.describe().strip()
    assert seed_plan.meta.title in [p.title for p in backend.plans()]


# -- creating and replacing --------------------------------------------------------------------------
def test_access_says_where_the_plan_is_and_what_may_be_done(backend, place):
    access = backend.access()
    assert access.kind in ("file", "server") and access.where
    # the owner of the database (the contract's server user), like a file's writer, may do everything
    assert access.change and access.verify and access.contacts and access.remind
    if access.kind == "server":
        assert access.user and access.plan and "password" not in access.where
    else:
        assert access.where == str(backend.path)


def test_a_missing_plan_is_created_from_the_seed_only(place, seed_plan):
    b = place.open()
    assert not b.exists()
    with pytest.raises((PlanFileError, NotFoundError)):  # a file that is not there; no such plan on a server (exit 2)
        b.ensure(None)
    assert not b.exists()
    b.ensure(lambda: seed_plan)
    assert as_claimed(b.load_plan().recommendations) == seed_plan.recommendations
    b.ensure(lambda: pytest.fail("an existing plan is never seeded again"))


def test_create_never_overwrites(backend, seed_plan):
    other = Plan(replace(seed_plan.meta, title="Another plan"), seed_plan.recommendations[:2])
    with pytest.raises(PlanFileError, match="already exists"):
        backend.create(other)
    assert backend.create(other, if_missing=True) is False
    assert backend.load_plan().meta.title == seed_plan.meta.title


def test_replace_puts_the_new_plan_in_place_of_the_whole_plan(backend, seed_plan, place):
    other = Plan(replace(seed_plan.meta, title="Another plan"), seed_plan.recommendations[3:5])
    before = backend.change_token()
    backend.replace(other)
    plan = place.open().load_plan()
    assert plan.meta.title == "Another plan" and [r.number for r in plan.recommendations] == [4, 5]
    assert backend.change_token() != before


# -- every command -------------------------------------------------------------------------------
@pytest.mark.parametrize("run, check", [
    (lambda s: s.set_status(3, "in progress", by="alice", note="scoping"),
     lambda r: r.status is Status.IN_PROGRESS and r.latest_note == "scoping"),
    (lambda s: s.add_note(3, "Kick-off held [bold]28 May[/]", by="alice"),
     lambda r: r.latest_note == "Kick-off held [bold]28 May[/]"),
    (lambda s: s.set_owner(3, "Head of Policy", by="alice"), lambda r: r.owner == "Head of Policy"),
    (lambda s: s.revise(3, "July 2010", reason="late start", by="alice"),
     lambda r: r.current_deadline == "July 2010" and r.deadline != "July 2010" and r.revisions[-1].reason == "late start"),
    (lambda s: s.set_milestone(2, 1, True, by="alice"), lambda r: r.milestones[0].done and not r.milestones[1].done),
])
def test_each_command_is_saved_with_its_history_entry(backend, place, run, check):
    change = run(Store(backend))
    assert change.entry is not None and change.entry.id == change.record.history[-1].id
    assert ISO_WITH_OFFSET.match(change.entry.at) and change.entry.by
    rec = place.open().load_plan().get(change.number)  # read back by another program
    assert check(rec) and check(change.record) and check(change.plan.get(change.number))
    assert rec.history[-1] == change.entry
    assert rec == change.record


def test_undo_reverses_a_change_by_appending_an_entry(backend, place):
    store = Store(backend)
    done = store.set_status(1, Status.DONE, by="alice")
    undo = store.undo(1, done.entry.id, by="alice")
    rec = place.open().load_plan().get(1)
    assert rec.status is Status.NOT_STARTED
    assert [h.action for h in rec.history][-2:] == ["set", "undo"] and rec.history[-1].undoes == done.entry.id
    assert undo.record == rec
    with pytest.raises(ConflictError, match="already undone"):
        store.undo(1, done.entry.id, by="alice")


def test_history_ids_count_up_per_item(backend):
    store = Store(backend)
    first = backend.load_plan().get(4).history[-1].id
    ids = [store.add_note(4, f"note {k}", by="alice").entry.id for k in range(5)]
    assert ids == list(range(first + 1, first + 6))
    assert [h.id for h in backend.load_plan().get(4).history] == list(range(1, first + 6))


@pytest.mark.parametrize("run", [
    lambda s: s.set_status(1, Status.NOT_STARTED, by="x"),
    lambda s: s.set_owner(1, "Assistant Chief Executive", by="x"),
    lambda s: s.set_milestone(2, 1, False, by="x"),
    lambda s: s.revise(1, "April 2010", reason="no change really", by="x"),
])
def test_a_change_that_changes_nothing_records_nothing(backend, run):
    before_plan, before = backend.load_plan(), backend.change_token()
    change = run(Store(backend))
    assert change.entry is None and "nothing changed" in change.summary
    assert change.before == change.after == before == backend.change_token()
    assert backend.load_plan() == before_plan


def test_an_undo_that_would_overwrite_a_colleagues_change_is_refused(backend, place):
    mine, theirs = Store(backend), Store(place.open())
    first = mine.set_status(1, Status.IN_PROGRESS, by="me")
    theirs.set_status(1, Status.BLOCKED, by="colleague")
    before = backend.change_token()
    with pytest.raises(ConflictError, match="changed since"):
        mine.undo(1, first.entry.id, by="me")
    assert backend.change_token() == before
    assert backend.load_plan().get(1).status is Status.BLOCKED


def test_an_unknown_item_or_milestone_changes_nothing(backend):
    store, before = Store(backend), backend.change_token()
    with pytest.raises(NotFoundError, match="no recommendation 99"):
        store.set_status(99, Status.DONE, by="x")
    with pytest.raises(NotFoundError, match="no milestone 9"):
        store.set_milestone(2, 9, True, by="x")
    assert backend.change_token() == before


def test_a_transaction_left_by_an_error_saves_nothing(backend):
    before, plan = backend.change_token(), backend.load_plan()
    with pytest.raises(RuntimeError):
        with backend.transaction(5, by="x") as txn:
            rec = txn.get()
            txn.put(replace(rec, owner="never saved"), rec.history[-1])
            raise RuntimeError("the command failed")
    assert backend.change_token() == before and backend.load_plan() == plan


# -- colleagues ------------------------------------------------------------------------------------
def test_the_change_token_changes_when_a_colleague_saves(backend, place):
    seen = backend.change_token()
    assert backend.change_token() == seen  # nothing saved: the same
    Store(place.open()).set_status(5, Status.IN_PROGRESS, by="colleague")
    assert backend.change_token() != seen


def test_a_change_says_whether_someone_else_saved_before_it(backend, place):
    mine, theirs = Store(backend), Store(place.open())
    seen = backend.change_token()
    first = mine.set_status(1, Status.IN_PROGRESS, by="me")
    assert first.before == seen and first.after != seen and first.after == backend.change_token()
    theirs.add_note(2, "colleague's note", by="colleague")
    second = mine.set_status(3, Status.DONE, by="me")
    assert second.before != first.after  # the caller must take the whole plan
    assert second.plan.get(2).latest_note == "colleague's note" and second.plan.get(1).status is Status.IN_PROGRESS


WRITER = r"""
import sys
from hsp_tui.storage.store import Store
target, number, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = Store(target)
for i in range(n):
    store.add_note(number, f"note {i} from writer {sys.argv[4]}", by=f"w{sys.argv[4]}")
"""


def test_writers_in_several_processes_lose_nothing(backend, place):
    n, writers = 8, [(1, "a"), (1, "b"), (2, "c"), (2, "d")]
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, place.target, str(number), str(n), name])
             for number, name in writers]
    assert [p.wait(timeout=300) for p in procs] == [0] * len(procs)
    plan = place.open().load_plan()
    for number, name in writers:
        notes = [h.note for h in plan.get(number).history if h.action == "note" and h.note.endswith(f"writer {name}")]
        assert notes == [f"note {i} from writer {name}" for i in range(n)]  # all there, in order
    for number in (1, 2):
        ids = [h.id for h in plan.get(number).history]
        assert ids == list(range(1, len(ids) + 1))  # one id each, none taken twice
