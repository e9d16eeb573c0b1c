"""A TinyDB storage that saves atomically, and the lock that makes each change one transaction.

TinyDB's stock JSONStorage rewrites its file in place (seek, write, truncate): a kill in between
leaves a broken file, and two processes overwrite each other. This storage instead

* reads the whole file once per transaction and hands TinyDB that parsed copy;
* writes a complete new file beside the old one (same folder), fsyncs it and `os.replace`s it over
  the old, so a reader sees the old file or the new one, never a mix;
* keeps the previous version as `<name>.bak` (a hard link to the old file, so it costs no copy).

The inter-process lock (`filelock`, a `<name>.lock` file beside the plan) is taken by `Store` around
the whole read-modify-write, not inside `read()`/`write()`, so no update is lost between them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Callable

import orjson
from tinydb.storages import Storage

from .errors import PlanFileError
from .heap import bulk
from .safefiles import atomic_write, backup_path, read_bytes


INDENT = orjson.OPT_INDENT_2
BY_DOCUMENT_FROM = 2000  # documents in one table


def dumps(data: Any) -> bytes:
    """UTF-8 JSON, indented so that people can read and diff the file.

    A large plan is written one document at a time (`dumps_by_document`, the same bytes): a
    single orjson call on a 50 MB plan holds up every other thread of the process (the app's
    keys) for ~0.1 s.
    """
    if isinstance(data, dict) and any(isinstance(t, dict) and len(t) >= BY_DOCUMENT_FROM for t in data.values()):
        return dumps_by_document(data)
    return orjson.dumps(data, option=INDENT) + b"\n"


def dumps_by_document(data: dict[str, Any]) -> bytes:
    """Exactly `orjson.dumps(data, option=OPT_INDENT_2) + b"\\n"` for a dict of tables (dicts of
    documents), made with one orjson call per document (newlines inside strings are escaped in
    JSON, so every newline in a document's text is indentation and can be indented further)."""
    if not data:
        return b"{}\n"
    parts = [b"{"]
    last_table = len(data) - 1
    for t, (name, table) in enumerate(data.items()):
        parts.append(b"\n  " + orjson.dumps(name) + b": ")
        if isinstance(table, dict) and table:
            parts.append(b"{")
            last = len(table) - 1
            for k, (key, doc) in enumerate(table.items()):
                parts.append(b"\n    " + orjson.dumps(key) + b": "
                             + orjson.dumps(doc, option=INDENT).replace(b"\n", b"\n    ")
                             + (b"," if k < last else b""))
            parts.append(b"\n  }")
        else:
            parts.append(orjson.dumps(table, option=INDENT).replace(b"\n", b"\n  "))
        if t < last_table:
            parts.append(b",")
    parts.append(b"\n}\n")
    return b"".join(parts)


def read_json(path: Path) -> Any:
    """Parse a JSON file; every failure is a PlanFileError naming the file."""
    return parse_json(path, read_plan_bytes(path))


def read_plan_bytes(path: Path) -> bytes:
    hint = f"; {restore_hint(path)}" if backup_path(path).exists() else ""
    return read_bytes(path, PlanFileError, missing_hint=hint)


def parse_json(path: Path, raw: bytes) -> Any:
    """Parse the bytes read from `path`; every failure is a PlanFileError naming the file."""
    if not raw or raw.isspace():  # not raw.strip(): that copies the whole file
        raise PlanFileError(f"{path}: the file is empty; {restore_hint(path)}")
    try:
        with bulk():
            return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PlanFileError(f"{path}: not valid JSON ({exc}); {restore_hint(path)}") from None


def restore_hint(path: Path) -> str:
    bak = backup_path(path)
    if bak.exists():
        return (f"the copy from before the last save is {bak}: copy it over {path.name} to restore it "
                "(that last save is then lost)")
    return "no backup copy exists beside it"


class AtomicJSONStorage(Storage):
    """TinyDB storage: one parse per transaction, atomic whole-file writes.

    `validate` is called on the parsed data before TinyDB sees it, so a foreign file is refused
    before anything could be written over it.
    """

    def __init__(self, path: str | os.PathLike, validate: Callable[[Path, Any], None] | None = None,
                 encoding: str = "utf-8", remember: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self._validate = validate
        self._data: Any = None
        self.writes = 0
        self.remember = remember  # keep `saved` after a write
        self.saved: tuple[bytes, Any] | None = None  # (SHA-256 of the bytes written, the data written)
        if encoding.lower().replace("-", "") != "utf8":
            raise ValueError("plan files are always UTF-8")

    def preload(self, data: dict[str, dict[str, Any]]) -> None:
        """The file as already read, parsed and validated (by the caller, under its lock)."""
        self._data = data

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            data = read_json(self.path)
            if self._validate is not None:
                self._validate(self.path, data)
            self._data = data
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        try:
            payload = dumps(data)
        except (TypeError, orjson.JSONEncodeError) as exc:
            self._data = None
            raise PlanFileError(f"{self.path}: could not save ({exc}); the file is unchanged") from None
        try:
            atomic_write(self.path, payload)
        except PlanFileError:
            self._data = None  # what TinyDB changed in memory was not saved: forget it
            raise
        self._data = data
        self.writes += 1
        if self.remember:
            self.saved = (hashlib.sha256(payload).digest(), data)  # hashing lets other threads run

    def close(self) -> None:
        self._data = None
