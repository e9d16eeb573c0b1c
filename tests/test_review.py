"""Review rules on boundary dates: the due day is not overdue, the day after is."""

from datetime import date

import pytest

from hsp_tui.domain.records import Status
from hsp_tui.domain.review import review


def _item(store, as_of, number, **kw):
    return review(store.load(), as_of, **kw).item(number)


@pytest.mark.parametrize("as_of, overdue, days", [
    (date(2010, 4, 29), False, 0),
    (date(2010, 4, 30), False, 0),  # the due day itself is not overdue
    (date(2010, 5, 1), True, 1),    # the day after is
    (date(2010, 6, 1), True, 32),
])
def test_overdue_boundary_for_a_month_deadline(store, as_of, overdue, days):
    item = _item(store, as_of, 1)  # "April 2010"
    assert item.due == date(2010, 4, 30)
    assert (item.overdue, item.days_overdue) == (overdue, days)
    assert item.flag == ("OVERDUE" if overdue else "due soon")


def test_range_is_overdue_only_after_its_last_day(store):
    assert not _item(store, date(2010, 5, 31), 8).overdue  # "April – May 2010"
    assert _item(store, date(2010, 6, 1), 8).overdue


def test_done_and_dropped_items_are_never_overdue(store):
    store.set_status(1, Status.DONE, by="t")
    store.set_status(4, Status.DROPPED, by="t", note="superseded")
    rv = review(store.load(), date(2011, 1, 1))
    assert not rv.item(1).overdue and not rv.item(4).overdue
    assert rv.item(3).overdue  # August 2010, still open
    assert rv.item(1).flag == ""


@pytest.mark.parametrize("status", [Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED])
def test_open_statuses_can_be_overdue(store, status):
    store.set_status(1, status, by="t")
    assert _item(store, date(2010, 5, 1), 1).overdue


def test_ongoing_is_never_overdue(store):
    item = _item(store, date(2030, 1, 1), 5)
    assert item.due is None and not item.overdue and not item.due_soon


def test_due_soon_window_is_configurable(store):
    # Item 7 is due 31 July 2010.
    assert _item(store, date(2010, 7, 17), 7).due_soon          # 14 days before
    assert not _item(store, date(2010, 7, 16), 7).due_soon      # 15 days before
    assert _item(store, date(2010, 7, 1), 7, due_soon_days=30).due_soon
    assert _item(store, date(2010, 7, 31), 7).due_soon          # due today: due soon, not overdue
    assert not _item(store, date(2010, 7, 31), 7).overdue


def test_milestones_set_the_due_date_until_each_is_done(store):
    as_of = date(2010, 6, 1)
    item = _item(store, as_of, 2)
    assert item.due == date(2010, 4, 30) and item.overdue  # first milestone: April 2010
    store.set_milestone(2, 1, True, by="t")
    item = _item(store, as_of, 2)
    assert item.due == date(2010, 10, 31) and not item.overdue  # next open: October 2010
    assert item.rec.status is Status.NOT_STARTED  # finishing a milestone does not finish the item


def test_a_revision_moves_the_due_date_and_keeps_the_agreed_deadline(store):
    store.revise(8, "July 2010", reason="Executive Board met late", by="t", reference=date(2010, 3, 16))
    item = _item(store, date(2010, 6, 1), 8)
    assert item.due == date(2010, 7, 31) and not item.overdue
    assert item.rec.deadline == "April – May 2010"
    assert item.rec.current_deadline == "July 2010"


def test_summaries_by_status_owner_and_month(store):
    store.set_status(1, Status.DONE, by="t")
    store.set_status(3, Status.IN_PROGRESS, by="t")
    rv = review(store.load(), date(2010, 6, 1))
    counts = rv.by_status()
    assert counts[Status.DONE] == 1 and counts[Status.IN_PROGRESS] == 1 and counts[Status.NOT_STARTED] == 10
    ace = next(o for o in rv.by_owner() if o.owner == "Assistant Chief Executive")
    assert (ace.total, ace.open, ace.overdue, ace.done) == (5, 4, 2, 1)  # items 1,2,3,4,12; 2 and 4 overdue
    months = rv.by_month()
    assert months[0][0] == "2010-04" and months[-1][0] is None  # Ongoing last
    assert sorted(i.number for i in months[-1][1]) == [5, 6, 10, 11]
    assert rv.share_done == pytest.approx(1 / 12)
