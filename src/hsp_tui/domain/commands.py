"""The changes an officer can make to one recommendation, as pure functions on typed records.

A command is built from its arguments (which are checked at once: a bad argument is refused before
anything is locked or read). `apply(record, stamp)` takes the recommendation as it is now and the
stamp of the change (entry id, time, author: given by the backend) and returns the new record with
its history entry appended, the entry, and a one-line summary; or raises `Unchanged` (nothing to
record), `ConflictError` (an undo that would overwrite a later change) or `NotFoundError`.

Nothing here reads a file, a clock or the environment: `store.Store` runs a command as one
transaction against a backend. To add a command: a frozen Struct here with `number`, `action` and
`apply`, a `Store` method that runs it, then the CLI command and/or the key that builds it. (Structs,
not dataclasses: msgspec builds a Struct class in C, a dataclass's methods are generated with `exec`
at every start of every command.)
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Protocol

from msgspec import Struct
from msgspec.structs import force_setattr, replace

from hsp_tui.domain.deadlines import parse_deadline
from hsp_tui.domain.history import effective_day, evidence_key
from hsp_tui.domain.verdicts import awaiting_verdict, claim, drop_agreed, same_person, status_before_drop
from hsp_tui.domain.errors import ConflictError, InputError, NotFoundError
from hsp_tui.domain.records import Contact, HistoryEntry, Milestone, PlanMeta, Recommendation, Revision, Status, undone_ids
from hsp_tui.domain.vocabulary import Action
from hsp_tui.domain.rules import check_text, contact_addresses, is_blank, owner_key, squash


class Unchanged(Exception):
    """The change would change nothing (e.g. "Done" on an item already done); its message says so."""


class Stamp(Struct, frozen=True):
    """What the backend gives each change: its history entry's id, when, and by whom."""

    id: int
    at: str
    by: str
    on: date | None = None  # the day the change took effect, when given (`effective_on`)


class Outcome(Struct, frozen=True):
    record: Recommendation  # the recommendation after the change, `entry` appended to its history
    entry: HistoryEntry
    summary: str


class Command(Protocol):
    number: int  # the recommendation it changes
    action: ClassVar[str]  # the history action it records

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome: ...


def evolve(record, **changes):
    """A copy of a frozen record with some of its fields changed."""
    return replace(record, **changes)


def _done(rec: Recommendation, stamp: Stamp, action: str, summary: str, *, field: str | None = None,
          old: object = None, new: object = None, note: str | None = None, undoes: int | None = None,
          evidence: tuple[str, ...] = (), **changes: object) -> Outcome:
    entry = HistoryEntry(id=stamp.id, at=stamp.at, by=stamp.by, action=action, field=field, old=old, new=new,
                         note=note, undoes=undoes, on=stamp.on, evidence=evidence)
    return Outcome(evolve(rec, history=(*rec.history, entry), **changes), entry, summary)


def _check_note(note: str | None) -> None:
    if note is not None:
        check_text(note, "note", required=True)


class SetStatus(Struct, frozen=True):
    number: int
    status: Status
    note: str | None = None
    action: ClassVar[str] = "set"

    def __post_init__(self) -> None:
        if not isinstance(self.status, Status):
            force_setattr(self, "status", Status.parse(self.status))
        _check_note(self.note)

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        old, new = rec.status, self.status
        if new is Status.VERIFIED:
            raise InputError(f"an item becomes Verified only by an auditor's verdict: "
                             f"hsp-tui verify {self.number} accepted --note TEXT")
        if new is Status.DROPPED and (self.note is None or is_blank(str(self.note))):
            raise InputError(f"a dropped item needs the reason: hsp-tui set {self.number} dropped --note TEXT "
                             "(the auditor then agrees the drop or not)")
        if old is new and self.note is None:
            raise Unchanged(f"{self.number}: already {new.label}; nothing changed")
        reopened = " (reopened after verification)" if old is Status.VERIFIED else ""
        return _done(rec, stamp, self.action, f"{self.number}: status {old.label} -> {new.label}{reopened}",
                     field="status", old=old.value, new=new.value, note=self.note, status=new)


