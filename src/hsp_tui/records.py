"""The declaration of the data: every record of a plan, its types and its vocabularies, once.

The plan file (an ordinary TinyDB JSON file, UTF-8) is

    {"meta": {"1": {"app": "hsp-tui", "schema_version": 1, "plan": {...PlanMeta...}}},
     "recommendations": {"<number>": {...Recommendation...}, ...}}

Reading the file, checking an import, the JSON export and its JSON Schema (`schema.py`) all derive
from the `msgspec` Structs below: a value is checked, never coerced ("false" is not a boolean, an
object is not text), and every failure is one line naming the file, the record and the field.
The Structs are frozen and not tracked by the cycle collector (`gc=False`): records read from JSON
are trees, never cycles, so reference counting frees them and a collection never walks them.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from functools import lru_cache
from typing import Annotated, Any, Literal, Mapping, TypedDict

import msgspec

from .deadlines import Deadline, Precision, parse_deadline
from .errors import InputError

__all__ = [
    "APP_ID", "SCHEMA_VERSION", "META", "RECS", "Status", "STATUS_LABELS", "STATUS_WORDS", "STATUS_KEYS",
    "Action", "PROGRESS_ACTIONS",
    "Field", "Precision", "Milestone", "MilestoneState", "Revision", "HistoryEntry", "Recommendation",
    "PlanMeta", "Contact", "owner_key", "MetaRecord", "PlanFile", "cached_deadline", "short_title", "undone_ids",
]

APP_ID = "hsp-tui"
SCHEMA_VERSION = 1
META = "meta"
RECS = "recommendations"
MAX_ID = 2**63 - 1  # ids are 64-bit signed wherever they are stored (a database column too)

RECORD = {"frozen": True, "gc": False, "forbid_unknown_fields": True}


class Status(str, Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    # Done, and accepted by an auditor (`hsp-tui verify N accepted`); only a verdict sets it.
    VERIFIED = "verified"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        """The short name, for table cells and keys: "Done" and "Verified" differ in words already."""
        return STATUS_LABELS[self]

    @property
    def words(self) -> str:
        """The full name, where there is room: "Done, awaiting verification" for a done item."""
        return STATUS_WORDS.get(self, STATUS_LABELS[self])

    @property
    def closed(self) -> bool:
        """Done, verified and dropped items are never overdue."""
        return self in (Status.DONE, Status.VERIFIED, Status.DROPPED)

    @property
    def finished(self) -> bool:
        """Done, whether or not verified yet."""
        return self in (Status.DONE, Status.VERIFIED)

    @classmethod
    def parse(cls, text: str, *, choices: "tuple[Status, ...] | None" = None) -> "Status":
        """Accept the key (`in_progress`), the label (`In progress`), `in-progress`, or the key number 1-5
        (the app's status keys: not started, in progress, blocked, done, dropped). `choices`: the statuses
        the error lists (`set` lists those an officer may set, without Verified)."""
        key = " ".join(str(text).strip().lower().replace("_", " ").replace("-", " ").split())
        numbers = {str(i): s for i, s in enumerate(STATUS_KEYS, start=1)}
        if key in numbers:
            return numbers[key]
        for status in cls:
            if key in (status.value.replace("_", " "), status.label.lower(), status.words.lower()):
                return status
        named = ", ".join(s.value for s in (choices or tuple(cls)))
        raise InputError(f"unknown status {text!r}: use one of {named}")


STATUS_LABELS = {
    Status.NOT_STARTED: "Not started",
    Status.IN_PROGRESS: "In progress",
    Status.BLOCKED: "Blocked",
    Status.DONE: "Done",
    Status.VERIFIED: "Verified",
    Status.DROPPED: "Dropped",
}
STATUS_WORDS = {Status.DONE: "Done, awaiting verification"}
# The statuses an officer sets directly (the app's keys 1-5); Verified comes only from a verdict.
STATUS_KEYS = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED, Status.DONE, Status.DROPPED)


class Action(str, Enum):
    """What a history entry records."""

    CREATE = "create"
    IMPORT = "import"
    SET = "set"
    NOTE = "note"
    REVISE = "revise"
    MILESTONE = "milestone"
    VERIFY = "verify"
    REMIND = "remind"
    CONTACT = "contact"  # of the plan's own history: `field` is the owner, `new` their addresses
    UNDO = "undo"


# Actions whose note is a progress note (an import's or a revision's note is not).
PROGRESS_ACTIONS = frozenset({Action.NOTE, Action.SET, Action.MILESTONE, Action.VERIFY})


class Field(str, Enum):
    """The field a history entry changed."""

    STATUS = "status"
    OWNER = "owner"
    DEADLINE = "deadline"
    MILESTONE = "milestone"


Number = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, description="1, 2, 3...")]
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$"
# Checked on import (`interchange`), published in the schema; a plan file is read whatever it holds
# here (the text is shown literally), so a mistyped time never locks a team out of its plan.
Timestamp = Annotated[str, msgspec.Meta(
    description="ISO 8601 date and time with its UTC offset, e.g. 2010-06-01T09:00:00+01:00.",
    extra_json_schema={"pattern": TIMESTAMP_PATTERN})]


@lru_cache(maxsize=4096)
def cached_deadline(text: str, reference: date | None) -> Deadline:
    """Deadlines repeat across a plan; parse each distinct text once."""
    return parse_deadline(text, reference)


class Milestone(msgspec.Struct, **RECORD):
    label: str
    deadline: Annotated[str, msgspec.Meta(description="As written in the plan.")]
    done: bool

    def parsed(self, reference: date | None) -> Deadline:
        return cached_deadline(self.deadline, reference)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "deadline": self.deadline, "done": self.done}


class Revision(msgspec.Struct, **RECORD):
    """A revised deadline. The deadline agreed in the plan is never changed; revisions pile up."""

    deadline: Annotated[str, msgspec.Meta(description="The revised deadline as written.")]
    reason: Annotated[str, msgspec.Meta(min_length=1)]
    by: str
    at: Timestamp

    def to_dict(self) -> dict[str, Any]:
        return {"deadline": self.deadline, "reason": self.reason, "by": self.by, "at": self.at}


class MilestoneState(TypedDict):
    """A milestone change's old or new value."""

    index: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
    done: bool


Value = Annotated[Any, msgspec.Meta(
    description="The value before/after: text (a status key, an owner, a deadline, a withdrawn note), "
                "{index, done} for a milestone, the addresses for a contact, {to, via} for a reminder, or null.")]


class HistoryEntry(msgspec.Struct, omit_defaults=True, **RECORD):
    """One change. Entries are only ever appended, never edited or removed."""

    id: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, description="1, 2, 3... within the recommendation.")]
    at: Timestamp
    by: str
    action: Action
    field: Annotated[str | None, msgspec.Meta(
        description="What changed: status, owner, deadline, milestone; null for a note, create or import; "
                    "for a contact, the owner.")]
    old: Value
    new: Value
    note: Annotated[str | None, msgspec.Meta(
        description="The progress note, a revision's reason, or an import's note.")]
    undoes: Annotated[int, msgspec.Meta(
        ge=1, le=MAX_ID, description="For an undo: the id of the entry it reverses.")] | None = None

    def __post_init__(self) -> None:
        # Only what can be undone into the record: a status is one of ours, an owner or a deadline is
        # text, a milestone change is {index, done}. (Compared with ==: code may give plain strings.)
        if self.action in (Action.CONTACT, Action.REMIND):
            return _check_plan_entry(self)
        if self.field is not None and self.field not in _FIELD_VALUES:
            raise ValueError(f"field 'field': unknown value {self.field!r} (one of {', '.join(sorted(_FIELD_VALUES))})")
        for name in ("old", "new"):
            value = getattr(self, name)
            if value is None:
                continue
            if self.field == Field.MILESTONE:
                if not (isinstance(value, dict) and type(value.get("index")) is int and value["index"] >= 1
                        and type(value.get("done")) is bool):
                    raise ValueError(f"field {name!r}: expected an object {{index, done}} for a milestone change")
            elif not isinstance(value, str):
                raise ValueError(f"field {name!r}: expected text or null for a {_plain(self.field)} change")
            elif self.field == Field.STATUS and value not in _STATUS_VALUES:
                raise ValueError(f"field {name!r}: unknown status {value!r}")
        if self.action == Action.UNDO and self.undoes is None:
            raise ValueError("missing field 'undoes' (an undo names the entry it reverses)")

    def to_dict(self) -> dict[str, Any]:
        d = {"id": self.id, "at": self.at, "by": self.by, "action": _plain(self.action),
             "field": _plain(self.field), "old": self.old, "new": self.new,
             "note": self.note}
        if self.undoes is not None:
            d["undoes"] = self.undoes
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "HistoryEntry":
        return msgspec.convert(d, cls)

    def describe(self) -> str:
        """A short human sentence for the history list."""
        if self.action == Action.NOTE:
            return "note"
        if self.action == Action.UNDO:
            what = "withdrew note" if self.field is None else HistoryEntry(
                1, "", "", Action.SET, self.field, self.old, self.new, None).describe()
            return f"undid change #{self.undoes}: {what}"
        if self.action == Action.REMIND:
            to = self.new.get("to") if isinstance(self.new, dict) else None
            via = " (written to the outbox)" if isinstance(self.new, dict) and self.new.get("via") == "outbox" else ""
            return f"reminder sent to {', '.join(map(str, to or ()))}{via}"
        if self.action == Action.CONTACT:
            if not self.new:
                return f"contact removed for {self.field}"
            return f"contact for {self.field}: {', '.join(map(str, self.new))}"
        if self.action == Action.VERIFY:
            return ("verified: accepted by the auditor" if self.new == Status.VERIFIED.value
                    else f"verification rejected: back to {_status_label(self.new)}")
        if self.field == Field.STATUS:
            reopened = " (reopened after verification)" if self.old == Status.VERIFIED.value else ""
            return f"status {_status_label(self.old)} -> {_status_label(self.new)}{reopened}"
        if self.field == Field.MILESTONE and isinstance(self.new, dict):
            return f"milestone {self.new.get('index')} {'done' if self.new.get('done') else 'reopened'}"
        if self.action == Action.REVISE:
            return f"deadline revised {self.old!r} -> {self.new!r}"
        if self.action == Action.IMPORT:
            return "imported"
        if self.action == Action.CREATE:
            return "created"
        if self.field:
            return f"{_plain(self.field)} {self.old!r} -> {self.new!r}"
        return _plain(self.action)


