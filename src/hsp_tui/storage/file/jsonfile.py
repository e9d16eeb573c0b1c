"""The plan as one TinyDB JSON file: the default backend, for one machine or a shared folder.

The file is an ordinary TinyDB database (layout in `records`), and `tinystorage.PlanStorage` is a
drop-in TinyDB storage for it: `TinyDB(path, storage=PlanStorage)` works as `TinyDB(path)` does,
only every write replaces the file whole (never half-written) under the plan's lock (see `inplace`
for saves that cannot rename over it). It is a module of its own: a command never loads TinyDB.

Where this backend does not go through TinyDB: for speed, a change does not use TinyDB's tables
(an update there rebuilds a whole table, twice, for one document). Under the plan's lock it reads
the file's tables as typed records (`planfile.read_tables`: decoded and checked in one pass, a table
that is not ours kept as its bytes), puts the one changed record into its own copy of the
recommendations table, and writes the whole database as the same bytes `PlanStorage.write` would
(`planbytes.dumps_records`), with the same atomic write; when the file read is exactly those bytes
already, the unchanged records are written back as read and only the changed one is encoded
(`planbytes.splice_record`: the same bytes). tests/test_tinydb_storage.py checks that
TinyDB, with our storage or its own, reads what this backend writes, and that this backend reads
what TinyDB writes.

A long-running program (the app) opens the backend with `long_running=True`: it keeps the tables it
last read or wrote (typed records, the very ones its `Plan` holds) with the SHA-256 of the file's
bytes, and its next change uses them again when the file still holds exactly those bytes, instead of
decoding a large file again (decoding is most of a save's cost, and it holds up every other thread
of the process meanwhile).

A one-shot command (`hsp-tui note`) keeps nothing between runs, but this user's memo (`checked`)
says which bytes their hsp-tui already found to be a plan laid out as it writes them, or wrote: a
change of such a file decodes only the plan's own record and the one it changes (`transactions.read_one`)
and splices the new record in; any other file (a colleague saved it since) is read and checked whole.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import msgspec
from msgspec import Struct

from hsp_tui.domain.clock import now_iso
from hsp_tui.domain.errors import InputError, NotFoundError, PlanFileError
from hsp_tui.storage.file.inplace import save_plan
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import PlanMeta, Recommendation
from hsp_tui.storage.file.paths import plan_file
from hsp_tui.storage.file import checked
from hsp_tui.storage.file.planfile import (SMALL, refuse, plan_from_data, plan_tables, read_plan, read_tables,
                                           read_tables_as_written, tables_meta, tables_plan, validate_data)
from hsp_tui.storage.file.transactions import FileTransaction, MetaTransaction, read_one, reads_back
from hsp_tui.storage.file.planlock import PlanLock
from hsp_tui.domain.records import META, RECS
from hsp_tui.storage.file.safefiles import Payload, backup_path, check_writable, joined
from hsp_tui.storage.file.planbytes import (Fragments, dumps_records, parse_json, read_json, read_plan_bytes,
                                            splice_record)
from hsp_tui.storage.contract import Access, Head, LockWait, PlanInfo
from hsp_tui.storage.file.lockfile import LOCK_TIMEOUT, plan_lock

if TYPE_CHECKING:
    from hsp_tui.storage.file.evidencefolder import FolderCopies


class Signature(Struct, frozen=True):
    """What identifies one saved version of the file (a save replaces the file, or writes into it
    in a sticky folder: its modification time changes either way)."""

    mtime_ns: int
    size: int
    inode: int


class _Known:
    """The file's bytes last read or written by a long-running program, known by their SHA-256, and
    its tables. The hash may be taken later (`settle`): the app's first screen does not wait for it
    (~12 ms at 10,000 items, and OpenSSL's load); it is taken as the rest of the plan is read, in the
    app's reading thread, and the bytes let go of then."""

    __slots__ = ("_raw", "_digest", "tables")

    def __init__(self, raw: bytes, tables: dict[str, Any], *, later: bool = False) -> None:
        self._raw: bytes | None = raw if later else None
        self._digest = None if later else checked.sha256(raw)
        self.tables = tables

    def settle(self) -> None:
        raw = self._raw  # (the reading thread and a save may both ask: the digest is set first)
        if raw is not None:
            self._digest = checked.sha256(raw)
            self._raw = None

    def holds(self, raw: bytes) -> bool:
        """Whether `raw` are the bytes known here."""
        self.settle()
        return checked.sha256(raw) == self._digest


class JsonFileBackend:
    """A plan kept in one TinyDB JSON file (see the module's docstring)."""

    def __init__(self, path: Path, *, clock: Callable[[], str] | None = None, lock_timeout: float = LOCK_TIMEOUT,
                 long_running: bool = False) -> None:
        self.path = plan_file(Path(path))  # links resolved once: lock, backup and saves beside the real file
        self.clock = clock or now_iso
        self.lock_timeout = lock_timeout
        self.long_running = long_running
        self._kept: _Known | None = None  # the file's bytes last read or written here, and their tables
        self._pending: Callable[[], Plan] | None = None  # the whole plan read by load_head, for load_rest
        self._fragments = Fragments() if long_running else None  # each record's bytes, as last written

    @property
    def evidence(self) -> "FolderCopies":
        """The plan's evidence copies, in the folder beside it (`evidencefolder`)."""
        from hsp_tui.storage.file.evidencefolder import FolderCopies  # noqa: PLC0415 - a note needs none

        return FolderCopies(self.path)

    def describe(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    def close(self) -> None:
        self._kept = self._pending = None
        self._fragments = Fragments() if self.long_running else None

    def check_may_record(self) -> None:
        check_writable(self.path)

    def access(self) -> Access:
        """Every change to whoever may write the file; none where it is read-only for this user (the
        app then offers no change key, as to a reader on a server, instead of refusing each at its save)."""
        try:
            check_writable(self.path)
        except PlanFileError:
            return Access("file", str(self.path), change=False, verify=False, contacts=False, remind=False)
        return Access("file", str(self.path))

    def change_token(self) -> Signature | None:
        try:
            st = os.lstat(self.path)  # a link put in the plan's place is another file, never followed
        except OSError:
            return None
        return Signature(st.st_mtime_ns, st.st_size, st.st_ino)

    # -- whole plans ---------------------------------------------------------------------------
    def ensure(self, seed: Callable[[], Plan] | None) -> None:
        if self.path.exists():
            return
        bak = backup_path(self.path)
        if bak.exists():  # the plan was lost: starting afresh would soon overwrite its last good copy
            raise PlanFileError(
                f"{self.path}: file not found, but its backup {bak} is there: copy it to "
                f"{self.path.name} to restore the plan (or delete the backup to start a new plan)")
        if seed is None:
            raise PlanFileError(f"{self.path}: file not found")
        self.create(seed(), if_missing=True)

    def create(self, plan: Plan, *, if_missing: bool = False) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PlanFileError(f"{self.path.parent}: cannot create the folder ({exc.strerror or exc})") from None
        data = plan_tables(plan)
        with self._locked():
            if self.path.exists():
                if if_missing:
                    return False
                raise PlanFileError(f"{self.path}: already exists; use --replace to overwrite it (a backup is kept)")
            self._save(data, keep_backup=False)
        return True

    def replace(self, plan: Plan) -> str:
        data = plan_tables(plan)
        with self._locked() as lock:
            if self.path.exists():
                validate_data(self.path, read_json(self.path))  # refuse to replace something that is not ours
            self._save(data, keep_backup=True, check=lock.verify)
        return str(backup_path(self.path))

    def load_plan(self) -> Plan:
        if not self.long_running:  # nothing kept for a later change: decoded and checked in one pass
            return read_plan(self.path, read_plan_bytes(self.path))
        return tables_plan(self._read())

    def load_head(self, count: int) -> Head:
        self._pending = None
        raw = read_plan_bytes(self.path)
        try:
            data = self._tables(raw, later=True)
        except PlanFileError:
            return self._damaged_head(raw, count)
        recs = data.get(RECS, {})
        if len(recs) > count:  # the first items by number, before the whole plan is sorted
            self._pending = partial(self._rest, data)
            first = tuple(recs[k] for k in sorted(recs, key=int)[:count])
            return Head(Plan(tables_meta(data), first), len(recs))
        return Head(tables_plan(data), len(recs))

    def _damaged_head(self, raw: bytes, count: int) -> Head:
        """A record of the file is damaged: when the first `count` items are whole, they are shown,
        and `load_rest` then refuses the plan naming the damaged record; else it is refused now (a large
        file at once: it is never parsed whole into objects, see `planfile.refuse`)."""
        if len(raw) > SMALL:
            refuse(self.path, raw)
        data = parse_json(self.path, raw)
        validate_data(self.path, data)
        docs = data.get(RECS) or {}
        if len(docs) > count:
            try:
                meta = PlanMeta.from_dict(data[META]["1"].get("plan") or {})
                first = [Recommendation.from_dict(docs[k]) for k in sorted(docs, key=int)[:count]]
            except (InputError, KeyError, TypeError, ValueError, AttributeError):
                pass  # a first item is damaged: reading the whole plan says which
            else:
                self._pending = lambda: plan_from_data(self.path, data)
                return Head(Plan(meta, tuple(sorted(first, key=lambda r: r.number))), len(docs))
        return Head(plan_from_data(self.path, data), len(docs))

    def _rest(self, data: dict[str, Any]) -> Plan:
        if self._kept is not None:
            self._kept.settle()
        return tables_plan(data)

    def load_rest(self) -> Plan:
        rest, self._pending = self._pending, None
        return rest() if rest is not None else self.load_plan()

    def load_items(self, numbers: list[int]) -> list[Recommendation]:
        plan = self.load_plan()  # the file is read whole whatever is asked
        return [rec for n in sorted(set(numbers)) if (rec := plan.get(n)) is not None]

    def listener(self, on_change: Callable[[set[int] | None], None],
                 on_state: Callable[[bool, str], None]) -> None:
        return None  # nobody tells a file's readers of a save: they poll `change_token`

    def plans(self) -> list[PlanInfo]:
        return [PlanInfo(self.path.stem, tables_meta(self._read()).title)]

    def plan_counts(self) -> None:
        """None: the file's one plan is read whole to count it."""
        return None

    def for_plan(self, name: str) -> "JsonFileBackend":
        """The file's one plan (named after the file), on a backend of its own."""
        if name != self.path.stem:
            raise NotFoundError(f"{self.path}: a plan file holds one plan ({self.path.stem}), not {name!r}")
        return JsonFileBackend(self.path, clock=self.clock, lock_timeout=self.lock_timeout)

    # -- one change ----------------------------------------------------------------------------
    @contextmanager
    def transaction(self, number: int, *, by: str, wait: LockWait | None = None) -> Iterator[FileTransaction]:
        check_writable(self.path)  # say "read-only" before trying to lock
        learnt: tuple[Callable[[], bytes | None], int] | None = None  # bytes for this user's memo: (digest, size)
        with self._locked(wait) as lock:
            txn, as_read, memo = self._open_change(number, by)
            yield txn
            if txn.put_record is None:
                if memo == "new" and as_read is not None:  # checked whole, and left as it was
                    learnt = partial(checked.sha256, as_read), len(as_read)
            else:
                # The file as read with only this record's bytes replaced, when it is exactly as this
                # backend writes it: the same bytes as encoding every record again (`splice_record`).
                key = str(txn.put_record.number)
                payload = None if as_read is None or txn.replaced is None else \
                    splice_record(as_read, RECS, key, txn.replaced, txn.put_record, span=txn.span)
                # The bytes saved go into the memo when the bytes read could (the same tables) and the
                # new record reads back as itself; hashed meanwhile, while the save waits for the disk.
                if memo and payload is not None and reads_back(self.path, key, txn.put_record):
                    learnt = checked.sha256_soon(payload), sum(map(len, payload))
                self._save(None if payload is not None else txn.data, payload=payload,
                           check=lambda: self._still_ours(lock, txn.before))
                txn.after = self.change_token()
        if learnt is not None:
            checked.remember(learnt[0](), learnt[1])

    def _open_change(self, number: int, by: str) -> tuple[FileTransaction, bytes | None, str]:
        """The transaction of a change of record `number` (under the lock); the file's bytes when they
        are exactly as this backend writes them (a change can then splice its record in); and what
        this user's memo may do: "known" (it knew the bytes), "new" (they were checked whole and are
        as written with our tables only, the plan's own first: it may learn them), else "".

        A one-shot command (not `long_running`) looks the bytes up in this user's memo (`checked`):
        when their hsp-tui found them so before, or wrote them, only the plan's own record and this
        one are decoded (`read_one`); else the file is read and checked whole. (A file another tool
        left with other tables or in another order is checked whole every time; `read_one` needs
        the plan's own table first and ours only.)"""
        if self.long_running:  # it knows the file it last read or wrote by `_Known`
            txn = FileTransaction(self.path, self.clock, number, by, self._read_for_change(), self.change_token())
            return txn, None, ""
        raw = read_plan_bytes(self.path)
        if checked.lookup(raw) is not None and (one := read_one(self.path, raw, number)) is not None:
            return FileTransaction(self.path, self.clock, number, by, None, self.change_token(), one), raw, "known"
        data, as_written = read_tables_as_written(self.path, raw)
        memo = "new" if as_written and len(raw) >= checked.WORTH and list(data) in ([META], [META, RECS]) else ""
        return FileTransaction(self.path, self.clock, number, by, data, self.change_token()), \
            raw if as_written else None, memo

    @contextmanager
    def meta_transaction(self, *, by: str, wait: LockWait | None = None) -> Iterator["MetaTransaction"]:
        """One change of the plan's own record (its contacts), under the plan's lock."""
        check_writable(self.path)
        with self._locked(wait) as lock:
            before = self.change_token()
            txn = MetaTransaction(self.clock, by, self._read_for_change())
            yield txn
            if txn.put_meta is not None:
                self._save(txn.data, check=lambda: self._still_ours(lock, before))

    def _still_ours(self, lock: PlanLock, read_from: Signature | None) -> None:
        """Just before a save replaces the file: the lock is still ours and nobody replaced the file
        since we read it (someone who deleted the lock file could have), else nothing is saved."""
        lock.verify()
        if self.change_token() != read_from:
            raise PlanFileError(f"{self.path}: another program saved the plan during this save (without "
                                "its lock); nothing was saved (try again)")

    # -- the file ------------------------------------------------------------------------------
    def _locked(self, wait: LockWait | None = None):
        """The plan's lock, waited for as `wait` says (its timeout, else this backend's `lock_timeout`)."""
        return plan_lock(self.path, self.lock_timeout, wait)

    def _read(self) -> dict[str, Any]:
        return self._tables(read_plan_bytes(self.path))

    def _tables(self, raw: bytes, *, later: bool = False) -> dict[str, Any]:
        data = read_tables(self.path, raw)
        if self.long_running:
            self._kept = _Known(raw, data, later=later)
        return data

    def _read_for_change(self) -> dict[str, Any]:
        """The file as it is now (under the lock), decoded and checked, in tables of its own.

        When its bytes are exactly those last read or written here (same SHA-256), those tables are
        used again instead of decoding the file anew. A change puts a new table in place of the one it
        changes (records are immutable), so the tables kept (and any `Change` holding them) never change.
        """
        raw = read_plan_bytes(self.path)
        if self._kept is not None and self._kept.holds(raw):
            return dict(self._kept.tables)
        self._kept = None
        return read_tables(self.path, raw)

    def _save(self, data: dict[str, Any] | None, *, keep_backup: bool = True,
              check: Callable[[], None] | None = None, payload: Payload | None = None) -> Payload:
        """Save `data` (its bytes `payload`, or their parts, when the caller has made them already:
        then `data` may be None, for a one-shot command that keeps nothing); returns what was written."""
        try:
            if payload is None:
                payload = dumps_records(data, self._fragments)
        except (TypeError, ValueError, OverflowError, msgspec.EncodeError) as exc:
            raise PlanFileError(f"{self.path}: could not save ({exc}); the file is unchanged") from None
        save_plan(self.path, payload, keep_backup=keep_backup, check=check)
        if self.long_running and data is not None:
            self._kept = _Known(joined(payload), data)
        return payload