class Verify(Struct, frozen=True):
    """An auditor's verdict on an item awaiting one (`verdicts`): on a done item, accepted makes it
    Verified (closed) and rejected sends it back to In progress; on a dropped item, accepted makes the
    drop final and rejected returns the item to its status before the drop. A note is required either
    way (the evidence seen, or the reason). Never by the person who recorded the Done or the drop
    (four eyes). A status change of its own (action "verify"), undone like any other. The entry
    records what the verdict rests on: the item's attachments standing then (`HistoryEntry.evidence`)."""

    number: int
    accepted: bool
    note: str | None = None
    action: ClassVar[str] = "verify"

    def __post_init__(self) -> None:
        if self.note is None or is_blank(str(self.note)):
            raise InputError("a verdict needs the auditor's note (what was seen, or why it is rejected): "
                             "add --note TEXT")
        _check_note(self.note)

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        n = self.number
        # a verdict that came with an import (on a server) is confirmed or rejected by an auditor here
        if not awaiting_verdict(rec) and not rec.verdict_imported:
            agreed = " (its drop is already agreed)" if drop_agreed(rec) else ""
            raise InputError(f"recommendation {n} is {rec.status.words}{agreed}: only an item done, or dropped, "
                             "and awaiting the auditor can be verified")
        done = claim(rec)
        if done is not None and same_person(done.by, stamp.by):
            what = "done" if rec.status is Status.DONE else "dropped"
            raise InputError(f"recommendation {n} was set {what} by {done.by}: the verdict must be given by "
                             "someone else (four eyes)")
        if rec.status in (Status.DONE, Status.VERIFIED):
            new = Status.VERIFIED if self.accepted else Status.IN_PROGRESS
            summary = (f"{n}: verified (accepted by the auditor)" if self.accepted
                       else f"{n}: verification rejected; back to In progress")
        else:
            new = Status.DROPPED if self.accepted else status_before_drop(rec)
            summary = (f"{n}: drop agreed by the auditor" if self.accepted
                       else f"{n}: drop rejected; back to {new.label}")
        return _done(rec, stamp, self.action, summary, field="status", old=rec.status.value, new=new.value,
                     note=self.note, status=new, evidence=tuple(evidence_key(h) for h in rec.evidence))


class AddNote(Struct, frozen=True):
    number: int
    text: str
    action: ClassVar[str] = "note"

    def __post_init__(self) -> None:
        check_text(self.text, "note", required=True)

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        return _done(rec, stamp, self.action, f"{self.number}: note added", note=self.text)


class SetOwner(Struct, frozen=True):
    number: int
    owner: str
    note: str | None = None
    action: ClassVar[str] = "set"

    def __post_init__(self) -> None:
        check_text(self.owner, "owner", required=True)
        _check_note(self.note)

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        old = rec.owner
        if old == self.owner and self.note is None:
            raise Unchanged(f"{self.number}: the owner is already {self.owner!r}; nothing changed")
        return _done(rec, stamp, self.action, f"{self.number}: owner {old!r} -> {self.owner!r}",
                     field="owner", old=old, new=self.owner, note=self.note, owner=self.owner)


class Revise(Struct, frozen=True):
    """A revised deadline; the deadline agreed in the plan is kept unchanged."""

    number: int
    deadline: str
    reason: str
    reference: date | None = None  # the plan's date, for deadlines without a year
    action: ClassVar[str] = "revise"

    def __post_init__(self) -> None:
        check_text(self.deadline, "deadline", required=True)
        if self.reason is None or is_blank(str(self.reason)):
            raise InputError("a revised deadline needs a reason (--reason TEXT)")
        check_text(self.reason, "reason", required=True)
        parsed = parse_deadline(self.deadline, self.reference)
        if parsed.warning:
            raise InputError(parsed.warning)

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        old = rec.current_deadline
        if squash(old) == squash(self.deadline):
            raise Unchanged(f"{self.number}: the deadline is already {old!r}; nothing changed")
        if parse_deadline(self.deadline, self.reference).due is None and \
                parse_deadline(old, self.reference).due is not None:
            # 'Ongoing' has no due date, so it would take the item off the overdue list unseen.
            raise InputError(
                f"recommendation {self.number}: the dated deadline {old!r} cannot be revised to no date; "
                f"to stop the action, set it to dropped with a note, e.g. "
                f"hsp-tui set {self.number} dropped --note \"why\" (the report shows it)")
        revision = Revision(deadline=self.deadline, reason=self.reason, by=stamp.by, at=stamp.at, on=stamp.on)
        return _done(rec, stamp, self.action, f"{self.number}: deadline {old!r} revised to {self.deadline!r}",
                     field="deadline", old=old, new=self.deadline, note=self.reason,
                     revisions=(*rec.revisions, revision))


