"""No key given twice in the plan file: a table, a record's number, or a field of a record.

JSON decoders keep the last of two values given under one key silently (`"owner": "A", "owner":
"B"`), and the next save would drop the first: such a file is refused, naming what is given twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from hsp_tui.domain.errors import PlanFileError
from hsp_tui.domain.records import META, RECS


def item_key(key: Any) -> str:
    """A record's key as a message names it: the number as is, anything else quoted."""
    return str(key) if str(key).isascii() and str(key).isdigit() else repr(key)


_COUNTER = msgspec.json.Encoder()


def no_duplicate_keys(path: Path, raw: bytes, decoded: Any) -> None:
    """Refuse a file that gives a key twice in one object (`"owner": "A", "owner": "B"`, or a record's
    number twice): JSON decoders keep the last one silently, and the next save would drop the first.

    Cheap on every read: the keys of the file (each `":`) are counted against those of what was
    decoded, encoded again (a file hsp-tui wrote gives the same count). Only when they differ (a
    duplicate, or a file written otherwise) is the file parsed again to find the duplicate, which is
    named: "recommendation 5: the field 'owner' is given twice"."""
    if raw.count(b'":') == _COUNTER.encode(decoded).count(b'":'):
        return
    try:
        top = json.loads(raw, object_pairs_hook=list)
    except (ValueError, RecursionError):
        return  # the decoders above read it: nothing more to say
    if not isinstance(top, list):
        return
    from hsp_tui.storage.file.planbytes import restore_hint  # noqa: PLC0415 - only for a damaged file

    hint = restore_hint(path)
    twice = _twice(top)
    if twice is not None:
        raise PlanFileError(f"{path}: the table {twice!r} is given twice; the file is damaged; {hint}")
    for name, table in top:
        if not isinstance(table, list):
            continue
        twice = _twice(table)
        if twice is not None:
            what = f"recommendation {item_key(twice)}" if name == RECS else f"record {twice!r} of the table {name!r}"
            raise PlanFileError(f"{path}: {what} is given twice; the file is damaged "
                                f"(each number used once); {hint}")
        for key, doc in table:
            field = _nested_twice(doc)
            if field is not None:
                what = f"recommendation {item_key(key)}" if name == RECS else "the plan's details" if name == META \
                    else f"record {key!r} of the table {name!r}"
                raise PlanFileError(f"{path}: {what}: the field {field!r} is given twice (which one is meant?); "
                                    f"the file is damaged; {hint}")


def _twice(pairs: list) -> str | None:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    return None


def _nested_twice(value: Any) -> str | None:
    """The first key given twice in an object anywhere inside `value` (parsed as lists of pairs)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if not isinstance(item, list):
            continue
        if item and all(isinstance(p, tuple) and len(p) == 2 for p in item):
            twice = _twice(item)
            if twice is not None:
                return twice
            stack.extend(v for _, v in item)
        else:
            stack.extend(item)
    return None
