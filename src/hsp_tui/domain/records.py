"""The declaration of the data: every record of a plan, its types and its vocabularies, once.

The plan file (an ordinary TinyDB JSON file, UTF-8) is

    {"meta": {"1": {"app": "hsp-tui", "schema_version": 1, "plan": {...PlanMeta...}}},
     "recommendations": {"<number>": {...Recommendation...}, ...}}

Reading the file, checking an import, the JSON export and its JSON Schema (`schema.py`) all derive
from the `msgspec` Structs below: a value is checked, never coerced ("false" is not a boolean, an
object is not text), and every failure is one line naming the file, the record and the field.
The Structs are frozen and not tracked by the cycle collector (`gc=False`): records read from JSON
are trees, never cycles, so reference counting frees them and a collection never walks them.

The vocabularies (statuses, history actions and fields) and the value types are `vocabulary`; the
history entry is `history`; every name is offered here too, so the rest of the code imports the
data from one place.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Annotated, Literal

import msgspec

from hsp_tui.domain.deadlines import Deadline, Precision, parse_deadline
from hsp_tui.domain.history import HistoryEntry, MilestoneState, standing_attachments, undone_ids
from hsp_tui.domain.rules import owner_key
from hsp_tui.domain.vocabulary import (MAX_ID, PROGRESS_ACTIONS, STATUS_KEYS, STATUS_LABELS, STATUS_WORDS, TIMESTAMP_PATTERN, Action, Field, Number, Record, Status, Timestamp, field_names)

__all__ = [
    "APP_ID", "SCHEMA_VERSION", "META", "RECS", "MAX_ID", "TIMESTAMP_PATTERN", "Number", "Timestamp",
    "Status", "STATUS_LABELS", "STATUS_WORDS", "STATUS_KEYS", "Action", "PROGRESS_ACTIONS",
    "Field", "Precision", "Milestone", "MilestoneState", "Revision", "HistoryEntry", "Recommendation",
    "PlanMeta", "Contact", "owner_key", "MetaRecord", "PlanFile", "cached_deadline", "short_title", "undone_ids",
    "Record", "field_names", "PLAN_DETAILS",
]

APP_ID = "hsp-tui"
SCHEMA_VERSION = 1
META = "meta"
RECS = "recommendations"


@lru_cache(maxsize=4096)
def cached_deadline(text: str, reference: date | None) -> Deadline:
    """Deadlines repeat across a plan; parse each distinct text once."""
    return parse_deadline(text, reference)


class Milestone(Record):
    label: str
    deadline: Annotated[str, msgspec.Meta(description="As written in the plan.")]
    done: bool

    def parsed(self, reference: date | None) -> Deadline:
        return cached_deadline(self.deadline, reference)


class Revision(Record, omit_defaults=True):
    """A revised deadline. The deadline agreed in the plan is never changed; revisions pile up."""

    deadline: Annotated[str, msgspec.Meta(description="The revised deadline as written.")]
    reason: Annotated[str, msgspec.Meta(min_length=1)]
    by: str
    at: Timestamp
    on: Annotated[date | None, msgspec.Meta(
        description="The day the revision took effect (--on), when given; otherwise the day of 'at'.")] = None


class Recommendation(Record):
    number: Number
    ref: Annotated[str, msgspec.Meta(description="The report section the recommendation comes from.")]
    recommendation: Annotated[str, msgspec.Meta(min_length=1)]
    management_response: str
    deadline: Annotated[str, msgspec.Meta(
        description="The deadline as agreed in the plan, as written. Never changed by a revision.")]
    owner: str
    status: Annotated[Status, msgspec.Meta(
        description="not_started, in_progress, blocked, done (awaiting verification), verified (accepted by an "
                    "auditor) or dropped. Done, verified and dropped items are never overdue.")]
    milestones: tuple[Milestone, ...]
    revisions: Annotated[tuple[Revision, ...], msgspec.Meta(description="Every revision of the deadline, oldest first.")]
    history: Annotated[tuple[HistoryEntry, ...], msgspec.Meta(description="Every change, oldest first.")]
    repairs: Annotated[tuple[str, ...], msgspec.Meta(
        description="Corrections made to the text as extracted from the published plan.")]

    @property
    def title(self) -> str:
        """A short title: the first clause of the recommendation."""
        return short_title(self.recommendation)

    @property
    def current_deadline(self) -> str:
        """The deadline in force: the latest revision's, else the one agreed."""
        return self.revisions[-1].deadline if self.revisions else self.deadline

    @property
    def revised(self) -> bool:
        """The deadline in force differs from the one agreed. Undoing the only revision appends a
        revision back to the agreed text: the item then counts as not revised (milestones rule again)."""
        return bool(self.revisions) and self.current_deadline != self.deadline

    def agreed(self, reference: date | None) -> Deadline:
        return cached_deadline(self.deadline, reference)

    def current(self, reference: date | None) -> Deadline:
        return cached_deadline(self.current_deadline, reference)

    @property
    def ongoing(self) -> bool:
        """The deadline in force is 'Ongoing' (or the like): no due date, by design."""
        return self.current(None).precision is Precision.ONGOING

    def due(self, reference: date | None) -> date | None:
        """The current due date.

        A revision sets it outright. Otherwise, with milestones, it is the earliest open milestone's
        due date (all done: the agreed deadline's); without milestones, the agreed deadline's.
        """
        if self.revised:
            return self.current(reference).due
        open_dues = [d for m in self.milestones if not m.done and (d := m.parsed(reference).due)]
        if open_dues:
            return min(open_dues)
        return self.agreed(reference).due

    @property
    def notes(self) -> tuple[HistoryEntry, ...]:
        """Progress notes still standing (an undone note is withdrawn, though kept in history)."""
        withdrawn = undone_ids(self.history)
        return tuple(h for h in self.history
                     if h.note and h.action in PROGRESS_ACTIONS and h.id not in withdrawn)

    # A reminder is recorded before its message goes, as pending (its `new` says "pending": true),
    # then marked by a second entry ({"entry": the pending one's id, "sent": true or false}); an
    # entry without "pending" was recorded after its message went (before issue 20) and counts as sent.
    @property
    def reminder_entries(self) -> tuple[HistoryEntry, ...]:
        """Every reminder recorded about this item (not the entries marking one sent), oldest first."""
        return tuple(h for h in self.history if h.action == Action.REMIND and not _marks_reminder(h))

    def reminder_state(self, entry: HistoryEntry) -> str:
        """'sent', 'pending' (recorded before it went, never marked sent: it may or may not have
        gone) or 'failed' (marked not sent)."""
        if not (isinstance(entry.new, dict) and entry.new.get("pending") is True):
            return "sent"
        mark = next((h for h in self.history if _marks_reminder(h) and h.new.get("entry") == entry.id), None)
        return "pending" if mark is None else "sent" if mark.new.get("sent") is True else "failed"

    @property
    def evidence(self) -> tuple[HistoryEntry, ...]:
        """The attachments standing (attached, not withdrawn), oldest first."""
        return standing_attachments(self.history)

    @property
    def attachments(self) -> tuple[HistoryEntry, ...]:
        """Every attachment, withdrawn ones included (`withdrawn_ids` says which), oldest first."""
        return tuple(h for h in self.history if h.action == Action.ATTACH)

    @property
    def withdrawn_ids(self) -> dict[int, HistoryEntry]:
        """The ids of withdrawn attachments, each with the entry that withdrew it."""
        return {h.undoes: h for h in self.history if h.action == Action.WITHDRAW and h.undoes is not None}

    @property
    def reminders(self) -> tuple[HistoryEntry, ...]:
        """The reminders known to have been sent to the owner about this item, oldest first."""
        return tuple(h for h in self.reminder_entries if self.reminder_state(h) == "sent")

    @property
    def unconfirmed_reminders(self) -> tuple[HistoryEntry, ...]:
        """The reminders recorded as about to go and never marked sent (a run stopped between)."""
        return tuple(h for h in self.reminder_entries if self.reminder_state(h) == "pending")

    @property
    def verdict_imported(self) -> bool:
        """Verified by a verdict that came with an import onto a server, not given by an auditor
        there: the latest entry that made the item Verified is marked imported (or none did, and
        the item came by import). Such an item shows "Verified (imported)" until an auditor confirms it."""
        if self.status is not Status.VERIFIED:
            return False
        for h in reversed(self.history):
            if h.field == Field.STATUS and h.new == Status.VERIFIED.value:
                return h.imported
        return any(h.imported for h in self.history)

    @property
    def latest_note(self) -> str | None:
        notes = self.notes
        return notes[-1].note if notes else None