def _with_milestone(rec: Recommendation, index: int, done: bool) -> tuple[Milestone, ...]:
    milestones = list(rec.milestones)
    milestones[index - 1] = evolve(milestones[index - 1], done=done)
    return tuple(milestones)


class SetMilestone(Struct, frozen=True):
    """Mark milestone `index` (1-based) done or open again; the item's own status is untouched."""

    number: int
    index: int
    done: bool
    note: str | None = None
    action: ClassVar[str] = "milestone"

    def __post_init__(self) -> None:
        _check_note(self.note)

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        n, index, done = self.number, self.index, bool(self.done)
        if not 1 <= index <= len(rec.milestones):
            have = f"1-{len(rec.milestones)}" if rec.milestones else "none"
            raise NotFoundError(f"recommendation {n} has no milestone {index} (milestones: {have})")
        m = rec.milestones[index - 1]
        if m.done == done and self.note is None:
            raise Unchanged(f"{n}: milestone {index} is already {'done' if done else 'open'}; nothing changed")
        return _done(rec, stamp, self.action, f"{n}: milestone {index} ({m.label}) {'done' if done else 'open'}",
                     field="milestone", old={"index": index, "done": m.done}, new={"index": index, "done": done},
                     note=self.note, milestones=_with_milestone(rec, index, done))


def effective_on(on: date | None, today: date, plan_date: date | None, history) -> date | None:
    """Check the day a change is said to have taken effect (`--on`): not after `today`, not before the
    plan's date, and not before the latest change already recorded for the same item (or, for the
    plan's own record, the plan), so that replaying the history by effective date (`asof`) always
    ends at the record as it is. Creation and import entries do not count: they change nothing."""
    if on is None:
        return None
    if on > today:
        raise InputError(f"--on {on.isoformat()} is after today ({today.isoformat()}): a change is recorded "
                         "on or after the day it happened")
    if plan_date is not None and on < plan_date:
        raise InputError(f"--on {on.isoformat()} is before the plan's date ({plan_date.isoformat()})")
    day = on.isoformat()
    latest = max((effective_day(h) for h in history if h.action not in ("create", "import")), default="")
    if latest > day:
        raise InputError(f"--on {day}: a change already recorded here took effect on {latest}; a new change "
                         "cannot take effect before it (record changes in the order they happened)")
    return on


UNDOABLE = ("set", "note", "revise", "milestone", "verify")  # history actions an undo can reverse


def last_undoable(rec: Recommendation) -> HistoryEntry | None:
    """The latest change of this recommendation that can still be undone, if any."""
    undone = undone_ids(rec.history)
    return next((h for h in reversed(rec.history) if h.action in UNDOABLE and h.id not in undone), None)


