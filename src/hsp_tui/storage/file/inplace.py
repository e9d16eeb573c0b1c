"""Saving and reading the plan when saves cannot rename over it: other members in a sticky folder.

A save normally writes a temporary file and renames it over the plan (`safefiles.atomic_write`).
In a sticky folder (chmod +t) the kernel lets only the file's owner (or the folder's, or root)
rename over it, so every other member of the team saves *in place*, under the plan's lock:

1. the whole new content goes into a self-checking journal beside the plan (`journal`), flushed
   to disk with its folder, before anything else is touched;
2. the backup `<name>.bak` is kept (a copy: the plan's own inode is about to change; written in
   place when it belongs to another member, so it keeps that member's ownership, group and mode);
3. the plan itself (checked to be the very file read under the lock) is overwritten, cut to length
   and flushed: its owner, group and mode never change;
4. the journal is removed (or, where the sticky bit forbids, emptied: an empty journal is absent).

A kill at any moment leaves either no complete journal (the plan not yet touched: the old plan) or
a complete one (the new plan, whatever state the file itself is in). Whoever next opens the plan
finishes the job: a saver, under the lock, writes the journal's content into the plan
(`recover`); a reader uses the journal's content (`read_plan_file`). Readers in a sticky folder
also take a shared lock on the plan's lock file when it exists and can be opened (never creating
it), so they never read the plan while a save writes into it; where it cannot be had they read,
check for a journal and compare the file's identity before and after, retrying a few times.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Callable, Iterator

import msgspec

from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import PlanFile
from hsp_tui.storage.file import acl, journal
from hsp_tui.domain.errors import PlanFileError
from hsp_tui.storage.file.planlock import shared_lock
from hsp_tui.storage.file.backups import keep_backup_of
from hsp_tui.storage.file.safefiles import (Payload, atomic_write, check_writable, fsync_folder, joined, lock_path, overwrite,
                                           read_bytes, renames_refused)

READ_LOCK_WAIT = 2.0  # seconds a reader waits for a save in progress before reading without the lock
READ_RETRY = 5.0  # seconds a reader without the lock retries while the file keeps changing under it

_held: ContextVar[frozenset[str]] = ContextVar("hsp_tui_plan_locks_held", default=frozenset())


@contextmanager
def holding(path: Path) -> Iterator[None]:
    """Mark the plan `path` as locked by this context (its reads then need no shared lock)."""
    token = _held.set(_held.get() | {str(path)})
    try:
        yield
    finally:
        _held.reset(token)


def _has_acl(path: Path) -> bool:
    try:
        return acl.read(path) is not None
    except OSError:
        return False


def _sticky(folder: Path) -> bool:
    try:
        return bool(os.stat(folder).st_mode & stat.S_ISVTX)
    except OSError:
        return False


# -- saving -----------------------------------------------------------------------------------------
def save_plan(path: Path, payload: Payload, *, keep_backup: bool = True,
              check: Callable[[], None] | None = None) -> None:
    """Save the plan file `path` whole (`payload`: its bytes, or their parts in order), under its
    lock: renamed into place where this user may, else written in place with a journal (see the
    module). `check()` is called last before the plan is changed."""
    try:
        st: os.stat_result | None = os.lstat(path)
    except OSError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode) or not (renames_refused(path.parent, st) or _shared_by_acl(path, st)):
        atomic_write(path, payload, keep_backup=_backup if keep_backup else None, check=check)
        return
    check_writable(path)
    try:
        _write_in_place(path, joined(payload), st, keep_backup=keep_backup, check=check)
    except OSError as exc:
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise PlanFileError(f"{path}: could not save ({reason}); the file is unchanged") from None


def _shared_by_acl(path: Path, st: os.stat_result) -> bool:
    """A plan with an ACL saved by someone other than its owner is written in place too: a rename
    would make the saver its owner, and the ACL's owner entry would then mean someone else."""
    if not hasattr(os, "geteuid") or os.geteuid() in (0, st.st_uid):
        return False
    try:
        return acl.read(path) is not None
    except OSError:
        return False


def _write_in_place(path: Path, payload: bytes, st: os.stat_result, *, keep_backup: bool,
                    check: Callable[[], None] | None) -> None:
    old = read_bytes(path, link_ok=False)
    made = journal.write(path, payload, st, journal.digest(old))
    try:
        if keep_backup:
            _keep_backup(path, old)
        if check is not None:
            check()
        overwrite(path, payload, inode=(st.st_dev, st.st_ino))
    except BaseException as exc:
        if _untouched(path, old):  # e.g. a full disk, found (fallocate) before a byte was written
            journal.dispose(made)
            raise
        # The plan may be half-written: the complete journal stays, so every reader gets the new
        # plan and the next save finishes writing it.
        raise PlanFileError(f"{path}: the save was interrupted ({_why(exc)}); the change is kept in "
                            f"{made.name} and the next save completes it") from None
    journal.dispose(made)
    fsync_folder(path.parent)


