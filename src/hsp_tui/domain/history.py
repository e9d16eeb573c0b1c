"""A history entry: one change to an item (or to the plan itself: a contact set, a reminder sent),
declared as a record, checked as it is decoded, and described in words for people.

Entries are only ever appended; an undo is an entry of its own that names the one it reverses.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypedDict

import msgspec

from hsp_tui.domain.errors import InputError
from hsp_tui.domain.rules import check_evidence
from hsp_tui.domain.vocabulary import MAX_ID, Action, Field, Record, Status, Timestamp, plain as _plain


class MilestoneState(TypedDict):
    """A milestone change's old or new value."""

    index: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
    done: bool


Value = Annotated[Any, msgspec.Meta(
    description="The value before/after: text (a status key, an owner, a deadline, a withdrawn note), "
                "{index, done} for a milestone, {addresses, sponsor} for a contact (in entries made before "
                "the sponsor was recorded, the list of addresses alone), {to, via} for a reminder, "
                "the evidence for an attachment ({name, size, sha256, media_type} for a copy, whose bytes "
                "an export does not carry, or {url} for a link) and for its withdrawal ('old'), or null.")]


class HistoryEntry(Record, omit_defaults=True):
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
    # Set by a database server on each entry an import brought in (its `by` and `at` are then the
    # imported file's claim, not the server's record): who imported it and when, by the server.
    imported_by: Annotated[str, msgspec.Meta(
        description="On a server: the database user who imported this entry (its author and time are "
                    "then as claimed by the file imported).")] | None = None
    imported_at: Annotated[Timestamp, msgspec.Meta(
        description="On a server: when this entry was imported (the server's time).")] | None = None
    on: Annotated[date | None, msgspec.Meta(
        description="The day the change took effect (--on), when it was given; otherwise the day of 'at' "
                    "(the time it was recorded). A plan's creation is effective on the plan's date.")] = None
    evidence: Annotated[tuple[str, ...], msgspec.Meta(
        description="For a verdict: what it rests on, the attachments standing when it was given, oldest "
                    "first: a copy's sha256, or a link's URL.")] = ()

    def __post_init__(self) -> None:
        # Only what can be undone into the record: a status is one of ours, an owner or a deadline is
        # text, a milestone change is {index, done}. (Compared with ==: code may give plain strings.)
        if self.field is None and self.old is None and self.new is None and not self.evidence \
                and self.action not in _WITH_VALUES:
            return  # nothing changed by value (a note, an import, a creation): nothing below applies
        if self.evidence and self.action != Action.VERIFY:
            raise ValueError("field 'evidence': only a verdict records the evidence it rests on")
        if self.action in (Action.CONTACT, Action.REMIND):
            return _check_plan_entry(self)
        if self.action in (Action.ATTACH, Action.WITHDRAW):
            return _check_evidence_entry(self)
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

    @property
    def imported(self) -> bool:
        """Brought in by an import on a server: its author and time are a claim, not the server's record."""
        return self.imported_by is not None

    @property
    def effective(self) -> str:
        """The day the change took effect, as YYYY-MM-DD (`effective_day`)."""
        return effective_day(self)

    def describe(self) -> str:
        """A short human sentence for the history list."""
        if self.action == Action.NOTE:
            return "note"
        if self.action == Action.UNDO:
            what = "withdrew note" if self.field is None else HistoryEntry(
                1, "", "", Action.SET, self.field, self.old, self.new, None).describe()
            return f"undid change #{self.undoes}: {what}"
        if self.action == Action.REMIND:
            return self.describe_reminder(None)
        if self.action == Action.CONTACT:
            return _describe_contact(self)
        if self.action == Action.ATTACH:
            return f"attached {evidence_words(self.new)}"
        if self.action == Action.WITHDRAW:
            return f"withdrew attachment #{self.undoes}: {self.note}"
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


    def describe_reminder(self, state: str | None) -> str:
        """A reminder's entry in words; `state` ('sent', 'pending', 'failed': `Recommendation.reminder_state`)
        when the item's history is at hand, None when it is not."""
        new = self.new if isinstance(self.new, dict) else {}
        if "entry" in new:  # the mark of a pending reminder
            return f"reminder #{new.get('entry')} marked {'sent' if new.get('sent') is True else 'not sent'}"
        to = ", ".join(map(str, new.get("to") or ()))
        via = " (written to the outbox)" if new.get("via") == "outbox" else ""
        if state is None:
            state = "to be sent" if new.get("pending") is True else "sent"
        if state == "sent":
            return f"reminder sent to {to}{via}"
        if state == "pending":
            return f"reminder to {to}{via}: not confirmed sent"
        if state == "failed":
            return f"reminder to {to}{via}: not sent"
        return f"reminder to {to}{via}, recorded to be sent"


def _status_label(value: Any) -> str:
    try:
        return Status(value).label
    except ValueError:
        return str(value)


# The actions whose entry must carry a value (`field`, `old`, `new`) or an `undoes`, checked
# below; an entry of any other action with none of them passes every check (the usual one: a note).
_WITH_VALUES = (Action.CONTACT, Action.ATTACH, Action.WITHDRAW, Action.UNDO)
_STATUS_VALUES = frozenset(s.value for s in Status)
_FIELD_VALUES = frozenset(f.value for f in Field)


