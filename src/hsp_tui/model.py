"""The plan model: statuses, recommendations, milestones, revisions and history entries.

Plain frozen dataclasses built from the stored documents. Nothing here reads a clock or a file:
anything that depends on "today" lives in `review`, which is given the review date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import cached_property, lru_cache
from typing import Any, Mapping

from .deadlines import Deadline, parse_deadline
from .errors import InputError

SCHEMA_VERSION = 1
# History actions whose note is a progress note (an import's or a revision's note is not).
PROGRESS_ACTIONS = ("note", "set", "milestone", "verify")
APP_ID = "hsp-tui"


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


@lru_cache(maxsize=4096)
def cached_deadline(text: str, reference: date | None) -> Deadline:
    """Deadlines repeat across a plan; parse each distinct text once."""
    return parse_deadline(text, reference)


def _make(cls: type, fields: dict[str, Any]) -> Any:
    """A frozen dataclass instance from ALL of its fields, without the generated __init__.

    That __init__ sets each field through object.__setattr__ (the price of frozen=True): reading a
    plan of 50,000 recommendations spent ~1 s there, ~0.4 s this way. Only for `from_dict`, which
    gives every field; the classes built this way have no __post_init__ and no __slots__ (checked
    by tests/test_model.py).
    """
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


@dataclass(frozen=True)
class Milestone:
    label: str
    deadline: str
    done: bool = False

    def parsed(self, reference: date | None) -> Deadline:
        return cached_deadline(self.deadline, reference)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "deadline": self.deadline, "done": self.done}


@dataclass(frozen=True)
class Revision:
    """A revised deadline. The deadline agreed in the plan is never changed; revisions pile up."""

    deadline: str
    reason: str
    by: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        return {"deadline": self.deadline, "reason": self.reason, "by": self.by, "at": self.at}


@dataclass(frozen=True)
class HistoryEntry:
    """One change. Entries are only ever appended, never edited or removed."""

    id: int
    at: str
    by: str
    action: str  # set | note | revise | milestone | verify | remind | undo | import | create | contact
    field: str | None = None
    old: Any = None
    new: Any = None
    note: str | None = None
    undoes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "id": self.id, "at": self.at, "by": self.by, "action": self.action,
            "field": self.field, "old": self.old, "new": self.new, "note": self.note,
        }
        if self.undoes is not None:
            d["undoes"] = self.undoes
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "HistoryEntry":
        return _make(cls, dict(
            id=int(d.get("id", 0)), at=str(d.get("at", "")), by=str(d.get("by", "")),
            action=str(d.get("action", "")), field=d.get("field"), old=d.get("old"),
            new=d.get("new"), note=d.get("note"), undoes=d.get("undoes"),
        ))

    def describe(self) -> str:
        """A short human sentence for the history list."""
        if self.action == "note":
            return "note"
        if self.action == "undo":
            what = "withdrew note" if self.field is None else HistoryEntry(
                0, "", "", "set", self.field, self.old, self.new).describe()
            return f"undid change #{self.undoes}: {what}"
        if self.action == "remind":
            to = self.new.get("to") if isinstance(self.new, Mapping) else None
            via = " (written to the outbox)" if isinstance(self.new, Mapping) and self.new.get("via") == "outbox" else ""
            return f"reminder sent to {', '.join(map(str, to or ()))}{via}"
        if self.action == "contact":
            if not self.new:
                return f"contact removed for {self.field}"
            return f"contact for {self.field}: {', '.join(map(str, self.new))}"
        if self.action == "verify":
            return ("verified: accepted by the auditor" if self.new == Status.VERIFIED.value
                    else f"verification rejected: back to {_status_label(self.new)}")
        if self.field == "status":
            reopened = " (reopened after verification)" if self.old == Status.VERIFIED.value else ""
            return f"status {_status_label(self.old)} -> {_status_label(self.new)}{reopened}"
        if self.field == "milestone" and isinstance(self.new, Mapping):
            return f"milestone {self.new.get('index')} {'done' if self.new.get('done') else 'reopened'}"
        if self.action == "revise":
            return f"deadline revised {self.old!r} -> {self.new!r}"
        if self.action in ("import", "create"):
            return self.action + "ed" if self.action == "import" else "created"
        if self.field:
            return f"{self.field} {self.old!r} -> {self.new!r}"
        return self.action


def undone_ids(history: "tuple[HistoryEntry, ...]") -> set[int]:
    """The ids of the history entries that a later undo reversed."""
    return {h.undoes for h in history if h.action == "undo" and h.undoes is not None}


def _status_label(value: Any) -> str:
    try:
        return Status(value).label
    except ValueError:
        return str(value)


@dataclass(frozen=True)
class Recommendation:
    number: int
    ref: str
    recommendation: str
    management_response: str
    deadline: str  # as agreed in the plan; never changed
    owner: str
    status: Status = Status.NOT_STARTED
    milestones: tuple[Milestone, ...] = ()
    revisions: tuple[Revision, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    repairs: tuple[str, ...] = ()

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
        return tuple(h for h in self.history if h.action == "remind")

    @property
    def latest_note(self) -> str | None:
        notes = self.notes
        return notes[-1].note if notes else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "ref": self.ref, "recommendation": self.recommendation,
            "management_response": self.management_response, "deadline": self.deadline,
            "owner": self.owner, "status": self.status.value,
            "milestones": [m.to_dict() for m in self.milestones],
            "revisions": [r.to_dict() for r in self.revisions],
            "history": [h.to_dict() for h in self.history],
            "repairs": list(self.repairs),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Recommendation":
        return _make(cls, dict(
            number=int(d["number"]), ref=str(d.get("ref") or ""),
            recommendation=str(d.get("recommendation") or ""),
            management_response=str(d.get("management_response") or ""),
            deadline=str(d.get("deadline") or ""), owner=str(d.get("owner") or ""),
            status=Status(d.get("status") or Status.NOT_STARTED.value),
            milestones=tuple(
                Milestone(str(m.get("label") or ""), str(m.get("deadline") or ""), bool(m.get("done")))
                for m in d.get("milestones") or ()
            ),
            revisions=tuple(
                Revision(str(r.get("deadline") or ""), str(r.get("reason") or ""),
                         str(r.get("by") or ""), str(r.get("at") or ""))
                for r in d.get("revisions") or ()
            ),
            history=tuple(HistoryEntry.from_dict(h) for h in d.get("history") or ()),
            repairs=tuple(str(r) for r in d.get("repairs") or ()),
        ))


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


@dataclass(frozen=True)
class Contact:
    """Where reminders for one owner (a role title) go."""

    owner: str
    addresses: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"owner": self.owner, "addresses": list(self.addresses)}


@dataclass(frozen=True)
class PlanMeta:
    title: str
    date: date | None
    author: str = ""
    prepared_for: str = ""
    source: str = ""
    notes: str = ""
    contacts: tuple[Contact, ...] = ()
    history: tuple[HistoryEntry, ...] = ()  # changes to the plan itself (contacts), appended only

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
        raw = d.get("date")
        try:
            when = date.fromisoformat(str(raw)) if raw else None
        except ValueError:
            raise InputError(f"plan date {raw!r} is not a date (YYYY-MM-DD)") from None
        try:
            contacts = tuple(Contact(str(c["owner"]), tuple(str(a) for a in c.get("addresses") or ()))
                             for c in d.get("contacts") or ())
            history = tuple(HistoryEntry.from_dict(h) for h in d.get("history") or ())
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InputError(f"the plan's contacts or history are damaged ({type(exc).__name__}: {exc})") from None
        return cls(
            title=str(d.get("title") or "Untitled plan"), date=when,
            author=str(d.get("author") or ""), prepared_for=str(d.get("prepared_for") or ""),
            source=str(d.get("source") or ""), notes=str(d.get("notes") or ""),
            contacts=contacts, history=history,
        )


@dataclass(frozen=True)
class Plan:
    meta: PlanMeta
    recommendations: tuple[Recommendation, ...] = field(default=())

    def get(self, number: int) -> Recommendation | None:
        return self._by_number.get(number)

    @cached_property
    def _by_number(self) -> dict[int, Recommendation]:
        return {r.number: r for r in self.recommendations}

    def replacing(self, index: int, rec: Recommendation) -> "Plan":
        """This plan with the recommendation at `index` replaced by `rec` (the same number); the
        lookup by number is carried over, not rebuilt (a copy instead of a loop over every item)."""
        recs = list(self.recommendations)
        old, recs[index] = recs[index], rec
        if old.number != rec.number:
            raise ValueError(f"replacing No. {old.number} with No. {rec.number}")
        plan = Plan(self.meta, tuple(recs))
        if "_by_number" in self.__dict__:
            lookup = dict(self._by_number)
            lookup[rec.number] = rec
            plan.__dict__["_by_number"] = lookup
        return plan

    @property
    def owners(self) -> list[str]:
        return sorted({r.owner for r in self.recommendations}, key=str.casefold)
