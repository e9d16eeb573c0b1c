"""The plan file's lock: `<name>.lock` beside it, held by whoever saves the plan.

Every save of a plan file (a change, create, replace, and a write through `PlanStorage`) holds it
for the whole read-modify-write, so no update is lost between two processes. Reads take no lock:
a save replaces the file whole (see `safefiles.atomic_write`), except another member's save in a
sticky folder, which writes into the plan with a journal (see `inplace`: the holder of the lock
first finishes any such save that was cut short). How the lock is taken, checked and
waited for (flock, never stale, harmless to delete, the holder named) is `planlock`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from hsp_tui.storage.contract import LockWait
from hsp_tui.storage.file.inplace import holding, recover
from hsp_tui.storage.file.planlock import PlanLock
from hsp_tui.storage.file.safefiles import lock_path, remove_stale_temps

__all__ = ["LOCK_TIMEOUT", "lock_path", "plan_lock"]

LOCK_TIMEOUT = 15.0


@contextmanager
def plan_lock(path: Path, timeout: float = LOCK_TIMEOUT, wait: LockWait | None = None) -> Iterator[PlanLock]:
    """Hold the lock of the plan file `path`, waiting `timeout` seconds or as `wait` says (see
    `contract.LockWait`); every failure is one PlanFileError line naming it.

    A new lock file is shared by everyone who saves: it gets the plan file's group and read/write
    bits (the owner always read and write), not the umask and group of whoever saved first.
    """
    try:
        st: os.stat_result | None = os.stat(path)
    except OSError:
        st = None
    with PlanLock(lock_path(path), plan_path=path, timeout=timeout,
                  mode=(st.st_mode & 0o666) | 0o600 if st is not None else None,
                  group=st.st_gid if st is not None else None,
                  owner=st.st_uid if st is not None else None, wait=wait) as lock:
        remove_stale_temps(path)  # left by a save that was killed; nobody else writes now
        with holding(path):
            recover(path)  # a save in place cut short: finished before anyone reads the plan
            yield lock