def _check_plan_entry(entry: "HistoryEntry") -> None:
    """A contact names its owner and gives the addresses (none: removed); a reminder says where it went."""
    if entry.action == Action.CONTACT:
        if not isinstance(entry.field, str):
            raise ValueError("field 'field': expected text (the owner) for a contact")
        for name in ("old", "new"):
            value = getattr(entry, name)
            if value is not None and not (_texts(value) or isinstance(value, dict) and value.keys() == CONTACT_KEYS
                                          and _texts(value["addresses"]) and _texts(value["sponsor"])):
                raise ValueError(f"field {name!r}: expected {{addresses, sponsor}} (lists of addresses) for a contact")
    elif entry.new is not None and not isinstance(entry.new, dict):
        raise ValueError("field 'new': expected an object {to, via} for a reminder")


# A contact entry's `old` and `new`: the contact before and after, {"addresses": [...], "sponsor": [...]}
# (null: none). Entries made before the sponsor was recorded hold the list of addresses alone.
CONTACT_KEYS = frozenset(("addresses", "sponsor"))


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(a, str) for a in value)


def contact_state(value: Any) -> tuple[tuple[str, ...], tuple[str, ...] | None] | None:
    """A contact entry's `old` or `new` as (addresses, sponsor); the sponsor is None where the entry
    did not record it (made before it was); None for no contact."""
    if isinstance(value, dict):
        return tuple(value.get("addresses") or ()), tuple(value.get("sponsor") or ())
    if isinstance(value, list):
        return tuple(map(str, value)), None
    return None


def _describe_contact(entry: "HistoryEntry") -> str:
    new, old = contact_state(entry.new), contact_state(entry.old)
    if new is None:
        return f"contact removed for {entry.field}"
    said = f"contact for {entry.field}: {', '.join(new[0])}"
    if new[1] is None:  # an entry from before sponsors were recorded: one that changed no address changed it
        return said + (" (its sponsor changed: not recorded)" if old is not None and old[0] == new[0] else "")
    if new[1]:
        return said + f" (sponsor: {', '.join(new[1])})"
    return said + (" (sponsor removed)" if old is not None and old[1] else "")


def _check_evidence_entry(entry: "HistoryEntry") -> None:
    """An attachment records its evidence in `new` (a copy or a link); a withdrawal names the
    attachment (`undoes`), repeats its evidence in `old` and gives the reason (`note`)."""
    if entry.field is not None:
        raise ValueError("field 'field': expected null for an attachment or its withdrawal")
    evidence, empty = (entry.new, entry.old) if entry.action == Action.ATTACH else (entry.old, entry.new)
    if empty is not None:
        raise ValueError(f"field {'old' if entry.action == Action.ATTACH else 'new'!r}: expected null")
    try:
        check_evidence(evidence)
    except InputError as bad:
        raise ValueError(f"field {'new' if entry.action == Action.ATTACH else 'old'!r}: {bad}") from None
    if entry.action == Action.WITHDRAW:
        if entry.undoes is None:
            raise ValueError("missing field 'undoes' (a withdrawal names the attachment it withdraws)")
        if not isinstance(entry.note, str) or not entry.note.strip():
            raise ValueError("field 'note': a withdrawal gives its reason")


def evidence_words(evidence: Any) -> str:
    """'report.pdf (120 KB, sha256 1a2b3c4d)' for a copy, the URL for a link (not yet made safe to show)."""
    if not isinstance(evidence, dict):
        return str(evidence)
    if "url" in evidence:
        return str(evidence["url"])
    return f"{evidence.get('name')} ({size_words(evidence.get('size'))}, sha256 {str(evidence.get('sha256'))[:8]})"


def size_words(size: Any) -> str:
    """A size in bytes as people read it: '980 bytes', '120 KB', '3.4 MB' (1 KB = 1,024 bytes)."""
    if type(size) is not int:
        return str(size)
    if size < 1024:
        return f"{size:,} byte{'' if size == 1 else 's'}"
    if size < 1024 * 1024:
        return f"{round(size / 1024):,} KB"
    return f"{size / (1024 * 1024):,.1f} MB"


def standing_attachments(history: tuple["HistoryEntry", ...]) -> tuple["HistoryEntry", ...]:
    """The ATTACH entries not withdrawn, oldest first."""
    withdrawn = {h.undoes for h in history if h.action == Action.WITHDRAW}
    return tuple(h for h in history if h.action == Action.ATTACH and h.id not in withdrawn)


def evidence_key(entry: "HistoryEntry") -> str:
    """What a verdict records of an attachment: its copy's sha256, or its link's URL."""
    new = entry.new
    return new["url"] if "url" in new else new["sha256"]


def effective_day(entry: Any) -> str:
    """The day a change (a history entry or a revision) took effect, as YYYY-MM-DD: its `on` when
    given, else the day of its `at` as recorded (in its own offset). ISO days compare as text; a time
    that cannot be read compares before every day (it counts from the plan's start)."""
    on = entry.on
    if on is not None:
        return on.isoformat()
    at = entry.at
    return at[:10] if type(at) is str and len(at) >= 10 and at[4:5] == "-" else ""


def undone_ids(history: tuple[HistoryEntry, ...]) -> set[int]:
    """The ids of the history entries that a later undo reversed."""
    return {h.undoes for h in history if h.action == Action.UNDO and h.undoes is not None}
