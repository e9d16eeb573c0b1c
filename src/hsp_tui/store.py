"""The working file: a TinyDB database shared by officers, changed one safe transaction at a time.

The file's layout and its checks are declared in `records`.

Every change is one method here. Each takes the inter-process lock, reads the file afresh (a new
TinyDB instance each time, so no query cache or cached next id can go stale), applies the change,
appends a history entry and saves atomically (see `storage`). Nothing is written anywhere else.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from filelock import FileLock, Timeout
from tinydb import TinyDB

from .deadlines import parse_deadline
from .errors import ConflictError, InputError, NotFoundError, PlanFileError
from .model import Plan, PlanMeta, Recommendation, Status
from .records import META, RECS, check_text, plan_from_data, validate_data
from .review import DEFAULT_DUE_SOON_DAYS, ItemReview, review_item
from .safefiles import atomic_write, backup_path, check_writable, remove_stale_temps
from .storage import AtomicJSONStorage, dumps, parse_json, read_json, read_plan_bytes, restore_hint

LOCK_TIMEOUT = 15.0


def now_iso() -> str:
    """The time of a change, ISO 8601 with the local UTC offset."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def default_user() -> str:
    """`HSP_TUI_USER`, else the login name."""
    if os.environ.get("HSP_TUI_USER"):
        return os.environ["HSP_TUI_USER"]
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers, some services)
        return "unknown"


def _widen_lock_mode(lock_path: Path, mode: int) -> None:
    """Give a lock file made by an older version, or under a narrow umask, the plan's permissions."""
    try:
        st = os.stat(lock_path)
        if st.st_uid == os.geteuid() and (st.st_mode & 0o666) != mode:
            os.chmod(lock_path, mode)
    except (OSError, AttributeError):  # not ours, or no geteuid (Windows)
        pass


@dataclass(frozen=True)
class Signature:
    """What identifies one saved version of the file (every save replaces the file)."""

    mtime_ns: int
    size: int
    inode: int


class Unchanged(Exception):
    """Raised by a change that would change nothing; its message says so."""


class Change:
    """What one store method did: the recommendation number, the history entry, the new plan."""

    def __init__(self, path: Path, data: Mapping[str, Any], number: int | None, entry: dict | None,
                 summary: str, read_from: "Signature | None" = None) -> None:
        self._path, self._data = path, data
        self.number, self.entry, self.summary = number, entry, summary
        # The version of the file this change was applied to (taken under the lock). A caller
        # that last saw exactly this version knows nobody else saved in between.
        self.read_from = read_from

    @cached_property
    def plan(self) -> Plan:
        """The plan as saved by this change (built on demand: it includes others' changes too)."""
        return plan_from_data(self._path, self._data)

    def item(self, as_of: date, due_soon_days: int = DEFAULT_DUE_SOON_DAYS) -> ItemReview | None:
        """The changed recommendation as saved, judged as of `as_of`.

        Builds that one recommendation only: the same result as `review(self.plan, ...).item(number)`
        without building and reviewing every item of the plan (O(1) instead of O(n) per change).
        """
        if self.number is None:
            return None
        try:
            meta = PlanMeta.from_dict(self._data[META]["1"].get("plan") or {})
            doc = self._data.get(RECS, {}).get(str(self.number))
            rec = Recommendation.from_dict(doc) if doc is not None else None
        except InputError as exc:
            raise PlanFileError(f"{self._path}: {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PlanFileError(f"{self._path}: a record is damaged ({type(exc).__name__}: {exc}); "
                                f"{restore_hint(self._path)}") from None
        return review_item(rec, as_of, meta.date, due_soon_days) if rec is not None else None