def _status_label(value: Any) -> str:
    try:
        return Status(value).label
    except ValueError:
        return str(value)


_STATUS_VALUES = frozenset(s.value for s in Status)
_FIELD_VALUES = frozenset(f.value for f in Field)


def _check_plan_entry(entry: "HistoryEntry") -> None:
    """A contact names its owner and gives the addresses (none: removed); a reminder says where it went."""
    if entry.action == Action.CONTACT:
        if not isinstance(entry.field, str):
            raise ValueError("field 'field': expected text (the owner) for a contact")
        for name in ("old", "new"):
            value = getattr(entry, name)
            if value is not None and not (isinstance(value, list) and all(isinstance(a, str) for a in value)):
                raise ValueError(f"field {name!r}: expected a list of addresses for a contact")
    elif entry.new is not None and not isinstance(entry.new, dict):
        raise ValueError("field 'new': expected an object {to, via} for a reminder")


def _plain(value: Any) -> Any:
    """An enum member's value (records built in code may hold the plain string already)."""
    return value.value if isinstance(value, Enum) else value


def undone_ids(history: tuple[HistoryEntry, ...]) -> set[int]:
    """The ids of the history entries that a later undo reversed."""
    return {h.undoes for h in history if h.action == Action.UNDO and h.undoes is not None}


