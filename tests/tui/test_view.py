"""After a one-item change the app patches its view (sorted orders, search texts, owners' counts,
deadline groups, summary counts) instead of rebuilding it: what it shows must be exactly what a full
rebuild would show."""

from __future__ import annotations

from msgspec.structs import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsp_tui.domain.records import Recommendation, Status
from hsp_tui.domain.review import review, review_item
from hsp_tui.storage.store import Store
from hsp_tui.tui.view import SORTS, PlanView, select

from conftest import AS_OF
from tuikit import file_data, seed_docs_repeated

OWNERS = ["Head of Policy", "assistant chief executive", "Assistant Chief Executive", "HAVCO", "zeta"]
# Overdue, due soon (10 June), later, undated and unreadable, as of AS_OF (1 June 2010).
DEADLINES = ["April 2010", "31/05/2010", "Ongoing", "July 2010", "Q3 2010/11", "March 2011", "nonsense",
             "10/06/2010"]


def plan_of(store: Store, n: int):
    data = seed_docs_repeated(file_data(store.path), n, owner=lambda k: OWNERS[k % len(OWNERS)],
                              deadline=lambda k: DEADLINES[k % len(DEADLINES)])
    from hsp_tui.storage.file.planfile import plan_from_data

    return plan_from_data(store.path, data)


@pytest.fixture(scope="module")
def store_for_hypothesis(tmp_path_factory) -> Store:
    from hsp_tui.formats.importing import seed_to_data
    from hsp_tui.storage.seed import seed_document

    path = tmp_path_factory.mktemp("view") / "plan.json"
    return Store.open(path, seed=lambda: seed_to_data(seed_document(), by="seed", at="2010-03-16T10:00:00+00:00"))


changes = st.lists(st.tuples(st.integers(1, 60), st.sampled_from(list(Status)), st.sampled_from(OWNERS + ["Zed"]),
                             st.sampled_from(DEADLINES + [None])), min_size=1, max_size=8)


@pytest.mark.slow
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
        same_view(dg, full)
        counted(dg)


def same_view(a: PlanView, b: PlanView) -> None:
    """Everything the panes show from `a` is what they show from `b`."""
    assert a.review.items == b.review.items and a.total == b.total and a.complete == b.complete
    for key in SORTS:
        assert [i.number for i in a.orders[key]] == [i.number for i in b.orders[key]], key
        for text in ("", "head", "7"):  # through each order's texts, cached or not
            assert select(a, text=text, sort=key) == select(b, text=text, sort=key), (key, text)
    assert a.search == b.search and a.owners == b.owners and a.counts == b.counts
    assert [(label, [i.number for i in g]) for label, g in a.deadlines] == \
           [(label, [i.number for i in g]) for label, g in b.deadlines]
    assert [(line.plain, key) for line, key in a.deadline_lines] == [(line.plain, key) for line, key in b.deadline_lines]
    assert a.summary.plain == b.summary.plain
    assert all(a.position(i.number) == k for k, i in enumerate(a.review.items))


def counted(view: PlanView) -> None:
    """The view's counts are the review's own, counted over every item."""
    rv = view.review
    assert view.counts.by_status == rv.by_status() and view.owners == rv.by_owner()
    assert (view.counts.overdue, view.counts.due_soon) == (len(rv.overdue), len(rv.due_soon))
    assert view.counts.share_done == rv.share_done


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


@pytest.mark.slow
def test_many_random_changes_patch_the_view_as_a_full_rebuild_would(tmp_path, store):
    """A seeded run of the commands an officer or an auditor makes (status, owner, deadline revised,
    note, verdict, undo) on a 120-item plan, each shown by patching the view."""
    import random

    from hsp_tui.domain.errors import HspError
    from hsp_tui.tui.view import after_change

    rng = random.Random(13)
    path = tmp_path / "many.json"
    Store(path).create(seed_docs_repeated(file_data(store.path), 120, owner=lambda k: OWNERS[k % len(OWNERS)],
                                          deadline=lambda k: DEADLINES[k % len(DEADLINES)]))
    mine = Store(path)
    seen = mine.change_token()
    dg = PlanView.of(review(mine.load(), AS_OF))
    made: list[tuple[int, int]] = []  # (number, history entry id) of the changes made
    kinds = {"status", "owner", "revise", "note", "verify", "undo"}
    seen_kinds: set[str] = set()
    for step in range(150):
        number = rng.randint(1, 120)
        kind = rng.choice(sorted(kinds))
        try:
            if kind == "status":
                c = mine.set_status(number, rng.choice([s for s in Status if s is not Status.VERIFIED]), by="me")
            elif kind == "owner":
                c = mine.set_owner(number, rng.choice(OWNERS + ["Zed", "new owner"]), by="me")
            elif kind == "revise":
                c = mine.revise(number, rng.choice(DEADLINES[:-2] + ["10/06/2010", "June 2010"]), reason="r", by="me")
            elif kind == "note":
                c = mine.add_note(number, f"note {step}", by="me")
            elif kind == "verify":
                if rng.random() < 0.7:  # mostly an item made Done first, so the verdict is taken
                    c = mine.set_status(number, Status.DONE, by="me")
                    patched = after_change(dg, c, seen)
                    dg, seen = patched[0], c.after
                c = mine.verify(number, rng.random() < 0.6, by="auditor", note="checked")
            else:
                if not made:
                    continue
                number, entry = made.pop(rng.randrange(len(made)))
                c = mine.undo(number, entry, by="me")
        except HspError:  # e.g. a verdict on an item not done, an undo of a change overtaken since
            continue
        patched = after_change(dg, c, seen)
        assert patched is not None
        dg, item = patched
        if c.entry is not None:
            made.append((c.number, c.entry.id))
            seen_kinds.add(kind)
            assert item is not None and dg.review.item(c.number) is item
        seen = c.after
        same_view(dg, PlanView.of(review(c.plan, AS_OF)))
        counted(dg)
    assert seen_kinds == kinds  # every kind of change was made (and patched) at least once


def test_a_colleagues_save_patches_the_items_they_changed_and_nothing_else(tmp_path, store):
    """Re-reading a plan someone else saved: the few items they changed are patched into the view
    shown (the same as judging the whole plan again); a plan changed in more than a few items'
    contents is judged whole."""
    from hsp_tui.tui.view import PATCH_AT_MOST, reread

    path = tmp_path / "shared.json"
    Store(path).create(seed_docs_repeated(file_data(store.path), 80, owner=lambda k: OWNERS[k % len(OWNERS)],
                                          deadline=lambda k: DEADLINES[k % len(DEADLINES)]))
    mine, colleague = Store(path), Store(path)
    dg = PlanView.of(review(mine.load(), AS_OF))
    assert reread(dg, mine.load()) == (dg, ())  # nothing changed: the same view
    colleague.set_status(5, Status.DONE, by="bob")
    colleague.set_owner(41, "zeta", by="bob")
    colleague.revise(70, "10/06/2010", reason="sooner", by="bob")
    plan = mine.load()
    patched, changed = reread(dg, plan)
    assert sorted(i.number for i in changed) == [5, 41, 70]
    assert all(patched.review.item(i.number) is i for i in changed)
    same_view(patched, PlanView.of(review(plan, AS_OF)))
    counted(patched)
    for n in range(1, PATCH_AT_MOST + 2):
        colleague.add_note(n, "many", by="bob")
    assert reread(patched, mine.load()) is None  # more than a few: judged whole