class Store:
    """The plan file. All changes go through one method each; reads never lock."""

    def __init__(self, path: str | os.PathLike, *, clock: Callable[[], str] = now_iso,
                 lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._clock = clock
        self._lock_timeout = lock_timeout
        self.last_signature: Signature | None = None
        self._read_from: Signature | None = None
        self._saved: tuple[bytes, dict[str, Any]] | None = None  # see _read_for_change
        self._remember = False  # set by a read with remember=True

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike, *, seed: Callable[[], dict[str, Any]] | None = None,
             **kwargs: Any) -> "Store":
        """Open a plan file; if it does not exist and `seed` is given, create it from the seed."""
        store = cls(path, **kwargs)
        if not store.path.exists():
            bak = backup_path(store.path)
            if bak.exists():  # the plan was lost: starting afresh would soon overwrite its last good copy
                raise PlanFileError(
                    f"{store.path}: file not found, but its backup {bak} is there: copy it to "
                    f"{store.path.name} to restore the plan (or delete the backup to start a new plan)")
            if seed is None:
                raise PlanFileError(f"{store.path}: file not found")
            store.create(seed(), if_missing=True)
        return store

    def create(self, data: dict[str, Any], *, if_missing: bool = False) -> bool:
        """Write a new plan file (folders too). Refuses to overwrite an existing file."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PlanFileError(f"{self.path.parent}: cannot create the folder ({exc.strerror or exc})") from None
        validate_data(self.path, data)
        with self._locked():
            if self.path.exists():
                if if_missing:
                    return False
                raise PlanFileError(f"{self.path}: already exists; use --replace to overwrite it (a backup is kept)")
            atomic_write(self.path, dumps(data), keep_backup=False)
        self.last_signature = self.signature()
        return True

    def signature(self) -> Signature | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return Signature(st.st_mtime_ns, st.st_size, st.st_ino)

    # -- reading -------------------------------------------------------------------------------
    def load(self, *, remember: bool = False) -> Plan:
        """Read the plan (no lock needed: saves replace the file whole).

        `remember`: keep the file's data for the next change, which then need not parse the file
        again if it is unchanged (see `_read_for_change`); for a long-running program.
        """
        before = self.signature()
        data = self._read(remember)
        self.last_signature = before
        return plan_from_data(self.path, data)

    def raw(self, *, remember: bool = False) -> dict[str, Any]:
        """The file's data as read. With `remember` (see `load`) the caller must not modify it."""
        return self._read(remember)

    def _read(self, remember: bool) -> dict[str, Any]:
        raw = read_plan_bytes(self.path)
        data = self._parse(raw)
        if remember:
            self._remember = True  # a long-running program: its saves are remembered too
            self._saved = (hashlib.sha256(raw).digest(), data)
        return data

    # -- the transaction -----------------------------------------------------------------------
    def _plan_mode(self) -> int | None:
        """The lock file's permissions: the plan file's read/write bits, if it exists.

        The owner always gets read and write (a lock file must be writable to be locked, and a
        read-only plan must still give the clear "read-only" refusal, not a lock failure); group
        and others get write where they may write the plan, so a shared folder keeps working.
        """
        try:
            return (os.stat(self.path).st_mode & 0o666) | 0o600
        except OSError:
            return None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # The lock file is shared by everyone who saves: it gets the plan file's permissions, not the
        # umask of whoever saved first (a 0644 lock file would shut the rest of a team out).
        mode = self._plan_mode()
        lock = FileLock(str(self.lock_path), timeout=self._lock_timeout,
                        **({"mode": mode} if mode is not None else {}))
        try:
            lock.acquire()
        except Timeout:
            raise PlanFileError(
                f"{self.path}: another hsp-tui has held the lock for over {self._lock_timeout:.0f}s "
                f"(if none is running, delete {self.lock_path.name}); nothing was saved"
            ) from None
        except PermissionError as exc:
            hint = (f"ask its owner to let you write to it, or delete it while nobody is saving"
                    if self.lock_path.exists() else f"you cannot create files in {self.path.parent}")
            raise PlanFileError(
                f"{self.path}: cannot take the lock file {self.lock_path.name} ({exc.strerror or exc}: {hint}); "
                "nothing was saved") from None
        except OSError as exc:
            raise PlanFileError(f"{self.path}: cannot take the lock file {self.lock_path.name} "
                                f"({exc.strerror or exc}); nothing was saved") from None
        try:
            if mode is not None:
                _widen_lock_mode(self.lock_path, mode)
            remove_stale_temps(self.path)  # left by a save that was killed; nobody else writes now
            yield
        finally:
            lock.release()

    @contextmanager
    def _transaction(self) -> Iterator[tuple[TinyDB, AtomicJSONStorage]]:
        check_writable(self.path)  # say "read-only" before trying to lock
        with self._locked():
            self._read_from = self.signature()
            data = self._read_for_change()
            db = TinyDB(self.path, storage=AtomicJSONStorage, validate=validate_data, remember=self._remember)
            storage: AtomicJSONStorage = db.storage  # type: ignore[assignment]
            try:
                storage.preload(data)
                yield db, storage
            finally:
                db.close()
            if storage.saved is not None:
                self._saved = storage.saved
            self.last_signature = self.signature()

    def _read_for_change(self) -> dict[str, Any]:
        """The file as it is now (under the lock), parsed and validated.

        When its bytes are exactly those this store last wrote (same SHA-256), the data written then
        is used again instead of parsing the file anew: on a large plan parsing is most of a save's
        cost, and it holds up every other thread of the process (the app's keys) while it runs.
        Each table is copied and the change puts a new dict in place of the document it changes,
        so the data written then (and any `Change` holding it) is never modified.
        """
        raw = read_plan_bytes(self.path)
        if self._saved is not None and hashlib.sha256(raw).digest() == self._saved[0]:  # (none in the CLI)
            return {name: dict(table) for name, table in self._saved[1].items()}
        self._saved = None
        return self._parse(raw)

    def _parse(self, raw: bytes) -> dict[str, Any]:
        data = parse_json(self.path, raw)
        validate_data(self.path, data)
        return data

    def _change(self, number: int, mutate: Callable[[dict[str, Any], dict[str, Any]], str | None],
                *, by: str, action: str) -> Change:
        """Apply `mutate(doc, entry)` to one recommendation and append `entry` to its history."""
        with self._transaction() as (db, storage):
            table = db.table(RECS, cache_size=0)
            doc = table.get(doc_id=int(number))
            if doc is None:
                raise NotFoundError(f"no recommendation {number} in {self.path}")
            doc = dict(doc)
            try:
                Recommendation.from_dict(doc)  # refuse to change a record we cannot read
                history = list(doc.get("history") or [])
                entry: dict[str, Any] = {
                    "id": max((int(h.get("id", 0)) for h in history), default=0) + 1,
                    "at": self._clock(), "by": by, "action": action,
                    "field": None, "old": None, "new": None, "note": None,
                }
                summary = mutate(doc, entry) or ""
            except Unchanged as same:
                # Nothing to record (e.g. "Done" pressed on an item already done): no save, no entry.
                return Change(self.path, storage.read(), int(number), None, str(same),
                              read_from=self._read_from)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                raise PlanFileError(
                    f"{self.path}: recommendation {number} is damaged ({type(exc).__name__}: {exc}); "
                    f"nothing was saved; {restore_hint(self.path)}") from None
            history.append(entry)
            doc["history"] = history
            # The new document replaces the old one in this transaction's own copy of the table
            # (nothing shared is modified), and the file is written through the storage. (TinyDB's
            # update would rebuild the whole table twice for one document: O(n) at every save.)
            data = storage.read()
            data[RECS][str(int(number))] = dict(doc)
            storage.write(data)
        return Change(self.path, data, int(number), entry, summary, read_from=self._read_from)

    # -- the changes (one method each) ---------------------------------------------------------
    def set_status(self, number: int, status: Status | str, *, by: str, note: str | None = None) -> Change:
        new = status if isinstance(status, Status) else Status.parse(status)
        if note is not None:
            check_text(note, "note", required=True)

        def mutate(doc: dict, entry: dict) -> str:
            old = doc.get("status") or Status.NOT_STARTED.value
            if old == new.value and note is None:
                raise Unchanged(f"{number}: already {new.label}; nothing changed")
            doc["status"] = new.value
            entry.update(field="status", old=old, new=new.value, note=note)
            return f"{number}: status {Status(old).label} -> {new.label}"

        return self._change(number, mutate, by=by, action="set")

    def add_note(self, number: int, text: str, *, by: str) -> Change:
        check_text(text, "note", required=True)

        def mutate(doc: dict, entry: dict) -> str:
            entry.update(note=text)
            return f"{number}: note added"

        return self._change(number, mutate, by=by, action="note")

    def set_owner(self, number: int, owner: str, *, by: str, note: str | None = None) -> Change:
        check_text(owner, "owner", required=True, limit=10_000)
        if note is not None:
            check_text(note, "note", required=True)

        def mutate(doc: dict, entry: dict) -> str:
            old = doc.get("owner", "")
            if old == owner and note is None:
                raise Unchanged(f"{number}: the owner is already {owner!r}; nothing changed")
            doc["owner"] = owner
            entry.update(field="owner", old=old, new=owner, note=note)
            return f"{number}: owner {old!r} -> {owner!r}"

        return self._change(number, mutate, by=by, action="set")

    def revise(self, number: int, deadline: str, *, reason: str, by: str, reference=None) -> Change:
        """Record a revised deadline; the deadline agreed in the plan is kept unchanged."""
        check_text(deadline, "deadline", required=True, limit=1_000)
        if reason is None or not str(reason).strip():
            raise InputError("a revised deadline needs a reason (--reason TEXT)")
        check_text(reason, "reason", required=True)
        parsed = parse_deadline(deadline, reference)
        if parsed.warning:
            raise InputError(parsed.warning)

        def mutate(doc: dict, entry: dict) -> str:
            revisions = list(doc.get("revisions") or [])
            old = revisions[-1]["deadline"] if revisions else doc.get("deadline", "")
            if " ".join(old.split()) == " ".join(deadline.split()):
                raise Unchanged(f"{number}: the deadline is already {old!r}; nothing changed")
            if parsed.due is None and parse_deadline(old, reference).due is not None:
                # 'Ongoing' has no due date, so it would take the item off the overdue list unseen.
                raise InputError(
                    f"recommendation {number}: the dated deadline {old!r} cannot be revised to no date; "
                    f"to stop the action, set it to dropped with a note, e.g. "
                    f"hsp-tui set {number} dropped --note \"why\" (the report shows it)")
            revisions.append({"deadline": deadline, "reason": reason, "by": by, "at": entry["at"]})
            doc["revisions"] = revisions
            entry.update(field="deadline", old=old, new=deadline, note=reason)
            return f"{number}: deadline {old!r} revised to {deadline!r}"

        return self._change(number, mutate, by=by, action="revise")

    def set_milestone(self, number: int, index: int, done: bool, *, by: str, note: str | None = None) -> Change:
        """Mark milestone `index` (1-based) done or open again; the item's own status is untouched."""
        if note is not None:
            check_text(note, "note", required=True)

        def mutate(doc: dict, entry: dict) -> str:
            milestones = [dict(m) for m in doc.get("milestones") or []]
            if not 1 <= index <= len(milestones):
                have = f"1-{len(milestones)}" if milestones else "none"
                raise NotFoundError(f"recommendation {number} has no milestone {index} (milestones: {have})")
            m = milestones[index - 1]
            old = bool(m.get("done"))
            if old == bool(done) and note is None:
                raise Unchanged(f"{number}: milestone {index} is already {'done' if done else 'open'}; "
                                "nothing changed")
            m["done"] = bool(done)
            doc["milestones"] = milestones
            entry.update(field="milestone", old={"index": index, "done": old},
                         new={"index": index, "done": bool(done)}, note=note)
            return f"{number}: milestone {index} ({m.get('label', '')}) {'done' if done else 'open'}"

        return self._change(number, mutate, by=by, action="milestone")

    def undo(self, number: int, entry_id: int, *, by: str) -> Change:
        """Reverse one change by appending an entry of its own; nothing is erased.

        Refused when the item has changed since in the same field (someone else's later change
        would be overwritten).
        """

        def mutate(doc: dict, entry: dict) -> str:
            history = doc.get("history") or []
            target = next((h for h in history if int(h.get("id", 0)) == int(entry_id)), None)
            if target is None:
                raise NotFoundError(f"recommendation {number} has no history entry {entry_id}")
            if any(h.get("action") == "undo" and h.get("undoes") == target["id"] for h in history):
                raise ConflictError(f"change #{entry_id} on recommendation {number} was already undone")
            entry.update(undoes=int(entry_id), field=target.get("field"))
            action, fld = target.get("action"), target.get("field")
            if action == "note":
                entry.update(old=target.get("note"), new=None)
                return f"{number}: note withdrawn (kept in history)"
            if fld in ("status", "owner"):
                current = doc.get(fld)
                if current != target.get("new"):
                    labels = {s.value: s.label for s in Status} if fld == "status" else {}
                    now = labels.get(current, repr(current))  # "Blocked", as the app and CLI say it
                    raise ConflictError(
                        f"recommendation {number}: {fld} has changed since (now {now}); not undone")
                doc[fld] = target.get("old")
                entry.update(old=target.get("new"), new=target.get("old"))
                back = Status(target["old"]).label if fld == "status" else repr(target.get("old"))
                return f"{number}: {fld} back to {back} (undoing change #{entry_id})"
            if fld == "milestone":
                idx = int(target["new"]["index"])
                milestones = [dict(m) for m in doc.get("milestones") or []]
                if bool(milestones[idx - 1].get("done")) != bool(target["new"]["done"]):
                    raise ConflictError(f"recommendation {number}: milestone {idx} has changed since; not undone")
                milestones[idx - 1]["done"] = bool(target["old"]["done"])
                doc["milestones"] = milestones
                entry.update(old=target["new"], new=target["old"])
                return f"{number}: milestone {idx} back to {'done' if target['old']['done'] else 'open'}"
            if fld == "deadline":
                revisions = list(doc.get("revisions") or [])
                if not revisions or revisions[-1].get("deadline") != target.get("new"):
                    raise ConflictError(f"recommendation {number}: the deadline has been revised since; not undone")
                restored = target.get("old")
                revisions.append({"deadline": restored, "reason": f"undo of change #{entry_id}",
                                  "by": by, "at": entry["at"]})
                doc["revisions"] = revisions
                entry.update(old=target.get("new"), new=restored)
                return f"{number}: deadline back to {restored!r}"
            raise InputError(f"change #{entry_id} on recommendation {number} ({action}) cannot be undone: "
                             "only status, owner, deadline, milestone and note changes can")

        return self._change(number, mutate, by=by, action="undo")

    def replace(self, data: dict[str, Any]) -> Path:
        """Replace the whole plan (import --replace). The file as it was is kept as `.bak`."""
        validate_data(self.path, data)
        with self._locked():
            if self.path.exists():
                current = read_json(self.path)  # refuse to replace something that is not ours
                validate_data(self.path, current)
            atomic_write(self.path, dumps(data), keep_backup=True)
        self.last_signature = self.signature()
        return backup_path(self.path)
