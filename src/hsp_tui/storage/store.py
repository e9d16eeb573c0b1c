"""The store: runs each change to a plan as one transaction against its backend.

A change is a command (`commands`): the store opens a transaction on the backend for the command's
recommendation (locked until it ends), gives the command the record as it is now and the stamp of
the change, puts the new record with its history entry, and returns a `Change`. Reading goes
straight to the backend. Nothing here knows how or where the plan is kept (`backends`), nor
judges items (`review`).
"""

from __future__ import annotations

import os
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Mapping

from msgspec import Struct
from msgspec.structs import replace as struct_replace

from hsp_tui.storage.backends import Access, Backend, Head, Listener, LockWait, PlanInfo, Token, open_backend
from hsp_tui.storage.contract import PlanCounts
from hsp_tui.domain.clock import now_iso  # noqa: F401 - offered here too: the app's clock
from hsp_tui.domain.commands import (AddNote, Command, Stamp, effective_on, Revise, SetContact, SetMilestone, SetOwner, SetStatus, Undo, Unchanged, Verify)
from hsp_tui.domain.errors import PlanFileError
from hsp_tui.domain.reminding import MarkReminder, RecordReminder
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import HistoryEntry, PlanMeta, Recommendation, Status
from hsp_tui.storage.file.planfile import plan_from_data, validate_data

__all__ = ["Change", "LockWait", "Store", "Unchanged", "now_iso"]


class Change(Struct, dict=True):  # dict: for the plan built on demand
    """What one change did. `entry` is None when it changed nothing (`summary` says why)."""

    number: int
    entry: HistoryEntry | None
    summary: str
    record: Recommendation  # the recommendation as saved (as found, when nothing changed)
    meta: PlanMeta  # the plan's metadata at the time (its date is the deadlines' reference)
    before: Token  # the version of the plan the change was applied to: a caller that last saw
    after: Token  # `before` knows nobody else saved in between; `after` is the version it left
    _plan: Callable[[], Plan]

    @cached_property
    def plan(self) -> Plan:
        """The whole plan as this change left it, others' changes included (built on demand)."""
        return self._plan()


