"""Where a plan is kept: the Backend protocol every store of plans implements, and `open_backend`.

A backend reads and writes typed records (`model.Plan`, `model.Recommendation`); it knows nothing of
the domain rules (those are in `commands`) and judges nothing (that is `review`). `store.Store`
runs each change as one `transaction`:

    with backend.transaction(number, by=user) as txn:   # the item locked until the end
        rec = txn.get()                                 # as it is now (NotFoundError if absent)
        stamp = txn.stamp(rec)                          # entry id, time and author of the change
        ...                                             # the command computes the new record
        txn.put(new_rec, entry)                         # saved, with its history entry, at the end
    txn.before, txn.after                               # the plan's change token before and after

Leaving the block by an exception saves nothing. Every backend passes the contract suite in
tests/contract/ (add a new one to its `backend` fixture). To add a backend: one module in this
package implementing `Backend` (declared in `contract`), a branch in `open_backend`, and the
fixture.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hsp_tui.storage.contract import Backend, Head, MetaTransaction, PlanInfo, Token, Transaction

__all__ = ["Backend", "Head", "MetaTransaction", "PlanInfo", "Token", "Transaction", "open_backend"]


def open_backend(target: str | os.PathLike, **options: Any) -> Backend:
    """The backend for `target`: a PostgreSQL URL (`postgresql://...`) or a plan file's path.

    `options`: every backend takes `long_running` (True for the app: it may keep what it read, and
    listen for changes); the file's own are `clock` and `lock_timeout`.
    """
    from hsp_tui.storage.postgres.connect import is_server_url

    if is_server_url(target):
        from hsp_tui.storage.postgres.server import PostgresBackend  # only when asked for: the driver is an extra

        return PostgresBackend(str(target), **options)
    from hsp_tui.storage.file.jsonfile import JsonFileBackend

    return JsonFileBackend(Path(target), **options)
