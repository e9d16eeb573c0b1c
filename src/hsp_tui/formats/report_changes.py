"""Sections of the board report about what changed: the dropped items with their reason and the
auditor's verdict, and (with `export --since DATE`) every change that took effect since the last
board, item by item. Markdown, as `report` writes it (the HTML report is made from it).
Pure code: the review (the plan as it stood on the review date) and the dates are passed in.
"""

from __future__ import annotations

from datetime import date, timedelta

from hsp_tui.domain.history import effective_day
from hsp_tui.domain.records import Recommendation, Status
from hsp_tui.domain.review import Review
from hsp_tui.domain.verdicts import claim, drop_reason, verdict_words
from hsp_tui.domain.vocabulary import Action
from hsp_tui.formats.formatting import fmt_date, long_date, plural


def day_words(entry) -> str:
    """The day a change took effect, '1 Sep 2010' (the text itself if it cannot be read)."""
    text = effective_day(entry)
    try:
        return fmt_date(date.fromisoformat(text))
    except ValueError:
        return str(entry.at)


def dropped_section(rv: Review, md, cell, table, limit: int) -> list[str]:
    """Every dropped item with the officer's reason and the auditor's verdict."""
    dropped = [i for i in rv.items if i.rec.status is Status.DROPPED]
    out = ["## Dropped", ""]
    if not dropped:
        return out + ["No items have been dropped.", ""]
    agreed = sum(1 for i in dropped if verdict_words(i.rec).startswith("agreed"))
    out.append(f"{plural(len(dropped), 'item was', 'items were')} dropped; {agreed} agreed by the auditor, "
               f"{len(dropped) - agreed} awaiting the auditor's agreement. A dropped item is counted in the "
               "total, never as done.")
    out.append("")
    rows = []
    for i in dropped:
        rec = i.rec
        entry = claim(rec)
        rows.append((str(rec.number), cell(rec.ref), cell(rec.title), cell(rec.owner),
                     cell(drop_reason(rec), limit), cell(entry.by if entry else None),
                     day_words(entry) if entry else "—", verdict_words(rec)))
    out += table(("No.", "Ref", "Recommendation", "Owner", "Reason", "Dropped by", "On", "Verdict"), rows, "r")
    return out + [""]


def _change_words(rec: Recommendation, h) -> str:
    if h.action == Action.VERIFY:
        if h.old == Status.DROPPED.value:
            return ("drop agreed by the auditor" if h.new == Status.DROPPED.value
                    else f"drop rejected by the auditor: back to {Status(h.new).label}")
        return h.describe()
    if h.field == "status" and h.new == Status.DROPPED.value and h.action == Action.SET:
        return "dropped (awaiting the auditor's agreement)"
    return h.describe()


def since_section(rv: Review, since: date, md, cell, table, limit: int) -> list[str]:
    """Every change effective after `since` up to the review date, by item (the plan as it stood)."""
    start, end = since.isoformat(), rv.as_of.isoformat()
    title = f"## Changes since {long_date(since)}"
    if since >= rv.as_of:
        return [title, "", f"No changes: {long_date(since)} is not before the review date.", ""]
    rows = []
    for item in sorted(rv.items, key=lambda i: i.number):
        rec = item.rec
        for h in rec.history:
            day = effective_day(h)
            if not start < day <= end or h.action in (Action.CREATE, Action.IMPORT):
                continue
            rows.append((str(rec.number), cell(rec.title), day_words(h), cell(h.by), md(_change_words(rec, h)),
                         cell(h.note, limit)))
    first = since + timedelta(days=1)
    out = [title, ""]
    if not rows:
        return out + [f"No changes took effect from {long_date(first)} to {long_date(rv.as_of)}.", ""]
    out.append(f"{plural(len(rows), 'change')} took effect from {long_date(first)} to {long_date(rv.as_of)}, "
               "item by item, oldest first: status changes, revised deadlines with their reasons, the auditor's "
               "verdicts with their notes, drops with their reasons, reminders sent and progress notes.")
    out.append("")
    out += table(("No.", "Recommendation", "On", "By", "Change", "Note or reason"), rows, "r")
    return out + [""]
