"""The backend contract: what every store of plans implements (`Backend`, its `Transaction`) and
the values it hands back (`Head`, `PlanInfo`, `Token`). See the package's docstring for how a change
runs; tests/contract/ is the suite every backend passes.
"""

from __future__ import annotations

from datetime import date as date_type
from pathlib import Path
from typing import Callable, ContextManager, Hashable, Protocol

from msgspec import Struct

from hsp_tui.domain.commands import Stamp
from hsp_tui.domain.errors import BusyError, PlanFileError
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import HistoryEntry, PlanMeta, Recommendation

__all__ = ["Access", "Backend", "EvidenceCopies", "Head", "Listener", "LockBusy", "LockWait", "LockWaitCancelled", "MetaTransaction", "PlanCounts", "PlanInfo",
           "Token", "Transaction"]

Token = Hashable  # identifies one saved version of a plan: equal tokens, nothing saved in between


class LockWait(Struct, frozen=True):
    """How a change waits when someone else holds what it must lock (the plan file's lock, an item's
    row on a server), given to `Backend.transaction`/`meta_transaction` (`Store.run(..., wait=)`).

    `timeout`: seconds at most (0: do not wait; None: the backend's default; inf: until cancelled);
    `cancelled()` is asked while waiting; `on_wait(holder)` is called once, when the wait starts,
    with who holds the lock in words. A backend raises `LockBusy` when the time is up and
    `LockWaitCancelled` when `cancelled()` says so; nothing is saved either way."""

    timeout: float | None = None
    cancelled: Callable[[], bool] | None = None
    on_wait: Callable[[str], None] | None = None


class LockBusy(BusyError):
    """Someone else held the lock for longer than the change was to wait."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


class LockWaitCancelled(PlanFileError):
    """The user stopped waiting for the lock."""


class Head(Struct, frozen=True):
    """The first items of a plan by number (all of them when `complete`), to show while the rest is read."""

    plan: Plan
    total: int  # how many items the whole plan has

    @property
    def complete(self) -> bool:
        return len(self.plan.recommendations) >= self.total


class PlanInfo(Struct, frozen=True):
    """One plan a backend holds (`hsp-tui plans`)."""

    name: str
    title: str


class Access(Struct, frozen=True):
    """Where the plan is and what this user may do there, asked once (the app shows it in its
    header, says it in Help and offers only the keys it allows). A file allows every change to
    whoever may write it; on a server the database says (`has_function_privilege`)."""

    kind: str                 # "file" or "server"
    where: str                # the file's path, or the server (host or socket, database)
    user: str | None = None   # the database user changes are recorded under (a file: the --user name)
    plan: str | None = None   # the plan's name on a server
    change: bool = True       # status, notes, owners, deadlines, milestones, undo
    verify: bool = True       # the auditor's verdict
    contacts: bool = True     # owners' addresses
    remind: bool = True       # reminders recorded (and so sent)


class PlanCounts(Struct, frozen=True):
    """One plan's counts for `hsp-tui plans`, without the plan loaded whole (a server's): its items,
    the open ones, and the open items with only what their due dates need (no texts, no history),
    to be judged as of a date by the caller; `problem` says why a plan that does not read is not
    counted (then `open_items` is empty)."""

    name: str
    title: str
    items: int
    open: int
    date: date_type | None  # the plan's date: the reference of its deadlines
    open_items: tuple[Recommendation, ...] = ()
    problem: str | None = None


class Transaction(Protocol):
    """One change of one recommendation, its row locked from `get` until the block ends."""

    meta: PlanMeta  # the plan's metadata (the plan date is the reference of its deadlines)
    before: Token  # the version of the plan this transaction read
    after: Token  # the version after it (the same as `before` when nothing was put); set at the end

    def get(self) -> Recommendation:
        """The recommendation as it is now; NotFoundError when the plan has none of that number."""

    def stamp(self, rec: Recommendation) -> Stamp:
        """The id, time and author of the history entry this change appends to `rec`."""

    def put(self, rec: Recommendation, entry: HistoryEntry) -> None:
        """Save `rec` (whose history ends with `entry`) when the block ends; at most once."""

    def plan(self) -> Plan:
        """The whole plan as this transaction left it (built on demand: it costs a full read)."""


class MetaTransaction(Protocol):
    """One change of the plan's own record (its contacts), locked from `get` until the block ends."""

    def get(self) -> PlanMeta:
        """The plan's metadata, contacts and plan history as they are now."""

    def stamp(self, meta: PlanMeta) -> Stamp:
        """The id, time and author of the plan history entry this change appends."""

    def put(self, meta: PlanMeta) -> None:
        """Save `meta` (whose history ends with this change's entry) when the block ends."""