class Store:
    """One plan, in the backend `target` names (a path or a URL: see `open_backend`) or is."""

    def __init__(self, target: "Backend | str | os.PathLike", **options: Any) -> None:
        self.backend: Backend = open_backend(target, **options) if isinstance(target, (str, os.PathLike)) else target

    @classmethod
    def open(cls, target: "Backend | str | os.PathLike", *,
             seed: Callable[[], "Plan | Mapping[str, Any]"] | None = None, **options: Any) -> "Store":
        """The store of `target`; a missing plan is created from `seed()` when one is given."""
        store = cls(target, **options)
        store.backend.ensure((lambda: store._typed(seed())) if seed is not None else None)
        return store

    @property
    def path(self) -> Path | None:
        """The plan's file, when the backend is one."""
        return self.backend.path

    def describe(self) -> str:
        return self.backend.describe()

    def exists(self) -> bool:
        return self.backend.exists()

    def change_token(self) -> Token:
        """Changes whenever anyone saves the plan (compare with `Change.after`)."""
        return self.backend.change_token()

    def listener(self, on_change: Callable[[set[int] | None], None],
                 on_state: Callable[[bool, str], None]) -> Listener | None:
        """Colleagues' changes told as they are saved (see `contract.Backend.listener`), or None
        where the backend cannot tell (a file): then poll `change_token`."""
        return self.backend.listener(on_change, on_state)

    def access(self) -> Access:
        """Where the plan is and what this user may do there (asked of the backend each time)."""
        return self.backend.access()

    def plans(self) -> list[PlanInfo]:
        return self.backend.plans()

    def plan_counts(self) -> "list[PlanCounts] | None":
        """Each plan's counts without loading it (a server's: `PlanCounts`); None where the backend
        has no such way (a file: its one plan is read whole)."""
        return self.backend.plan_counts()

    def for_plan(self, name: str) -> "Store":
        """The store of another plan of the same place (one of `plans()`), to be closed."""
        return Store(self.backend.for_plan(name))

    def close(self) -> None:
        self.backend.close()

    # -- reading -------------------------------------------------------------------------------
    def load(self) -> Plan:
        return self.backend.load_plan()

    def load_head(self, count: int) -> Head:
        """The plan's first `count` items, for a first screen; then `load_rest` for the whole plan."""
        return self.backend.load_head(count)

    def load_rest(self) -> Plan:
        return self.backend.load_rest()

    def load_items(self, numbers: list[int]) -> list[Recommendation]:
        """Only these items, as they are now (those the plan has, by number)."""
        return self.backend.load_items(numbers)

    # -- whole plans ---------------------------------------------------------------------------
    def _typed(self, plan: "Plan | Mapping[str, Any]") -> Plan:
        """A plan given as a file's data (an import, the seed) as typed records, checked."""
        if isinstance(plan, Plan):
            return plan
        where = Path(self.describe())
        validate_data(where, plan)
        return plan_from_data(where, plan)

    def create(self, plan: "Plan | Mapping[str, Any]", *, if_missing: bool = False) -> bool:
        """Save a new plan; refuses to overwrite one (`if_missing`: then returns False)."""
        return self.backend.create(self._typed(plan), if_missing=if_missing)

    def replace(self, plan: "Plan | Mapping[str, Any]") -> str | None:
        """Replace the whole plan (import --replace); returns where the previous one is kept."""
        return self.backend.replace(self._typed(plan))

    # -- changes -------------------------------------------------------------------------------
    def run(self, command: Command, *, by: str, wait: LockWait | None = None, on: date | None = None,
            today: date | None = None) -> Change:
        """Apply `command` to its recommendation as it is now, as one transaction, and record it;
        `wait`: how to wait for the item's lock when someone else holds it (None: the backend's way).

        `on`: the day the change took effect (default: the day it is recorded), checked against
        `today` (default: the day of the change's recorded time, the backend's clock) and the item's
        history (`commands.effective_on`)."""
        with self.backend.transaction(command.number, by=by, wait=wait) as txn:
            rec = txn.get()
            stamp = _effective(txn.stamp(rec), on, today, txn.meta.date, rec.history)
            try:
                outcome = command.apply(rec, stamp)
            except Unchanged as same:  # nothing to record: no save, no entry
                return Change(command.number, None, str(same), rec, txn.meta, txn.before, txn.before, txn.plan)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:  # e.g. a bad history entry
                from hsp_tui.storage.file.planbytes import restore_hint  # noqa: PLC0415 - only for a file

                hint = f"; {restore_hint(self.path)}" if self.path is not None else ""
                raise PlanFileError(f"{self.describe()}: recommendation {command.number} is damaged "
                                    f"({type(exc).__name__}: {exc}); nothing was saved{hint}") from None
            txn.put(outcome.record, outcome.entry)
        return Change(command.number, outcome.entry, outcome.summary, outcome.record, txn.meta,
                      txn.before, txn.after, txn.plan)

    # `when`: on= and today= of `run` (the day a change took effect, checked against today)
    def set_status(self, number: int, status: Status | str, *, by: str, note: str | None = None, **when) -> Change:
        return self.run(SetStatus(number, status, note), by=by, **when)

    def add_note(self, number: int, text: str, *, by: str, **when) -> Change:
        return self.run(AddNote(number, text), by=by, **when)

    def set_owner(self, number: int, owner: str, *, by: str, note: str | None = None, **when) -> Change:
        return self.run(SetOwner(number, owner, note), by=by, **when)

    def revise(self, number: int, deadline: str, *, reason: str, by: str, reference: date | None = None,
               **when) -> Change:
        return self.run(Revise(number, deadline, reason, reference), by=by, **when)

    def set_milestone(self, number: int, index: int, done: bool, *, by: str, note: str | None = None,
                      **when) -> Change:
        return self.run(SetMilestone(number, index, done, note), by=by, **when)

    def undo(self, number: int, entry_id: int, *, by: str, **when) -> Change:
        return self.run(Undo(number, entry_id), by=by, **when)

    def verify(self, number: int, accepted: bool, *, by: str, note: str | None = None, **when) -> Change:
        return self.run(Verify(number, accepted, note), by=by, **when)

    def record_reminder(self, number: int, to: tuple[str, ...], owner: str, *, by: str, via: str = "smtp",
                        pending: bool = False, **when) -> Change:
        """Record a reminder about item `number`: one already sent, or (`pending`) one about to go,
        to be marked with `mark_reminder` once it went (see `domain.reminding`)."""
        return self.run(RecordReminder(number, tuple(to), owner, via, pending), by=by, **when)

    # -- evidence (issue 24) ----------------------------------------------------------------------
    def attach_copy(self, number: int, name: str, content: bytes, *, by: str, note: str | None = None,
                    media_type: str | None = None, **when) -> Change:
        """Keep a copy of `content` (the file `name`, its base name as given) and record it as item
        `number`'s evidence. The copy is kept first, outside the item's lock; one kept but never
        recorded (the change refused) is harmless: it is content-addressed and listed by nothing."""
        from hsp_tui.domain.evidence import Attach, copy_of  # noqa: PLC0415 - only for evidence

        described = copy_of(name, content, "" if media_type is None else media_type)
        Attach(number, described, note)  # its rules, before anything is kept
        self.backend.evidence.keep(content)
        return self.run(Attach(number, described, note), by=by, **when)

    def attach_link(self, number: int, url: str, *, by: str, note: str | None = None, **when) -> Change:
        """Record the link `url` (never fetched) as item `number`'s evidence."""
        from hsp_tui.domain.evidence import Attach  # noqa: PLC0415

        return self.run(Attach(number, {"url": url}, note), by=by, **when)

    def withdraw(self, number: int, entry_id: int, *, reason: str, by: str, **when) -> Change:
        """Withdraw attachment `entry_id` of item `number`: an entry of its own; the copy stays kept."""
        from hsp_tui.domain.evidence import Withdraw  # noqa: PLC0415

        return self.run(Withdraw(number, entry_id, reason), by=by, **when)

    def keep_copy(self, content: bytes) -> str:
        """Keep a copy of `content` (nothing new when it is kept already); its SHA-256. For a plan
        moved with its copies (import): the attachments already name them."""
        return self.backend.evidence.keep(content)

    def read_copy(self, sha256: str) -> bytes:
        """A kept copy's bytes, its hash checked (EvidenceError when missing or not matching)."""
        return self.backend.evidence.read(sha256)

    def check_free(self, number: int) -> None:
        """Refuse (LockBusy, one line) when someone else is changing item `number` right now, so
        that a reminder about it is not even recorded as pending (it could not be marked sent soon
        after). Nothing is changed; the lock is taken and let go at once."""
        with self.backend.transaction(number, by="", wait=LockWait(timeout=0)):
            pass

    def mark_reminder(self, number: int, entry: int, *, sent: bool, by: str, note: str | None = None,
                      **when) -> Change:
        """Mark the pending reminder `entry` of item `number` sent, or not sent (`note`: why)."""
        return self.run(MarkReminder(number, entry, sent, note), by=by, **when)

    def check_may_record(self) -> None:
        """Refuse (one line) when this user may not record changes to the plan (before reminders go)."""
        self.backend.check_may_record()

    # -- the plan's own record: contacts -------------------------------------------------------
    def set_contact(self, owner: str, addresses: "tuple[str, ...] | list[str]", *, by: str,
                    sponsor: "tuple[str, ...] | list[str] | None" = None, **when) -> str:
        """Where reminders for `owner` go (empty: remove), and the sponsor copied on escalated
        reminders (None: unchanged); returns what it did in words."""
        return self._run_meta(SetContact(owner, tuple(addresses), None if sponsor is None else tuple(sponsor)),
                              by=by, **when)

    def remove_contact(self, owner: str, *, by: str, **when) -> str:
        return self._run_meta(SetContact(owner, ()), by=by, **when)

    def _run_meta(self, command: SetContact, *, by: str, on: date | None = None, today: date | None = None) -> str:
        with self.backend.meta_transaction(by=by) as txn:
            meta = txn.get()
            stamp = _effective(txn.stamp(meta), on, today, meta.date, meta.history)
            try:
                outcome = command.apply(meta, stamp)
            except Unchanged as same:
                return str(same)
            txn.put(outcome.meta)
        return outcome.summary


def _effective(stamp: Stamp, on: date | None, today: date | None, plan_date: date | None, history) -> Stamp:
    """The stamp with the day the change took effect, once checked (`commands.effective_on`)."""
    if on is None:
        return stamp
    if today is None:
        try:
            today = date.fromisoformat(stamp.at[:10])
        except ValueError:
            today = on
    return struct_replace(stamp, on=effective_on(on, today, plan_date, history))
