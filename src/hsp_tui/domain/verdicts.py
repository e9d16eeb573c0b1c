"""The auditor's verdicts, read from an item's history: what awaits a verdict, who may give it, and
where a rejected drop goes back to.

An officer's Done and an officer's drop both await the auditor. A verdict (`verify`) on a done item
makes it Verified or sends it back to In progress; on a dropped item it makes the drop final
(the status stays Dropped; the verdict's entry records dropped -> dropped) or returns the item to
the status it had before the drop. Four eyes: the verdict is never given by the person who
recorded the Done or the drop it judges (names compared as owners are: any case, runs of spaces).
Pure code; the server's hsp.verify applies the same rules.
"""

from __future__ import annotations

from hsp_tui.domain.records import HistoryEntry, Recommendation, owner_key
from hsp_tui.domain.vocabulary import Action, Field, Status


def _status_entries(rec: Recommendation):
    return (h for h in reversed(rec.history) if h.field == Field.STATUS and h.action != Action.CONTACT)


def drop_agreed(rec: Recommendation) -> bool:
    """A dropped item whose drop the auditor accepted (its latest status entry is that verdict)."""
    if rec.status is not Status.DROPPED:
        return False
    last = next(_status_entries(rec), None)
    return last is not None and last.action == Action.VERIFY and last.new == Status.DROPPED.value


def awaiting_verdict(rec: Recommendation) -> bool:
    """Done, or dropped without the auditor's agreement yet."""
    return rec.status is Status.DONE or (rec.status is Status.DROPPED and not drop_agreed(rec))


def claim(rec: Recommendation) -> HistoryEntry | None:
    """The entry that put the item in the status a verdict judges: its latest Done, or its latest drop
    (for a verdict that came with an import, confirmed here: the Done it judged)."""
    wanted = (Status.DONE if rec.status is Status.VERIFIED else rec.status).value
    return next((h for h in _status_entries(rec) if h.new == wanted and h.old != wanted), None)


def same_person(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and owner_key(str(a)) == owner_key(str(b))


def status_before_drop(rec: Recommendation) -> Status:
    """Where a rejected drop returns the item: the status it had before its latest drop."""
    entry = claim(rec) if rec.status is Status.DROPPED else None
    try:
        back = Status(entry.old) if entry is not None else Status.IN_PROGRESS
    except ValueError:
        back = Status.IN_PROGRESS
    return Status.IN_PROGRESS if back is Status.DROPPED else back


def verdict_words(rec: Recommendation) -> str:
    """A dropped item's verdict in words, for the reports."""
    if rec.status is not Status.DROPPED:
        return ""
    return "agreed by the auditor" if drop_agreed(rec) else "awaiting the auditor's agreement"


def drop_reason(rec: Recommendation) -> str | None:
    """The officer's reason for the item's latest drop (the drop's note)."""
    if rec.status is not Status.DROPPED:
        return None
    entry = claim(rec)
    return entry.note if entry is not None else None
