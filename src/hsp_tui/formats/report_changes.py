"""Sections of the board report about what changed: the revised deadlines, the dropped items with
their reason and the auditor's verdict, and (with `export --since DATE`) every change that took
effect since the last board, item by item. Sections of the report's document (`document`).
Pure code: the review (the plan as it stood on the review date) and the dates are passed in.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Sequence

from msgspec.structs import replace

from hsp_tui.domain.history import effective_day
from hsp_tui.domain.asof import item_as_of
from hsp_tui.domain.records import Recommendation, Status
from hsp_tui.domain.review import ItemReview, Review
from hsp_tui.domain.verdicts import claim, drop_reason, verdict_words
from hsp_tui.domain.vocabulary import Action
from hsp_tui.formats.document import NONE, Section, Span, cell, para, plain, section, table
from hsp_tui.formats.formatting import fmt_date, long_date, plural, standing_revisions


def day_words(entry) -> str:
    """The day a change took effect, '1 Sep 2010' (the text itself if it cannot be read)."""
    text = effective_day(entry)
    try:
        return fmt_date(date.fromisoformat(text))
    except ValueError:
        return str(entry.at)


def numbers(items: Sequence[ItemReview]) -> str:
    """'item 8', 'items 1, 2 and 4'."""
    nums = [str(i.number) for i in items]
    if len(nums) <= 1:
        return f"item {nums[0]}" if nums else ""
    return f"items {', '.join(nums[:-1])} and {nums[-1]}"


def late_by(rec: Recommendation, index: int, reference: date | None) -> int:
    """How many days after the item was due its revision `index` (of `rec.revisions`) took effect (0:
    it was not overdue then): the item as it stood the day before (`asof.item_as_of`: its status and
    milestones), with the revisions made before this one (the same day's too), judged on that day."""
    try:
        day = date.fromisoformat(effective_day(rec.revisions[index]))
    except ValueError:
        return 0
    if day == date.min:
        return 0
    before = day - timedelta(days=1)
    then = replace(item_as_of(rec, before, before.isoformat()), revisions=rec.revisions[:index])
    due = then.due(reference)
    return (day - due).days if due is not None and not then.status.closed and due < day else 0


def late_words(days: int) -> str:
    return f"revised {plural(days, 'day')} after it was due"


def revised_section(revised: list[ItemReview], reference: date | None, limit: int) -> Section:
    """Every item whose deadline was revised: agreed, revised to, now due, each revision's reason, and
    a flag on a revision made when the item was already overdue."""
    title = "Revised deadlines"
    if not revised:
        return section("revised", title, para("No deadlines have been revised."))
    rows = []
    for i in revised:
        rec = i.rec
        revisions = standing_revisions(rec) or list(rec.revisions)
        chain = " → ".join(plain(r.deadline) for r in revisions)
        if len(revisions) > 1:
            chain = f"{chain} ({len(revisions)} revisions)"
            # Every revision's reason, who and when: an audit committee asks why each extension.
            reasons = "; ".join(f"{cell(r.deadline)}: {cell(r.reason, limit)}" for r in revisions)
            by = "; ".join(cell(r.by) for r in revisions)
            at = "; ".join(day_words(r) for r in revisions)
        else:
            only = revisions[0]
            reasons, by, at = cell(only.reason, limit), cell(only.by), day_words(only)
        late = [(r, days) for k, r in enumerate(rec.revisions)
                if any(r is s for s in revisions) and (days := late_by(rec, k, reference))]
        flag = "; ".join((f"{plain(r.deadline)}: " if len(revisions) > 1 else "") + late_words(days)
                         for r, days in late)
        rows.append((str(rec.number), cell(rec.ref), cell(rec.title), cell(rec.owner), cell(rec.deadline),
                     chain, fmt_date(i.due, NONE), reasons, by, at, Span(flag, flag="overdue") if flag else NONE))
    return section("revised", title, para(
        "The deadline agreed in the plan is kept; the revised one is the one now tracked. "
        "Revisions since undone are left out (the JSON export keeps them). A revision made when the item "
        "was already overdue is flagged with how late it came."), table(
        ("No.", "Ref", "Recommendation", "Owner", "Agreed", "Revised to", "Now due", "Reason", "Revised by", "When",
         "Made when overdue"), rows, "r"))


def dropped_section(rv: Review, limit: int) -> Section:
    """Every dropped item with the officer's reason and the auditor's verdict."""
    dropped = [i for i in rv.items if i.rec.status is Status.DROPPED]
    if not dropped:
        return section("dropped", "Dropped", para("No items have been dropped."))
    agreed = sum(1 for i in dropped if verdict_words(i.rec).startswith("agreed"))
    rows = []
    for i in dropped:
        rec = i.rec
        entry = claim(rec)
        rows.append((str(rec.number), cell(rec.ref), cell(rec.title), cell(rec.owner),
                     cell(drop_reason(rec), limit), cell(entry.by if entry else None),
                     day_words(entry) if entry else NONE, verdict_words(rec)))
    return section("dropped", "Dropped", para(
        f"{plural(len(dropped), 'item was', 'items were')} dropped; {agreed} agreed by the auditor, "
        f"{len(dropped) - agreed} awaiting the auditor's agreement. A dropped item is counted in the "
        "total, never as done."),
        table(("No.", "Ref", "Recommendation", "Owner", "Reason", "Dropped by", "On", "Verdict"), rows, "r"))


def _change_words(rec: Recommendation, h) -> str:
    if h.action == Action.VERIFY:
        if h.old == Status.DROPPED.value:
            return ("drop agreed by the auditor" if h.new == Status.DROPPED.value
                    else f"drop rejected by the auditor: back to {Status(h.new).label}")
        return h.describe()
    if h.field == "status" and h.new == Status.DROPPED.value and h.action == Action.SET:
        return "dropped (awaiting the auditor's agreement)"
    return h.describe()


def since_section(rv: Review, since: date, limit: int) -> Section:
    """Every change effective after `since` up to the review date, by item (the plan as it stood)."""
    start, end = since.isoformat(), rv.as_of.isoformat()
    title = f"Changes since {long_date(since)}"
    if since >= rv.as_of:
        return section("changes-since", title, para(f"No changes: {long_date(since)} is not before the review date."))
    rows = []
    for item in sorted(rv.items, key=lambda i: i.number):
        rec = item.rec
        for h in rec.history:
            day = effective_day(h)
            if not start < day <= end or h.action in (Action.CREATE, Action.IMPORT):
                continue
            rows.append((str(rec.number), cell(rec.title), day_words(h), cell(h.by), plain(_change_words(rec, h)),
                         cell(h.note, limit)))
    first = since + timedelta(days=1)
    if not rows:
        return section("changes-since", title,
                       para(f"No changes took effect from {long_date(first)} to {long_date(rv.as_of)}."))
    return section("changes-since", title, para(
        f"{plural(len(rows), 'change')} took effect from {long_date(first)} to {long_date(rv.as_of)}, "
        "item by item, oldest first: status changes, revised deadlines with their reasons, the auditor's "
        "verdicts with their notes, drops with their reasons, reminders sent and progress notes."),
        table(("No.", "Recommendation", "On", "By", "Change", "Note or reason"), rows, "r"))