class Undo(Struct, frozen=True):
    """Reverse one change by appending an entry of its own; nothing is erased.

    Refused when the item has changed since in the same field (someone else's later change would
    be overwritten).
    """

    number: int
    entry_id: int
    action: ClassVar[str] = "undo"

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        n, eid = self.number, int(self.entry_id)
        target = next((h for h in rec.history if h.id == eid), None)
        if target is None:
            raise NotFoundError(f"recommendation {n} has no history entry {eid}")
        if eid in undone_ids(rec.history):
            raise ConflictError(f"change #{eid} on recommendation {n} was already undone")
        fld = target.field

        def undone(summary: str, *, old: object, new: object, **changes: object) -> Outcome:
            return _done(rec, stamp, self.action, summary, field=fld, old=old, new=new, undoes=eid, **changes)

        if target.action == "note":
            return undone(f"{n}: note withdrawn (kept in history)", old=target.note, new=None)
        if fld == "status":
            if rec.status.value != target.new:
                raise ConflictError(f"recommendation {n}: status has changed since (now {rec.status.label}); "
                                    "not undone")
            back = Status(target.old)
            return undone(f"{n}: status back to {back.label} (undoing change #{eid})",
                          old=target.new, new=target.old, status=back)
        if fld == "owner":
            if rec.owner != target.new:
                raise ConflictError(f"recommendation {n}: owner has changed since (now {rec.owner!r}); not undone")
            return undone(f"{n}: owner back to {target.old!r} (undoing change #{eid})",
                          old=target.new, new=target.old, owner=target.old)
        if fld == "milestone":
            idx, was = int(target.new["index"]), bool(target.old["done"])
            if not 1 <= idx <= len(rec.milestones) or rec.milestones[idx - 1].done != bool(target.new["done"]):
                raise ConflictError(f"recommendation {n}: milestone {idx} has changed since; not undone")
            return undone(f"{n}: milestone {idx} back to {'done' if was else 'open'}",
                          old=target.new, new=target.old, milestones=_with_milestone(rec, idx, was))
        if fld == "deadline":
            if not rec.revisions or rec.revisions[-1].deadline != target.new:
                raise ConflictError(f"recommendation {n}: the deadline has been revised since; not undone")
            restored = target.old
            revision = Revision(deadline=restored, reason=f"undo of change #{eid}", by=stamp.by, at=stamp.at,
                                on=stamp.on)
            return undone(f"{n}: deadline back to {restored!r}", old=target.new, new=restored,
                          revisions=(*rec.revisions, revision))
        raise InputError(f"change #{eid} on recommendation {n} ({Action(target.action).value}) cannot be undone: "
                         "only status, owner, deadline, milestone and note changes can")


# -- changes to the plan itself: the contacts ------------------------------------------------------
class MetaOutcome(Struct, frozen=True):
    meta: PlanMeta
    entry: HistoryEntry
    summary: str


class SetContact(Struct, frozen=True):
    """Where reminders for `owner` go; an empty `addresses` removes the contact."""

    owner: str
    addresses: tuple[str, ...]
    sponsor: tuple[str, ...] | None = None  # None: keep the contact's sponsor as it is
    action: ClassVar[str] = "contact"

    def __post_init__(self) -> None:
        check_text(self.owner, "owner", required=True)
        force_setattr(self, "addresses", contact_addresses(self.addresses))
        if self.sponsor is not None:
            force_setattr(self, "sponsor", contact_addresses(self.sponsor))

    def apply(self, meta: PlanMeta, stamp: Stamp) -> MetaOutcome:
        old = meta.contact(self.owner)
        if old is None and not self.addresses:
            raise NotFoundError(f"no contact for {self.owner!r}; 'hsp-tui contact list' shows them")
        # (a sponsor not recorded, read from an old export, is kept as none)
        sponsor = ((old.sponsor or ()) if old is not None else ()) if self.sponsor is None else self.sponsor
        if old is not None and old.addresses == self.addresses and old.sponsor == sponsor:
            raise Unchanged(f"the contact for {self.owner!r} is already {', '.join(self.addresses)}; nothing changed")
        owner = old.owner if old is not None else squash(self.owner)
        others = tuple(c for c in meta.contacts if c is not old)
        contacts = others + ((Contact(owner, self.addresses, sponsor),) if self.addresses else ())
        contacts = tuple(sorted(contacts, key=lambda c: owner_key(c.owner)))
        # the contact before and after, sponsor included (a change of the sponsor alone is one too)
        before = {"addresses": list(old.addresses), "sponsor": list(old.sponsor or ())} if old else None
        after = {"addresses": list(self.addresses), "sponsor": list(sponsor)} if self.addresses else None
        entry = HistoryEntry(stamp.id, stamp.at, stamp.by, self.action, owner, before, after, None, on=stamp.on)
        summary = (f"contact for {owner}: {', '.join(self.addresses)}" if self.addresses
                   else f"contact for {owner} removed")
        if self.addresses and sponsor:
            summary += f" (sponsor: {', '.join(sponsor)})"
        return MetaOutcome(replace(meta, contacts=contacts, history=(*meta.history, entry)), entry, summary)