class Recommendation(msgspec.Struct, **RECORD):
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

    @property
    def reminders(self) -> tuple[HistoryEntry, ...]:
        """The reminders sent to the owner about this item, oldest first."""
        return tuple(h for h in self.history if h.action == Action.REMIND)

    @property
    def latest_note(self) -> str | None:
        notes = self.notes
        return notes[-1].note if notes else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "ref": self.ref, "recommendation": self.recommendation,
            "management_response": self.management_response, "deadline": self.deadline,
            "owner": self.owner, "status": _plain(self.status),
            "milestones": [m.to_dict() for m in self.milestones],
            "revisions": [r.to_dict() for r in self.revisions],
            "history": [h.to_dict() for h in self.history],
            "repairs": list(self.repairs),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Recommendation":
        return msgspec.convert(d, cls)


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


def owner_key(owner: str) -> str:
    """Owners compare without regard to case or runs of spaces ("Chief  executive" is "Chief Executive")."""
    return " ".join(owner.split()).casefold()


class Contact(msgspec.Struct, **RECORD):
    """Where reminders for one owner (a role title) go."""

    owner: str
    addresses: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"owner": self.owner, "addresses": list(self.addresses)}


class PlanMeta(msgspec.Struct, **RECORD):
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

    def to_dict(self) -> dict[str, Any]:
        out = {
            "title": self.title, "date": self.date.isoformat() if self.date else None,
            "author": self.author, "prepared_for": self.prepared_for,
            "source": self.source, "notes": self.notes,
        }
        if self.contacts:
            out["contacts"] = [c.to_dict() for c in self.contacts]
        if self.history:
            out["history"] = [h.to_dict() for h in self.history]
        return out

    def contact(self, owner: str) -> Contact | None:
        key = owner_key(owner)
        return next((c for c in self.contacts if owner_key(c.owner) == key), None)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "PlanMeta":
        return msgspec.convert(d, cls)


class MetaRecord(msgspec.Struct, frozen=True, gc=False):
    app: Literal["hsp-tui"]
    schema_version: int
    plan: PlanMeta


class PlanFile(msgspec.Struct, frozen=True, gc=False):
    """The file as a whole (TinyDB may keep other tables beside ours: they are not read)."""

    meta: dict[str, MetaRecord]
    recommendations: dict[str, Recommendation] = {}
