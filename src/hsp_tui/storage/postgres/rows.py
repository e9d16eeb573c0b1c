"""Rows of the server's item and history tables made into typed records (`model.Recommendation`).

A whole plan is read as two streams ordered by number (the items, their history), merged here as
they come: each item is made a record as soon as its rows are in, so a large plan is never held
twice (as rows and as records) and the server-side cursors that feed it hold one batch at a time.

Values that repeat by nature (an owner, a deadline as written, a status, a ref; an entry's time,
author and action: one import stamps every item alike) are kept once per distinct value, as one
text object shared by every record that has it. The recommendations' own texts are not: they are
each item's own.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from hsp_tui.domain.records import HistoryEntry, Recommendation, field_names

# The columns are the records' own fields, as declared (hsp.item and hsp.history name their columns
# so; tests/server/test_conformance.py checks the tables hold them): an item's fields but its
# history; an entry's fields, then the number of the item it belongs to.
ITEM_FIELDS = tuple(n for n in field_names(Recommendation) if n != "history")
HISTORY_FIELDS = field_names(HistoryEntry)
ITEM_COLUMNS = ", ".join(f'"{n}"' for n in ITEM_FIELDS)
HISTORY_COLUMNS = ", ".join(f'"{n}"' for n in HISTORY_FIELDS) + ", number"
_NUMBER = ITEM_FIELDS.index("number")
# The fields whose values repeat by nature, shared as below.
SHARED_ITEM = ("ref", "deadline", "owner", "status")
SHARED_ENTRY = ("at", "by", "action", "field", "old", "new", "note")
# The plan's version, as the server counts it (hsp.plan_version: the sum of the plan's few counter
# slots; every committed change adds one, in a slot no other change holds): read in O(1).
TOKEN_COLUMN = "hsp.plan_version(p.id)"
TOKEN_SQL = f"SELECT p.id, {TOKEN_COLUMN} FROM hsp.plan p"
SHARED_UP_TO = 80  # texts this long or shorter, in the repeating fields, are shared


class Shared(dict):
    """One object per distinct short text: `shared(text)` is the first equal text seen."""

    def __call__(self, value: Any) -> Any:
        if type(value) is not str or len(value) > SHARED_UP_TO:
            return value
        return self.setdefault(value, value)


def _reader(fields: tuple[str, ...], repeating: tuple[str, ...], *, history: bool = False):
    """A function making a row of `fields` (in that order) into a dict of them, the `repeating`
    ones shared: written out from the declared names as one dict display, as fast as a reader
    written by hand (the way dataclasses writes its methods). With `history`: `read(row, history,
    shared)` adds the item's history entries."""
    values = ", ".join(f"{name!r}: " + (f"shared(row[{i}])" if name in repeating else f"row[{i}]")
                       for i, name in enumerate(fields))
    extra = ", 'history': history" if history else ""
    code = (f"def read(row, {'history, ' if history else ''}shared):\n"
            f"    return {{{values}{extra}}}\n")
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - the code is made from the Structs' field names only
    return namespace["read"]


# A row of HISTORY_COLUMNS as the entry's fields (the item's number, last, left out); a row of
# ITEM_COLUMNS, with its history, as the item's fields.
entry = _reader(HISTORY_FIELDS, SHARED_ENTRY)
doc = _reader(ITEM_FIELDS, SHARED_ITEM, history=True)


def records(items: Iterable[tuple], history: Iterable[tuple]) -> Iterator[Recommendation]:
    """The records of `items` with their `history`, both ordered by number (history by id within)."""
    shared = Shared()
    entries = iter(history)
    pending = next(entries, None)
    for row in items:
        number = row[_NUMBER]
        while pending is not None and pending[-1] < number:  # history of no item read here: not ours
            pending = next(entries, None)
        mine = []
        while pending is not None and pending[-1] == number:
            mine.append(entry(pending, shared))
            pending = next(entries, None)
        yield Recommendation.from_dict(doc(row, mine, shared))
