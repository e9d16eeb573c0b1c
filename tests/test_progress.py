"""Progress over time, rebuilt from hand-made histories: what a board would have seen each week."""

from __future__ import annotations

from datetime import date

import pytest

from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import PlanMeta, Recommendation
from hsp_tui.domain.progress import progress, weeks
from hsp_tui.domain.review import review

PLAN_DAY = date(2010, 3, 1)


def entry(i: int, at: str, action: str = "set", field: str | None = "status", old=None, new=None, **kw) -> dict:
    return {"id": i, "at": at, "by": "officer", "action": action, "field": field, "old": old, "new": new,
            "note": None, **kw}


def rec(number: int, deadline: str, status: str = "not_started", history=(), revisions=(), milestones=()) -> Recommendation:
    return Recommendation.from_dict({
        "number": number, "ref": f"R{number}", "recommendation": f"Item {number}", "management_response": "",
        "deadline": deadline, "owner": "Chief Executive", "status": status,
        "history": [entry(1000, "2026-11-29T10:00:00+00:00", "import", None), *history],
        "revisions": list(revisions), "milestones": list(milestones), "repairs": []})


def plan(*recs: Recommendation) -> Plan:
    return Plan(PlanMeta("Test plan", PLAN_DAY, "", "", "", ""), tuple(recs))


def at(prog, day: date):
    return next(p for p in prog.points if p.day == day)


def test_weeks_run_from_the_plan_date_to_the_review_date_inclusive():
    assert weeks(date(2010, 3, 1), date(2010, 3, 20)) == [date(2010, 3, 1), date(2010, 3, 8), date(2010, 3, 15),
                                                          date(2010, 3, 20)]
    assert weeks(date(2010, 3, 1), date(2010, 3, 15))[-1] == date(2010, 3, 15)
    assert weeks(date(2010, 3, 1), date(2010, 2, 1)) == [date(2010, 2, 1)]  # review before the plan: one point


def test_an_item_done_later_was_open_and_then_overdue_before_it_was_done():
    # Due end of April; done on 20 May: overdue from 1 May to 19 May, done from 20 May.
    r = rec(1, "April 2010", "done", history=[entry(1, "2010-05-20T16:00:00+01:00", old="not_started", new="done")])
    prog = progress(plan(r), date(2010, 6, 7))
    p = at(prog, date(2010, 4, 26))
    assert (p.open, p.done, p.overdue) == (1, 0, 0)
    p = at(prog, date(2010, 5, 3))
    assert (p.open, p.done, p.overdue) == (1, 0, 1)
    p = at(prog, date(2010, 5, 17))
    assert (p.open, p.overdue) == (1, 1)
    p = at(prog, date(2010, 5, 24))
    assert (p.open, p.done, p.overdue) == (0, 1, 0)


def test_a_change_counts_at_the_end_of_its_own_day_in_its_own_offset():
    # 23:30 on 3 May in UTC+01:00 is still 3 May there (22:30 UTC): done on 3 May.
    r = rec(1, "December 2010", "in_progress", history=[entry(1, "2010-05-03T23:30:00+01:00", old="not_started",
                                                                new="in_progress")])
    prog = progress(plan(r), date(2010, 5, 10))
    assert at(prog, date(2010, 4, 26)).open == 1
    # Status before and after the change are both "open"; the kind does not change but the status did.
    r2 = rec(2, "December 2010", "done", history=[entry(1, "2010-05-03T23:30:00+01:00", old="in_progress", new="done")])
    prog = progress(plan(r2), date(2010, 5, 10))
    assert at(prog, date(2010, 5, 3)).done == 1
    assert at(prog, date(2010, 4, 26)).done == 0


def test_status_set_then_undone_returns_to_the_earlier_status_from_the_undo_day():
    r = rec(1, "April 2010", "in_progress", history=[
        entry(1, "2010-03-10T09:00:00+00:00", old="not_started", new="in_progress"),
        entry(2, "2010-04-05T09:00:00+00:00", old="in_progress", new="done"),
        entry(3, "2010-04-20T09:00:00+00:00", "undo", old="done", new="in_progress", undoes=2),
    ])
    prog = progress(plan(r), date(2010, 5, 31))
    assert at(prog, date(2010, 3, 8)).open == 1
    assert at(prog, date(2010, 4, 5)).done == 1
    assert at(prog, date(2010, 4, 12)).done == 1
    p = at(prog, date(2010, 4, 26))
    assert (p.open, p.done, p.overdue) == (1, 0, 0)
    assert at(prog, date(2010, 5, 3)).overdue == 1


