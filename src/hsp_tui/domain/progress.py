"""Progress over time: how many items were open, done, verified and overdue at each week.

Pure code: the plan and the review date are passed in, nothing reads a clock or a file.

Each item's state on a past day is rebuilt from its own record, newest facts first:
- its status: the `new` value of the last history entry with field "status" effective on or before that
  day; before the first such entry, that entry's `old` value; an item that never changed status
  has always had the one it has now (a status given by an import counts from the plan's start);
- its milestones: the same rule for entries with field "milestone" (per milestone index);
- its deadline: the last revision effective on or before that day, else the deadline agreed in the plan.
Undo entries carry the field they reverse with `old`/`new` swapped, so the same rule covers them.
An item is counted from the plan's date even when it was imported later: the plan's items are the
plan's from the day it was agreed. A change counts at the end of the day it took effect (`history.effective_day`: the
day given with --on, else the day it was recorded, in the offset it was recorded in). A timestamp that cannot be read counts as made before the plan began;
a change recorded after the review date counts on the review date, so the last point is always
what the review of that date shows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

from hsp_tui.domain.history import effective_day
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import Recommendation, Status, cached_deadline

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Point:
    """The plan's position at the end of one day."""

    day: date
    open: int  # not started, in progress or blocked
    done: int  # done, awaiting verification
    verified: int  # done and accepted by an auditor
    dropped: int
    overdue: int  # open and past its due date on that day

    @property
    def total(self) -> int:
        return self.open + self.done + self.verified + self.dropped


@dataclass(frozen=True)
class Progress:
    points: tuple[Point, ...]

    @property
    def last(self) -> Point | None:
        return self.points[-1] if self.points else None

    def thinned(self, limit: int) -> tuple["Progress", int]:
        """At most `limit` points, evenly spaced by whole weeks, always keeping the first and the last
        (the review date); returns the thinned series and the step in weeks (1 when nothing was left out)."""
        pts = self.points
        if len(pts) <= limit or limit < 2:
            return self, 1
        step = -(-(len(pts) - 1) // (limit - 1))  # ceiling: (len - 1) / step <= limit - 1
        kept = list(pts[:-1][::step])
        if kept[-1] is not pts[-1]:
            kept.append(pts[-1])
        return Progress(tuple(kept)), step


def _effective(entry: Any) -> date:
    """The day a change took effect (`history.effective_day`); date.min if it cannot be read."""
    try:
        return date.fromisoformat(effective_day(entry))
    except (TypeError, ValueError):
        return date.min


def _value_on(changes: Sequence[tuple[date, Any, Any]], day: date, now: Any) -> Any:
    """The value on `day` from (day, old, new) changes in order; `now` when there are none."""
    if not changes:
        return now
    before = [new for d, _old, new in changes if d <= day]
    return before[-1] if before else changes[0][1]


def _status(value: Any) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Timeline:
    """One item's recorded changes, ready to be asked "as it was on day D"."""

    rec: Recommendation
    statuses: tuple[tuple[date, Any, Any], ...]
    milestones: Mapping[int, tuple[tuple[date, Any, Any], ...]]
    revisions: tuple[tuple[date, str], ...]

    @classmethod
    def of(cls, rec: Recommendation, until: date) -> "_Timeline":
        """`until`: the review date; a change recorded after it counts on it (the review shows it)."""

        def day_of(entry: Any) -> date:
            return min(_effective(entry), until)

        entries = sorted(rec.history, key=lambda h: (day_of(h), h.id))
        statuses = tuple((day_of(h), h.old, h.new) for h in entries if h.field == "status")
        ms: dict[int, list[tuple[date, Any, Any]]] = {}
        for h in entries:
            if h.field == "milestone" and isinstance(h.new, Mapping) and isinstance(h.old, Mapping):
                try:
                    k = int(h.new.get("index"))
                except (TypeError, ValueError):
                    continue
                ms.setdefault(k, []).append((day_of(h), bool(h.old.get("done")), bool(h.new.get("done"))))
        revisions = tuple((day_of(r), r.deadline) for r in rec.revisions)
        return cls(rec, statuses, {k: tuple(v) for k, v in ms.items()}, revisions)

    def change_days(self) -> set[date]:
        days = {d for d, _o, _n in self.statuses} | {d for d, _t in self.revisions}
        for changes in self.milestones.values():
            days |= {d for d, _o, _n in changes}
        return days

    def status_on(self, day: date) -> Status:
        return _status(_value_on(self.statuses, day, self.rec.status.value)) or self.rec.status

    def due_on(self, day: date, reference: date | None) -> date | None:
        """The due date in force on `day`, by the same rule as `Recommendation.due`."""
        rec = self.rec
        deadline = rec.deadline
        for d, text in self.revisions:
            if d <= day:
                deadline = text
        if deadline != rec.deadline:  # revised on that day
            return cached_deadline(deadline, reference).due
        open_dues = []
        for k, m in enumerate(rec.milestones, start=1):
            done = _value_on(self.milestones.get(k, ()), day, m.done)
            if not done and (due := m.parsed(reference).due):
                open_dues.append(due)
        if open_dues:
            return min(open_dues)
        return rec.agreed(reference).due


def _kind(status: Status) -> str:
    if status is Status.DROPPED:
        return "dropped"
    if status is Status.DONE:
        return "done"
    if status is Status.VERIFIED:
        return "verified"
    return "open"


def positions(timelines: Iterable[_Timeline], days: Sequence[date], reference: date | None) -> list[Point]:
    """The position at each of `days` (ascending).

    An item's state only changes on the days it was changed, so each item adds its counts over whole
    runs of days at once (difference arrays): the cost is items x changes, not items x weeks.
    """
    n = len(days)
    diff = {k: [0] * (n + 1) for k in ("open", "done", "verified", "dropped", "overdue")}
    for t in timelines:
        cuts = sorted({bisect_left(days, d) for d in t.change_days()} | {0})
        cuts = [c for c in cuts if c < n] + [n]
        for lo, hi in zip(cuts, cuts[1:]):
            if lo >= hi:
                continue
            kind = _kind(t.status_on(days[lo]))
            diff[kind][lo] += 1
            diff[kind][hi] -= 1
            if kind == "open" and (due := t.due_on(days[lo], reference)) is not None:
                first = max(lo, bisect_right(days, due))  # the first day after the due date
                if first < hi:
                    diff["overdue"][first] += 1
                    diff["overdue"][hi] -= 1
    running = dict.fromkeys(diff, 0)
    out = []
    for j in range(n):
        for k in diff:
            running[k] += diff[k][j]
        out.append(Point(days[j], **running))
    return out


def weeks(start: date, end: date) -> list[date]:
    """`start`, a week later, ... up to `end`; `end` itself is always the last day."""
    if end <= start:
        return [end]
    days = []
    d = start
    while d < end:
        days.append(d)
        if end - d <= WEEK:  # also never steps past date.max (a review date of 9999-12-31)
            break
        d += WEEK
    days.append(end)
    return days


def progress(plan: Plan, as_of: date) -> Progress:
    """The plan's position at each week from its date (or its first recorded change) to `as_of`.

    The last point is `as_of` itself, and agrees with `review(plan, as_of)`'s counts.
    """
    reference = plan.meta.date
    timelines = [_Timeline.of(r, as_of) for r in plan.recommendations]
    start = reference
    if start is None:
        recorded = [_effective(h) for r in plan.recommendations for h in r.history]
        recorded = [d for d in recorded if d != date.min]
        start = min(recorded, default=as_of)
    return Progress(tuple(positions(timelines, weeks(start, as_of), reference)))