def _marks_reminder(h: HistoryEntry) -> bool:
    """The entry marking a pending reminder sent or not sent ({"entry": id, "sent": bool})."""
    return h.action == Action.REMIND and isinstance(h.new, dict) and "entry" in h.new


def short_title(text: str, limit: int = 60) -> str:
    """The first clause of a sentence, cut at a word boundary to at most `limit` characters."""
    flat = " ".join(text.split())
    for stop in (". ", "; ", ": ", ", "):
        idx = flat.find(stop)
        if 0 < idx <= limit:
            flat = flat[:idx]
            break
    flat = flat.rstrip(".")
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


class Contact(Record, omit_defaults=True):  # no sponsor: none written
    """Where reminders for one owner (a role title) go."""

    owner: str
    addresses: tuple[str, ...]
    # None only in the plan as it stood on a past day, replayed from a contact entry made before
    # entries recorded the sponsor (`asof.meta_as_of`): who it was then is not known.
    sponsor: Annotated[tuple[str, ...] | None, msgspec.Meta(
        description="Copied on a reminder once an item has had escalate_after reminders. Null: not recorded "
                    "(the plan as it stood on a day, from a change made before the sponsor was recorded).")] = ()


class PlanMeta(Record, omit_defaults=True):  # no contacts, no history: none written
    title: str
    date: Annotated[date | None, msgspec.Meta(
        description="The plan's date; gives the year to deadlines such as 'From July'. "
                    "Null for a CSV imported without --plan-date.")]
    author: str
    prepared_for: str
    source: str
    notes: str
    contacts: Annotated[tuple[Contact, ...], msgspec.Meta(
        description="Where reminders for each owner go (hsp-tui contact set).")] = ()
    history: Annotated[tuple[HistoryEntry, ...], msgspec.Meta(
        description="Changes to the plan itself (contacts set or removed), oldest first.")] = ()

    def contact(self, owner: str) -> Contact | None:
        key = owner_key(owner)
        return next((c for c in self.contacts if owner_key(c.owner) == key), None)


# The plan's details as a file, an export and a server's hsp.plan.meta hold them (its contacts and
# its own history are kept apart on a server).
PLAN_DETAILS = tuple(n for n in field_names(PlanMeta) if n not in ("contacts", "history"))


class MetaRecord(msgspec.Struct, frozen=True, gc=False):
    app: Literal["hsp-tui"]
    schema_version: int
    plan: PlanMeta


class PlanFile(msgspec.Struct, frozen=True, gc=False):
    """The file as a whole (TinyDB may keep other tables beside ours: they are not read)."""

    meta: dict[str, MetaRecord]
    recommendations: dict[str, Recommendation] = {}
