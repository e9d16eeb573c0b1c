"""The plan file's bytes: its JSON encoding, and reading and parsing it with one-line errors.

Saving it whole (temporary file, fsync, rename, `.bak`) is `safefiles.atomic_write`, or `inplace`
where saves cannot rename over it (other members in a sticky folder); the lock that
makes a read-modify-write one transaction is `backends.lockfile`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import msgspec
import orjson

from hsp_tui.domain.errors import PlanFileError
from hsp_tui.storage.file.inplace import read_plan_file
from hsp_tui.storage.file.safefiles import backup_path


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


_ENCODER = msgspec.json.Encoder()


class Fragments:
    """The bytes each record was last written as, for a program that saves the same plan again and
    again (the app): records are immutable, so a record that is still the same object is written as
    the same bytes, and a save formats only the records that changed."""

    def __init__(self) -> None:
        self._by_key: dict[str, tuple[Any, bytes]] = {}

    def of(self, key: str, doc: Any) -> bytes:
        kept = self._by_key.get(key)
        if kept is not None and kept[0] is doc:
            return kept[1]
        fragment = _document(key, doc)
        if isinstance(doc, msgspec.Struct):
            self._by_key[key] = (doc, fragment)
        return fragment


def dumps_records(tables: dict[str, Any], fragments: Fragments | None = None) -> bytes:
    """The same bytes as `dumps` for a database whose documents are typed records (msgspec Structs:
    the file backend's tables), made without turning them into dicts first: one document at a time
    (as `dumps_by_document`), each formatted once while it stays the same object (`fragments`)."""
    of = fragments.of if fragments is not None else _document

    def documents(table: dict[str, Any]) -> list[bytes]:
        # Each document a part of its own, the commas between them parts too: the file's bytes are
        # then put together once, by the join below (which lets other threads run while it copies);
        # adding up a whole table's bytes with + copied 50 MB at a time while holding every thread.
        parts = [b"{"]
        for key, doc in table.items():
            parts.append(of(key, doc))
            parts.append(b",")
        parts[-1] = b"\n  }"
        return parts

    return b"".join(_layout(tables, documents))


def _layout(tables: dict[str, Any], documents: Callable[[dict[str, Any]], Iterable[bytes | memoryview]]
            ) -> Iterator[bytes | memoryview]:
    """The file's bytes in order: the frame of the tables, each table of documents given by
    `documents(table)` (from its "{" to its "}"), any other value formatted in place."""
    if not tables:
        yield b"{}\n"
        return
    yield b"{"
    last_table = len(tables) - 1
    for t, (name, table) in enumerate(tables.items()):
        yield b"\n  " + _ENCODER.encode(name) + b": "
        if isinstance(table, dict) and table:
            yield from documents(table)
        else:
            yield msgspec.json.format(_ENCODER.encode(table), indent=2).replace(b"\n", b"\n  ")
        if t < last_table:
            yield b","
    yield b"\n}\n"


# Records encoded and indented at once by `written_as`: a few hundred keeps each piece well under a
# megabyte, so the memory of one piece is used again for the next instead of a fresh 100 MB copy
# of the file (whose pages the kernel must first hand out: ~45,000 page faults for 100 MB).
RECORDS_AT_ONCE = 500


def written_as(raw: bytes, tables: dict[str, Any]) -> bool:
    """Whether `raw` is exactly `dumps_records(tables)`: the bytes this backend writes for those
    tables. Compared piece by piece at its place in `raw` (`startswith` at an offset: no copy), the
    records encoded and indented `RECORDS_AT_ONCE` at a time; the first piece that differs ends it."""
    pos = 0
    for piece in _pieces(tables):
        if not raw.startswith(piece, pos):
            return False
        pos += len(piece)
    return pos == len(raw)


def _pieces(tables: dict[str, Any]) -> Iterator[bytes | memoryview]:
    """`dumps_records(tables)` in pieces (`_layout`), the documents of a table formatted several at a
    time: a dict of them inside a list, indented in one call, stands as deep as a table's documents
    do in the file (`[\n  {\n    "1": ...`), so its bytes from its "{" to its "}" are the table's (or,
    after the first piece, without the "{"; before the last, without the "\n  }" but with the
    comma between two documents)."""

    def documents(table: dict[str, Any]) -> Iterator[bytes | memoryview]:
        items = list(table.items())
        for start in range(0, len(items), RECORDS_AT_ONCE):
            listed = msgspec.json.format(_ENCODER.encode([dict(items[start:start + RECORDS_AT_ONCE])]), indent=2)
            text = memoryview(listed)[len(b"[\n  ") + (1 if start else 0):-len(b"\n]")]
            if start + RECORDS_AT_ONCE >= len(items):
                yield text
            else:
                yield text[:-len(b"\n  }")]
                yield b","

    return _layout(tables, documents)


def splice_record(raw: bytes, table: str, key: str, before: Any, after: Any, *,
                  span: tuple[int, int] | None = None) -> list[bytes | memoryview] | None:
    """The file's bytes `raw` with one document of `table` (`before`, filed under `key`) replaced by
    `after`, every other byte as read, in three parts (the bytes before it, its new bytes, the bytes
    after it: written one after the other, never joined into a copy of the whole file); None if
    `before` is not found there as it would be written.

    Only for bytes exactly as `dumps_records` writes them (`planfile.read_tables_as_written`); the
    result is then what `dumps_records` gives for the changed tables. In that layout a raw newline is
    only ever indentation (JSON escapes it in a string), so the table's name at the start of a line
    indented by two spaces is that table's, and its document under `key` at four spaces is the first
    one there: the search starts at the table's name. `span`: where `document_span` found that
    document already (its bytes are then compared in place instead of searched for)."""
    old = _document(key, before)
    if span is not None:
        at = span[0] if span[1] - span[0] == len(old) and raw.startswith(old, span[0]) else -1
    else:
        start = raw.find(b"\n  " + _ENCODER.encode(table) + b": {")
        at = raw.find(old, start) if start >= 0 else -1
    if at < 0:
        return None
    view = memoryview(raw)  # slices without copying
    return [view[:at], _document(key, after), view[at + len(old):]]


def document_span(raw: bytes, table: str, key: str) -> tuple[int, int] | None:
    """Where the document filed under `key` in `table` stands in `raw`, as `_document` gives it
    (from the newline before its key to its closing brace); None when the table has none. Only for
    bytes exactly as `dumps_records` writes them whose last table is `table`: a raw newline there is
    only ever indentation (see `splice_record`), so the table starts at the one line `  "<table>": {`,
    and every line after it that is indented by four spaces and a quote is the key of one of its
    documents (a document's own fields stand deeper; no other table follows): the line of `key` is
    there once at most, wherever it is searched for. A search costs ~0.5 ms a megabyte searched, so
    a numbered key is first looked for near where it stands if the keys go up in even steps (its
    share of the last key, the usual plan); elsewhere, the whole table is searched."""
    start = raw.find(b"\n  " + _ENCODER.encode(table) + b": {\n")
    if start < 0:
        return None
    line = b"\n    " + _ENCODER.encode(key) + b": {"
    at = -1
    last = raw.rfind(b'\n    "', start)
    if key.isdigit() and len(key) < 16 and last > start:
        last_key = raw[last + 6:raw.find(b'"', last + 6)]
        if last_key.isdigit() and len(last_key) < 16 and int(last_key) > 0:
            guess = start + (last - start) * min(int(key), int(last_key)) // int(last_key)
            at = raw.find(line, max(start, guess - _NEAR), guess + _NEAR)
    if at < 0:
        at = raw.find(line, start)
    if at < 0:
        return None
    close = raw.find(b"\n    }", at)
    return None if close < 0 else (at, close + len(b"\n    }"))


_NEAR = 256 * 1024  # bytes searched on either side of where a key is guessed to be (~0.25 ms)


def table_span(raw: bytes, table: str) -> tuple[int, int] | None:
    """Where the value of `table` (from its "{" to its "}") stands in `raw`, for bytes as
    `dumps_records` writes them and a table of documents (see `document_span`); None when absent.
    The search for its end costs as much as the table's bytes: for the plan's own (first) table."""
    name = b"\n  " + _ENCODER.encode(table) + b": {\n"
    start = raw.find(name)
    end = raw.find(b"\n  }", start) if start >= 0 else -1
    return None if end < 0 else (start + len(name) - 2, end + len(b"\n  }"))


def _document(key: str, doc: Any) -> bytes:
    """One document of a table, as it stands in the file (its key, indented under the table)."""
    return (b"\n    " + _ENCODER.encode(key) + b": "
            + msgspec.json.format(_ENCODER.encode(doc), indent=2).replace(b"\n", b"\n    "))


def read_json(path: Path) -> Any:
    """Parse a JSON file; every failure is a PlanFileError naming the file."""
    return parse_json(path, read_plan_bytes(path))


def read_plan_bytes(path: Path) -> bytes:
    hint = f"; {restore_hint(path)}" if backup_path(path).exists() else ""
    return read_plan_file(path, missing_hint=hint)


def parse_json(path: Path, raw: bytes) -> Any:
    """Parse the bytes read from `path`; every failure is a PlanFileError naming the file."""
    if not raw or raw.isspace():  # not raw.strip(): that copies the whole file
        raise PlanFileError(f"{path}: the file is empty; {restore_hint(path)}")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PlanFileError(f"{path}: not valid JSON ({exc}); {restore_hint(path)}") from None


def restore_hint(path: Path) -> str:
    bak = backup_path(path)
    if bak.exists():
        return (f"the copy from before the last save is {bak}: copy it over {path.name} to restore it "
                "(that last save is then lost)")
    return "no backup copy exists beside it"
