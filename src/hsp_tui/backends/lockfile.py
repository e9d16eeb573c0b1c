"""The plan file's lock: `<name>.lock` beside it, held by whoever saves the plan.

Every save of a plan file (a change, create, replace, and a write through `PlanStorage`) holds it
for the whole read-modify-write, so no update is lost between two processes. Reads take no lock:
a save replaces the file whole (see `safefiles.atomic_write`).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from ..errors import PlanFileError
from ..safefiles import remove_stale_temps

LOCK_TIMEOUT = 15.0


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _plan_mode(path: Path) -> int | None:
    """The lock file's permissions: the plan file's read/write bits, if it exists.

    The owner always gets read and write (a lock file must be writable to be locked, and a
    read-only plan must still give the clear "read-only" refusal, not a lock failure); group
    and others get write where they may write the plan, so a shared folder keeps working.
    """
    try:
        return (os.stat(path).st_mode & 0o666) | 0o600
    except OSError:
        return None


def _widen_lock_mode(lock: Path, mode: int) -> None:
    """Give a lock file made by an older version, or under a narrow umask, the plan's permissions."""
    try:
        st = os.stat(lock)
        if st.st_uid == os.geteuid() and (st.st_mode & 0o666) != mode:
            os.chmod(lock, mode)
    except (OSError, AttributeError):  # not ours, or no geteuid (Windows)
        pass


@contextmanager
def plan_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lock of the plan file `path`; every failure is one PlanFileError line naming it."""
    # The lock file is shared by everyone who saves: it gets the plan file's permissions, not the
    # umask of whoever saved first (a 0644 lock file would shut the rest of a team out).
    lock_file = lock_path(path)
    mode = _plan_mode(path)
    lock = FileLock(str(lock_file), timeout=timeout, **({"mode": mode} if mode is not None else {}))
    try:
        lock.acquire()
    except Timeout:
        raise PlanFileError(
            f"{path}: another hsp-tui has held the lock for over {timeout:.0f}s "
            f"(if none is running, delete {lock_file.name}); nothing was saved"
        ) from None
    except PermissionError as exc:
        hint = (f"ask its owner to let you write to it, or delete it while nobody is saving"
                if lock_file.exists() else f"you cannot create files in {path.parent}")
        raise PlanFileError(
            f"{path}: cannot take the lock file {lock_file.name} ({exc.strerror or exc}: {hint}); "
            "nothing was saved") from None
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot take the lock file {lock_file.name} "
                            f"({exc.strerror or exc}); nothing was saved") from None
    try:
        if mode is not None:
            _widen_lock_mode(lock_file, mode)
        remove_stale_temps(path)  # left by a save that was killed; nobody else writes now
        yield
    finally:
        lock.release()
