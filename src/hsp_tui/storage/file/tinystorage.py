"""`PlanStorage`: a drop-in TinyDB storage for a plan file. `TinyDB(path, storage=PlanStorage)` works
as `TinyDB(path)` does, only every write replaces the file whole (never half-written) under the
plan's lock, as the file backend (`jsonfile`) saves it; tests/test_tinydb_storage.py checks that
TinyDB, with this storage or its own, reads what the backend writes, and the backend what TinyDB
writes. Kept apart from the backend so that a command, which never goes through TinyDB, does not
import it.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any, Mapping

import orjson
from tinydb.storages import Storage, touch

from hsp_tui.storage.file.inplace import read_plan_file, save_plan
from hsp_tui.storage.file.lockfile import LOCK_TIMEOUT, plan_lock
from hsp_tui.storage.file.paths import plan_file
from hsp_tui.storage.file.planbytes import dumps


def encode(data: Any, encoding: str | None = None, json_options: Mapping[str, Any] | None = None) -> bytes:
    """The file's bytes for `data`: indented UTF-8 JSON (see `planbytes.dumps`); with JSON options or
    another encoding, exactly what TinyDB's own JSONStorage would write (`json.dumps(data, **options)`)."""
    if not json_options and (encoding or "utf-8").lower().replace("-", "").replace("_", "") == "utf8":
        return dumps(data)
    return json.dumps(data, **(json_options or {})).encode(encoding or "utf-8")


class PlanStorage(Storage):
    """A TinyDB storage with the arguments of TinyDB's JSONStorage (`create_dirs`, `encoding`,
    `access_mode`, JSON options for `json.dumps`) that writes atomically, under the plan's lock, and
    keeps the previous version as `<name>.bak`. Without JSON options it writes indented UTF-8."""

    lock_timeout = LOCK_TIMEOUT  # seconds a write waits for the plan's lock

    def __init__(self, path: str | os.PathLike, create_dirs: bool = False, encoding: str | None = None,
                 access_mode: str = "r+", **kwargs: Any) -> None:
        super().__init__()
        self.path = Path(path)
        self._mode = access_mode
        self._encoding = encoding
        self.kwargs = kwargs
        if access_mode not in ("r", "rb", "r+", "rb+"):
            warnings.warn("Using an `access_mode` other than 'r', 'rb', 'r+' or 'rb+' can cause data loss or "
                          "corruption")
        if any(c in access_mode for c in "+wa"):
            touch(str(path), create_dirs=create_dirs)
        # Opened once as TinyDB's storage opens it, for the same errors (bad folder, mode, encoding);
        # 'w' becomes 'a', which is as valid but does not empty the file.
        open(path, mode=access_mode.replace("w", "a"), encoding=encoding).close()
        self.path = plan_file(self.path)  # a link: saves, lock and backup beside the real file

    def read(self) -> dict[str, dict[str, Any]] | None:
        raw = read_plan_file(self.path)
        if not raw:
            return None  # a new database: TinyDB starts it
        if self.kwargs or self._encoding not in (None, "utf-8", "utf8", "UTF-8"):
            return json.loads(raw.decode(self._encoding or "utf-8"))
        return orjson.loads(raw)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if not any(c in self._mode for c in "+wa"):
            raise IOError(f'Cannot write to the database. Access mode is "{self._mode}"')
        payload = encode(data, self._encoding, self.kwargs)
        with plan_lock(self.path, self.lock_timeout) as lock:
            save_plan(self.path, payload, check=lock.verify)
