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

from hsp_tui.domain.records import Recommendation

ITEM_COLUMNS = ("number, ref, recommendation, management_response, deadline, owner, status, milestones, "
                "revisions, repairs")
HISTORY_COLUMNS = "number, id, at, by, action, field, old, new, note, undoes"
SHARED_UP_TO = 80  # texts this long or shorter, in the repeating fields, are shared


class Shared(dict):
    """One object per distinct short text: `shared(text)` is the first equal text seen."""

    def __call__(self, value: Any) -> Any:
        if type(value) is not str or len(value) > SHARED_UP_TO:
            return value
        return self.setdefault(value, value)


def entry(row: tuple, shared: Shared) -> dict[str, Any]:
    _, hid, at, by, action, field, old, new, note, undoes = row
    out = {"id": hid, "at": shared(at), "by": shared(by), "action": shared(action), "field": shared(field),
           "old": shared(old), "new": shared(new), "note": shared(note)}
    if undoes is not None:
        out["undoes"] = undoes
    return out


def doc(row: tuple, history: list[dict[str, Any]], shared: Shared) -> dict[str, Any]:
    number, ref, text, response, deadline, owner, status, milestones, revisions, repairs = row
    return {"number": number, "ref": shared(ref), "recommendation": text, "management_response": response,
            "deadline": shared(deadline), "owner": shared(owner), "status": shared(status),
            "milestones": milestones, "revisions": revisions, "history": history, "repairs": repairs}


def records(items: Iterable[tuple], history: Iterable[tuple]) -> Iterator[Recommendation]:
    """The records of `items` with their `history`, both ordered by number (history by id within)."""
    shared = Shared()
    entries = iter(history)
    pending = next(entries, None)
    for row in items:
        number = row[0]
        while pending is not None and pending[0] < number:  # history of no item read here: not ours
            pending = next(entries, None)
        mine = []
        while pending is not None and pending[0] == number:
            mine.append(entry(pending, shared))
            pending = next(entries, None)
        yield Recommendation.from_dict(doc(row, mine, shared))
