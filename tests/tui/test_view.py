"""After a one-item change the app updates its sorted orders and search texts instead of rebuilding
them: what it shows must be exactly what a full rebuild would show."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsp_tui.model import Recommendation, Status
from hsp_tui.review import review, review_item
from hsp_tui.store import Store
from hsp_tui.tui.view import SORTS, Digest, select

from conftest import AS_OF
from tuikit import file_data, seed_docs_repeated

OWNERS = ["Head of Policy", "assistant chief executive", "Assistant Chief Executive", "HAVCO", "zeta"]
DEADLINES = ["April 2010", "31/05/2010", "Ongoing", "July 2010", "Q3 2010/11", "March 2011", "nonsense"]


def plan_of(store: Store, n: int):
    data = seed_docs_repeated(file_data(store.path), n, owner=lambda k: OWNERS[k % len(OWNERS)],
                              deadline=lambda k: DEADLINES[k % len(DEADLINES)])
    from hsp_tui.records import plan_from_data

    return plan_from_data(store.path, data)


@pytest.fixture(scope="module")
def store_for_hypothesis(tmp_path_factory) -> Store:
    from hsp_tui.interchange import seed_to_data
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
    dg = Digest.of(rv)
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
        dg = Digest.of(rv, previous=dg, changed=item, replaced=replaced)
        full = Digest.of(rv)
        for key in SORTS:
            assert [i.number for i in dg.orders[key]] == [i.number for i in full.orders[key]], key
            for text in ("", "head", str(number)):
                assert select(dg, text=text, sort=key) == select(full, text=text, sort=key)
        assert dg.search == full.search and dg.owners == full.owners
        assert [(label, [i.number for i in g]) for label, g in dg.deadlines] == \
               [(label, [i.number for i in g]) for label, g in full.deadlines]