def test_a_revised_deadline_counts_only_from_the_day_it_was_revised():
    # Agreed April 2010, revised on 10 May to September: overdue 1-9 May, then not overdue.
    r = rec(1, "April 2010", "in_progress",
            revisions=[{"deadline": "September 2010", "reason": "staff", "by": "x", "at": "2010-05-10T10:00:00+00:00"}],
            history=[entry(1, "2010-05-10T10:00:00+00:00", "revise", "deadline", "April 2010", "September 2010")])
    prog = progress(plan(r), date(2010, 10, 4))
    assert at(prog, date(2010, 5, 3)).overdue == 1
    assert at(prog, date(2010, 5, 10)).overdue == 0
    assert at(prog, date(2010, 9, 27)).overdue == 0
    assert at(prog, date(2010, 10, 4)).overdue == 1


def test_milestones_done_later_set_the_due_date_in_force_each_week():
    ms = [{"label": "draft", "deadline": "April 2010", "done": True},
          {"label": "final", "deadline": "August 2010", "done": False}]
    r = rec(1, "August 2010", "in_progress", milestones=ms, history=[
        entry(1, "2010-05-12T10:00:00+00:00", "milestone", "milestone", {"index": 1, "done": False},
              {"index": 1, "done": True})])
    prog = progress(plan(r), date(2010, 6, 1))
    assert at(prog, date(2010, 5, 10)).overdue == 1  # milestone 1 (April) still open then
    assert at(prog, date(2010, 5, 17)).overdue == 0  # done on 12 May: next due end of August


def test_status_given_by_the_import_counts_from_the_start_and_dropped_items_are_never_overdue():
    prog = progress(plan(rec(1, "April 2010", "done"), rec(2, "April 2010", "dropped"), rec(3, "April 2010")),
                    date(2010, 6, 1))
    first, last = prog.points[0], prog.points[-1]
    assert (first.done, first.dropped, first.open) == (1, 1, 1)
    assert (last.done, last.dropped, last.open, last.overdue) == (1, 1, 1, 1)


def test_the_last_point_agrees_with_the_review_of_the_same_date(store):
    store.set_status(1, "done", by="t")
    store.set_status(4, "dropped", by="t", note="superseded")
    store.revise(3, "December 2011", reason="later", by="t")
    p = store.load()
    for as_of in (date(2010, 6, 1), date(2010, 9, 15), date(2011, 4, 2)):
        last = progress(p, as_of).last
        rv = review(p, as_of)
        assert last.day == as_of
        assert last.overdue == len(rv.overdue)
        assert last.total == len(rv.items)
        assert last.done == rv.by_status()[next(s for s in rv.by_status() if s.value == "done")]


@pytest.mark.parametrize("limit", [2, 5, 12])
def test_thinning_keeps_the_first_and_last_points_evenly_spaced(limit):
    prog = progress(plan(rec(1, "April 2010")), date(2011, 3, 1))
    thin, step = prog.thinned(limit)
    assert len(thin.points) <= limit
    assert thin.points[0] == prog.points[0] and thin.points[-1] == prog.points[-1]
    gaps = {(b.day - a.day).days for a, b in zip(thin.points[:-2], thin.points[1:-1])}
    assert gaps <= {7 * step}


def test_a_change_recorded_after_the_review_date_counts_on_the_review_date():
    # Done in 2026, reviewed "as of" 2010: the review shows it done, so does the last point, not before.
    r = rec(1, "April 2010", "done", history=[entry(1, "2026-11-29T10:00:00+00:00", old="not_started", new="done")])
    prog = progress(plan(r), date(2010, 6, 1))
    assert (prog.points[-2].open, prog.points[-2].overdue) == (1, 1)
    assert (prog.last.done, prog.last.overdue) == (1, 0)
    assert not review(plan(r), date(2010, 6, 1)).overdue


def test_text_bars_share_one_scale_and_never_hide_a_non_zero_value():
    from hsp_tui.formats.charts import text_bars

    rows = text_bars([0, 1, 6, 12], top=12, height=4)
    assert len(rows) == 4 and all(len(r) == 4 for r in rows)
    assert [r[0] for r in rows] == [" "] * 4  # 0: nothing
    assert rows[-1][1] != " " and rows[-2][1] == " "  # 1 of 12: a sliver at the bottom only
    assert [r[3] for r in rows] == ["█"] * 4  # the top value fills the column
    assert [r[2] for r in rows] == [" ", " ", "█", "█"]  # half