def _untouched(path: Path, old: bytes) -> bool:
    try:
        return read_bytes(path, link_ok=False) == old
    except PlanFileError:
        return False


def _why(exc: BaseException) -> str:
    return (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc) or type(exc).__name__


def _backup(path: Path, dir_fd: int | None, st: os.stat_result) -> None:
    keep_backup_of(path, dir_fd=dir_fd, plan=st)


def _keep_backup(path: Path, old: bytes) -> None:
    """The backup of a save in place: a copy of `old`; never given up for a backup we may not write
    (another member's read-only one stays as it was: one save older)."""
    try:
        keep_backup_of(path, link=False, current=old)
    except PermissionError:
        pass


def recover(path: Path) -> None:
    """Under the plan's lock: finish a save in place that was cut short, and clear away the
    journals of finished or abandoned ones (only journals a member could have made are touched)."""
    found = journal.names(path)
    if not found:
        return
    try:
        st = os.stat(path)
        current = read_bytes(path, link_ok=False)
    except (OSError, PlanFileError):
        return
    todo = journal.pending(path, st, current, extends)
    if todo is not None and os.access(path, os.W_OK):
        try:
            if todo.old == journal.digest(current):  # cut short before the plan was touched
                _keep_backup(path, current)
            overwrite(path, todo.content, inode=(st.st_dev, st.st_ino))
        except (OSError, PlanFileError):
            pass  # left for readers (they use the journal) and the next save
        else:
            todo = None
    for name in found:
        if todo is not None and name == todo.path:
            continue
        try:
            if journal.trusted(os.lstat(name), st, path):
                journal.dispose(name)
        except OSError:
            continue
    fsync_folder(path.parent)


def extends(current: bytes, content: bytes) -> str | None:
    """None when `content` (a journal's) is the plan `current` with more history: every item and
    every history entry kept, anything changed with an entry saying so; else why not. A plan that
    is not whole (a save in place cut short while writing it) is extended by any whole plan."""
    new, old = _decoded(content), _decoded(current)
    if new is None:
        return "its content is not a whole plan"
    if old is None:
        return None
    if not _grows(old.meta, new.meta):
        return "it changes the plan's details without a history entry"
    now = {r.number: r for r in new.recommendations}
    for rec in old.recommendations:
        later = now.get(rec.number)
        if later is None:
            return f"it drops item {rec.number}"
        if not _grows(rec, later):
            return f"it changes item {rec.number} without a history entry"
    return None


def _decoded(raw: bytes) -> Plan | None:
    """The plan in `raw` when it is a whole, well-formed plan file (checked against its declaration)."""
    try:
        doc = msgspec.json.decode(raw, type=PlanFile)
        meta = doc.meta["1"]
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, KeyError):
        return None
    return Plan(meta.plan, tuple(doc.recommendations.values()))


def _grows(old, new) -> bool:
    """`new` is `old`, or `old` with history entries added after its own."""
    had = tuple(getattr(old, "history", ()))
    has = tuple(getattr(new, "history", ()))
    return has[:len(had)] == had and (len(has) > len(had) or new == old)


# -- reading ----------------------------------------------------------------------------------------
def read_plan_file(path: Path, *, missing_hint: str = "") -> bytes:
    """The plan's bytes as last saved whole (see the module); every failure is one PlanFileError line."""
    def read() -> bytes:
        return read_bytes(path, PlanFileError, missing_hint=missing_hint, link_ok=False)

    if not _sticky(path.parent) and not _has_acl(path):  # no save is ever written in place there
        return read()
    if str(path) in _held.get():
        return _settled(path, read())
    with shared_lock(lock_path(path), READ_LOCK_WAIT) as locked:
        if locked:
            return _settled(path, read())
    deadline = time.monotonic() + READ_RETRY
    while True:
        before = _identity(path)
        raw = read()
        done = _settled(path, raw)
        if done is not raw or _identity(path) == before or time.monotonic() > deadline:
            return done
        time.sleep(0.02)


def _settled(path: Path, raw: bytes) -> bytes:
    """`raw` (the plan's bytes), or the content of a complete journal still to be written into it."""
    try:
        st = os.stat(path)
    except OSError:
        return raw
    todo = journal.pending(path, st, raw, extends)
    return todo.content if todo is not None else raw


def _identity(path: Path) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