class Listener(Protocol):
    """Colleagues' changes heard as they are saved (`Backend.listener`); its calls come from a thread
    of its own: `on_change(numbers)` (None: the whole plan), `on_state(connected, reason)` when
    the link is lost and when it is back (then what was saved meanwhile was not heard)."""

    def start(self, timeout: float = 10.0) -> bool:
        """Start listening; True once changes from then on are heard."""

    def stop(self) -> None:
        """Stop listening."""


class EvidenceCopies(Protocol):
    """Where a plan keeps its evidence copies (issue 24): content-addressed by SHA-256, each kept
    once however often it is attached, never removed by an officer. Every backend has one
    (`Backend.evidence`): a folder beside a plan file, a table on a server. Limits: `domain.limits`."""

    def keep(self, content: bytes) -> str:
        """Keep a copy of `content` (nothing new if it is kept already); its SHA-256 in lower-case hex.
        EvidenceError when it is over a copy's limit or would take the plan's copies over theirs."""

    def read(self, sha256: str) -> bytes:
        """The copy's bytes, their hash checked on the way: EvidenceError when it is missing or does
        not match (a tampered or damaged copy is never handed out)."""

    def list(self) -> list[tuple[str, int]]:
        """(sha256, size) of every copy kept, as found (`hsp-tui check` checks each)."""


class Backend(Protocol):
    path: Path | None  # the plan's file, for a backend that is one (exports never overwrite it)
    evidence: EvidenceCopies  # the plan's evidence copies

    def describe(self) -> str:
        """Where the plan is, for people (`hsp-tui where`); never a password."""

    def exists(self) -> bool:
        """Whether the plan is there to be read."""

    def ensure(self, seed: Callable[[], Plan] | None) -> None:
        """Make sure the plan exists: create it from `seed()` if it is missing; refuse (PlanFileError)
        when it is missing and there is no seed, or when creating it could hide a lost plan."""

    def create(self, plan: Plan, *, if_missing: bool = False) -> bool:
        """Save a new plan; refuse (or with `if_missing` return False) when one exists."""

    def replace(self, plan: Plan) -> str | None:
        """Put `plan` in place of the whole plan (import --replace); where the previous one is kept."""

    def load_plan(self) -> Plan:
        """The whole plan as it is now."""

    def load_head(self, count: int) -> Head:
        """The plan's first `count` items by number (for the app's first screen)."""

    def load_rest(self) -> Plan:
        """After `load_head`: the whole plan, as of the same version where the backend can."""

    def transaction(self, number: int, *, by: str, wait: LockWait | None = None) -> ContextManager[Transaction]:
        """One change of recommendation `number` by `by`, waiting for its lock as `wait` says (None:
        the backend's default); see `Transaction`."""

    def meta_transaction(self, *, by: str, wait: LockWait | None = None) -> ContextManager[MetaTransaction]:
        """One change of the plan's own record (its contacts) by `by`; see `MetaTransaction`."""

    def check_may_record(self) -> None:
        """Refuse (a one-line error) when this user may not record changes here: asked before work
        that cannot be undone and must be recorded, such as reminders sent."""

    def access(self) -> Access:
        """Where the plan is and what this user may do there (see `Access`)."""

    def load_items(self, numbers: list[int]) -> list[Recommendation]:
        """Only these items (those the plan has), by number, as they are now: what the app reads
        again when it hears that a colleague changed them."""

    def change_token(self) -> Token:
        """The version of the plan now: it changes whenever anyone saves (what the app polls)."""

    def listener(self, on_change: Callable[[set[int] | None], None],
                 on_state: Callable[[bool, str], None]) -> Listener | None:
        """A `Listener` telling of colleagues' changes as they are saved, where this backend can
        tell (a server); None where it cannot (a file): then the caller polls `change_token`."""

    def plans(self) -> list[PlanInfo]:
        """The plans this backend holds."""

    def plan_counts(self) -> list[PlanCounts] | None:
        """Each plan's counts without loading it (`hsp-tui plans` on a server); None: read each plan."""

    def for_plan(self, name: str) -> "Backend":
        """A backend of its own (to be closed) on the plan `name`, one of `plans()`."""

    def close(self) -> None:
        """Let go of connections and files."""
