"""After a one-item change the app updates its sorted orders and search texts instead of rebuilding
them: what it shows must be exactly what a full rebuild would show."""

from __future__ import annotations

from msgspec.structs import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsp_tui.model import Recommendation, Status
from hsp_tui.review import review, review_item
from hsp_tui.store import Store
from hsp_tui.tui.view import SORTS, PlanView, select

from conftest import AS_OF
from tuikit import file_data, seed_docs_repeated

OWNERS = ["Head of Policy", "assistant chief executive", "Assistant Chief Executive", "HAVCO", "zeta"]
DEADLINES = ["April 2010", "31/05/2010", "Ongoing", "July 2010", "Q3 2010/11", "March 2011", "nonsense"]


def plan_of(store: Store, n: int):
    data = seed_docs_repeated(file_data(store.path), n, owner=lambda k: OWNERS[k % len(OWNERS)],
                              deadline=lambda k: DEADLINES[k % len(DEADLINES)])
    from hsp_tui.planfile import plan_from_data

    return plan_from_data(store.path, data)


@pytest.fixture(scope="module")
def store_for_hypothesis(tmp_path_factory) -> Store:
    from hsp_tui.importing import seed_to_data
    from hsp_tui.seed import seed_document

    path = tmp_path_factory.mktemp("view") / "plan.json"
    return Store.open(path, seed=lambda: seed_to_data(seed_document(), by="seed", at="2010-03-16T10:00:00+00:00"))


changes = st.lists(st.tuples(st.integers(1, 60), st.sampled_from(list(Status)), st.sampled_from(OWNERS),
                             st.sampled_from(DEADLINES + [None])), min_size=1, max_size=8)


@given(changes)
@settings(max_examples=60, deadline=None)
def test_one_item_updates_match_a_full_rebuild(store_for_hypothesis, steps):
    plan = plan_of(store_for_hypothesis, 60)
    rv = review(plan, AS_OF)
    dg = PlanView.of(rv)
    for number, status, owner, deadline in steps:
        index = number - 1
        old_rec: Recommendation = rv.items[index].rec
        rec = replace(old_rec, status=status, owner=owner, deadline=deadline or old_rec.deadline)
        item = review_item(rec, AS_OF, plan.meta.date, rv.due_soon_days)
        replaced = rv.items[index]
        rv.item(1)  # the lookup by number exists, so it is carried over
        rv = rv.replacing(index, item)
        assert rv.item(number) is item and rv.plan.get(number) is rec
        assert rv.item(number % 60 + 1) is rv.items[number % 60]
        dg = PlanView.of(rv, previous=dg, changed=item, replaced=replaced)
        full = PlanView.of(rv)
        for key in SORTS:
            assert [i.number for i in dg.orders[key]] == [i.number for i in full.orders[key]], key
            for text in ("", "head", str(number)):
                assert select(dg, text=text, sort=key) == select(full, text=text, sort=key)
        assert dg.search == full.search and dg.owners == full.owners
        assert [(label, [i.number for i in g]) for label, g in dg.deadlines] == \
               [(label, [i.number for i in g]) for label, g in full.deadlines]


def same_view(a: PlanView, b: PlanView) -> None:
    for key in SORTS:
        assert [i.number for i in a.orders[key]] == [i.number for i in b.orders[key]], key
    assert a.search == b.search and a.owners == b.owners and a.review.items == b.review.items
    assert [(label, [i.number for i in g]) for label, g in a.deadlines] == \
           [(label, [i.number for i in g]) for label, g in b.deadlines]


def test_after_a_change_only_that_item_is_judged_again_and_the_view_is_as_a_full_rebuild(tmp_path, store):
    from hsp_tui.tui.view import after_change

    path = tmp_path / "view.json"
    Store(path).create(seed_docs_repeated(file_data(store.path), 60, owner=lambda k: OWNERS[k % len(OWNERS)],
                                          deadline=lambda k: DEADLINES[k % len(DEADLINES)]))
    mine = Store(path)
    seen = mine.change_token()
    dg = PlanView.of(review(mine.load(), AS_OF))
    for change in (lambda: mine.set_status(7, Status.DONE, by="me"),
                   lambda: mine.set_owner(8, "zeta", by="me"),
                   lambda: mine.revise(9, "March 2011", reason="late", by="me"),
                   lambda: mine.add_note(9, "a note", by="me")):
        c = change()
        patched, item = after_change(dg, c, seen)
        assert item is not None and item.rec == c.record and patched.review.item(c.number) is item
        same_view(patched, PlanView.of(review(c.plan, AS_OF)))
        dg, seen = patched, c.after
    nothing = mine.set_status(7, Status.DONE, by="me")  # already so
    assert after_change(dg, nothing, seen) == (dg, None)
    Store(path).add_note(3, "a colleague's note", by="bob")  # someone else saves in between
    c = mine.set_status(4, Status.BLOCKED, by="me")
    assert after_change(dg, c, seen) is None  # the whole plan as saved must be reviewed again
