"""Recording reminders (issue 20): a reminder that cannot be recorded is never sent.

A run records each reminder first, on each of its items, as pending (`RecordReminder(pending=True)`),
then sends the message (SMTP, or writes it to an outbox), then marks it sent, or not sent when
sending failed (`MarkReminder`): two entries of the item's history, as history is append-only.
A pending reminder never marked (the run was killed, or the mark could not be saved) shows as
"not confirmed sent" (`Recommendation.reminder_state`). `RecordReminder()` without `pending`
records a reminder already sent in one entry, as before this protocol. The server's
hsp.record_pending_reminder, hsp.confirm_reminder and hsp.record_reminder apply the same rules.
"""

from __future__ import annotations

from typing import ClassVar

from msgspec import Struct
from msgspec.structs import force_setattr

from hsp_tui.domain.commands import Outcome, Stamp, evolve
from hsp_tui.domain.errors import ConflictError, InputError
from hsp_tui.domain.records import HistoryEntry, Recommendation
from hsp_tui.domain.rules import REMINDER_VIAS, check_text, reminder_recipients


def _appended(rec: Recommendation, stamp: Stamp, summary: str, new: dict, note: str | None = None) -> Outcome:
    entry = HistoryEntry(id=stamp.id, at=stamp.at, by=stamp.by, action="remind", field=None, old=None, new=new,
                         note=note, on=stamp.on)
    return Outcome(evolve(rec, history=(*rec.history, entry)), entry, summary)


class RecordReminder(Struct, frozen=True):
    """A reminder about this item to its owner's addresses, by SMTP or to an outbox: about to go
    (`pending`: marked sent or not sent by `MarkReminder` once it went), or gone already."""

    number: int
    to: tuple[str, ...]
    owner: str
    via: str = "smtp"  # smtp | outbox
    pending: bool = False
    action: ClassVar[str] = "remind"

    def __post_init__(self) -> None:
        if self.via not in REMINDER_VIAS:
            raise InputError(f"a reminder is sent by smtp or written to an outbox, not {self.via!r}")
        force_setattr(self, "to", reminder_recipients(self.to))
        check_text(self.owner, "owner", required=True)

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        new = {"to": list(self.to), "owner": self.owner, "via": self.via}
        if self.pending:
            new["pending"] = True
        what = "reminder recorded, to be sent" if self.pending else "reminder recorded"
        return _appended(rec, stamp, f"{self.number}: {what} ({', '.join(self.to)})", new)


class MarkReminder(Struct, frozen=True):
    """The pending reminder `entry` (an id of the item's history) went (`sent`), or did not (`note`:
    why). Only who recorded it marks it, once."""

    number: int
    entry: int
    sent: bool
    note: str | None = None
    action: ClassVar[str] = "remind"

    def __post_init__(self) -> None:
        if self.note is not None:
            check_text(self.note, "note", required=True)

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        n, eid = self.number, self.entry
        target = next((h for h in rec.history if h.id == eid), None)
        if (target is None or target.action != "remind" or target.imported
                or not (isinstance(target.new, dict) and target.new.get("pending") is True)):
            raise InputError(f"change #{eid} on recommendation {n} is not a reminder waiting to be marked sent")
        if target.by != stamp.by:
            raise InputError(f"reminder #{eid} on recommendation {n} was recorded by {target.by}: only they mark it sent")
        if rec.reminder_state(target) != "pending":
            raise ConflictError(f"reminder #{eid} on recommendation {n} is already marked {rec.reminder_state(target)}")
        words = "sent" if self.sent else "not sent"
        return _appended(rec, stamp, f"{n}: reminder #{eid} marked {words}", {"entry": eid, "sent": self.sent},
                         self.note)
