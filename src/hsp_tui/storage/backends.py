"""Where a plan is kept: `open_backend` picks the backend a `--db` names (a connection string: the
server, `postgres/`, whose driver is imported only then; else a plan file, `file/`), and offers the
contract every backend implements (declared in `contract`).

A backend reads and writes typed records (`model.Plan`, `records.Recommendation`); it knows nothing of
the domain rules (those are in `domain.commands`) and judges nothing (that is `domain.review`).
`store.Store` runs each change as one `transaction`:

    with backend.transaction(number, by=user, wait=wait) as txn:   # the item locked until the end
        rec = txn.get()                                 # as it is now (NotFoundError if absent)
        stamp = txn.stamp(rec)                          # entry id, time and author of the change
        ...                                             # the command computes the new record
        txn.put(new_rec, entry)                         # saved, with its history entry, at the end
    txn.before, txn.after                               # the plan's change token before and after

Leaving the block by an exception saves nothing. Every backend passes the contract suite in
tests/contract/. To add one: a package beside `file/` and `postgres/` implementing `contract.Backend`,
a branch in `open_backend`, and a `place` for it in tests/contract/conftest.py (docs/architecture.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping

from hsp_tui.storage import targets
from hsp_tui.storage.contract import (Access, Backend, Head, Listener, LockBusy, LockWait, LockWaitCancelled, MetaTransaction,
                                     PlanInfo, Token, Transaction)

__all__ = ["Access", "Backend", "Head", "Listener", "LockBusy", "LockWait", "LockWaitCancelled", "MetaTransaction", "PlanInfo", "Token",
           "Transaction", "is_server_url", "open_backend", "server_target", "set_up_server"]


def is_server_url(target: "str | os.PathLike | None") -> bool:
    """Whether `target` names a PostgreSQL server (a `postgresql://` URI or a libpq key=value
    string), not a plan file; one that looks like a connection string but is not one hsp-tui takes
    is refused (InputError), never taken for a path. (Neither the driver nor `postgres/` is loaded
    for this: `targets`.)"""
    return targets.is_server_url(target)


def server_target(target: "str | os.PathLike | None") -> str | None:
    """The connection string when `target` names a PostgreSQL server, checked as libpq reads it
    (one it would read otherwise than written is refused: InputError); None for a plan file's path."""
    if not is_server_url(target):
        return None
    from hsp_tui.storage.postgres.connect import parse  # noqa: PLC0415 - psycopg only for a server

    parse(str(target))
    return str(target)


def set_up_server(url: str, *, seed: Callable[[], Mapping[str, Any]] | None, out: Callable[[str], None]) -> int:
    """`hsp-tui --db URL init`: create or upgrade the schema on the server `url`, and load `seed()`
    (the seed plan's data) when it holds no plan yet; says what it did through `out`; the exit code."""
    from hsp_tui.storage.postgres.install import run_init  # noqa: PLC0415 - the driver only for a server

    return run_init(url, seed=seed, out=out)


def open_backend(target: str | os.PathLike, **options: Any) -> Backend:
    """The backend for `target`: a PostgreSQL URL (`postgresql://...`) or a plan file's path.

    `options`: every backend takes `long_running` (True for the app: it may keep what it read, and
    listen for changes); the file's own are `clock` and `lock_timeout`.
    """
    if is_server_url(target):
        from hsp_tui.storage.postgres.server import PostgresBackend  # only when asked for: the driver is an extra

        return PostgresBackend(str(target), **options)
    from hsp_tui.storage.file.jsonfile import JsonFileBackend

    return JsonFileBackend(Path(target), **options)
