"""One change of a plan file, under its lock: of one recommendation (`FileTransaction`) or of the
plan's own record (`MetaTransaction`), on the tables the file backend read (`jsonfile`), or, for a
file this user's hsp-tui knows (`checked`), on the one record it changes (`read_one`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, NamedTuple

import msgspec

from hsp_tui.domain.commands import Stamp
from hsp_tui.domain.errors import NotFoundError, PlanFileError
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import META, RECS, HistoryEntry, PlanMeta, Recommendation
from hsp_tui.domain.rules import next_entry_id
from hsp_tui.storage.file.planbytes import document_span, table_span
from hsp_tui.storage.file.planfile import meta_table, no_text_too_long, read_tables, tables_meta, tables_plan


class OneRecord(NamedTuple):
    """A plan file read for one of its records only (`read_one`)."""

    raw: bytes
    tables: dict[str, Any]  # the plan's own table only, as `read_tables` gives it
    record: Recommendation | None  # None: the plan has no record of that number
    span: tuple[int, int] | None  # where its bytes stand (`planbytes.document_span`)


_RECORD = msgspec.json.Decoder(Recommendation)


def read_one(path: Path, raw: bytes, number: int) -> OneRecord | None:
    """The plan's own record and record `number` of a file whose bytes are known to be a plan laid
    out exactly as hsp-tui writes it, with our tables only, the plan's own first (`checked`: found
    so before, or written so), decoded without the other records: their places are found by that
    layout (`planbytes.table_span`, `document_span`). None when they are not found so (the caller
    then reads the file whole, which says what is wrong)."""
    meta = table_span(raw, META)
    if meta is None:
        return None
    key = str(number)
    span = document_span(raw, RECS, key)
    try:
        tables = {META: meta_table(path, raw[meta[0]:meta[1]])}
        if span is None:
            return OneRecord(raw, tables, None, None)
        record = _RECORD.decode(raw[raw.index(b": ", span[0]) + 2:span[1]])
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, KeyError, TypeError, ValueError,
            PlanFileError):
        return None
    return OneRecord(raw, tables, record, span) if str(record.number) == key else None


def reads_back(path: Path, key: str, rec: Recommendation) -> bool:
    """Whether `rec`, filed under `key`, reads back from the file as itself: checked against its
    declaration (a record made in code is not checked when it is built), no text over the limit."""
    try:
        back = _RECORD.decode(msgspec.json.encode(rec))
        no_text_too_long(path, {key: back})
    except (msgspec.ValidationError, msgspec.DecodeError, PlanFileError):
        return False
    return back == rec and key == str(back.number)


class FileTransaction:
    """One change of one recommendation, under the plan's lock (see `backends.Transaction`).

    Its tables (`data`) are the file as it is now, typed records, its own copy. A file whose bytes
    this user's hsp-tui knows (`checked`) is read for the plan's own record and this one only
    (`one`): the other records are decoded only if `data` or `plan()` is asked for."""

    def __init__(self, path: Path, clock: Callable[[], str], number: int, by: str, data: dict[str, Any] | None,
                 before: Any, one: OneRecord | None = None) -> None:
        self._path, self._clock, self._number, self._by = path, clock, int(number), by
        self._data, self._one = data, one  # one of the two is given
        self.before = self.after = before
        self.put_record: Recommendation | None = None
        self.replaced: Recommendation | None = None  # the record as read, before the first put

    @property
    def data(self) -> dict[str, Any]:
        """The tables, with this transaction's put (a file read for one record: decoded whole now)."""
        if self._data is None:
            assert self._one is not None
            data = read_tables(self._path, self._one.raw)
            if self.put_record is not None:
                data[RECS] = {**data.get(RECS, {}), str(self._number): self.put_record}
            self._data = data
        return self._data

    @property
    def span(self) -> tuple[int, int] | None:
        """Where the record's bytes stand in the file, when it was read for this record only."""
        return self._one.span if self._one is not None else None

    @property
    def meta(self) -> PlanMeta:
        return tables_meta(self._data if self._data is not None or self._one is None else self._one.tables)

    def get(self) -> Recommendation:
        if self._data is None:
            rec = self.put_record or self._one.record
        else:
            rec = self.data.get(RECS, {}).get(str(self._number))
        if rec is None:
            raise NotFoundError(f"no recommendation {self._number} in {self._path}")
        return rec

    def stamp(self, rec: Recommendation) -> Stamp:
        return Stamp(next_entry_id((h.id for h in rec.history), f"recommendation {rec.number}"), self._clock(), self._by)

    def put(self, rec: Recommendation, entry: HistoryEntry) -> None:
        if rec.number != self._number or not rec.history or rec.history[-1] != entry:
            raise ValueError("a transaction puts its own recommendation, its entry last in its history")
        if self.put_record is None:
            self.replaced = self._one.record if self._data is None else self._data[RECS].get(str(self._number))
        self.put_record = rec
        if self._data is not None:  # a new table: the one kept never changes
            self._data[RECS] = {**self._data[RECS], str(self._number): rec}

    def plan(self) -> Plan:
        return tables_plan(self.data)


class MetaTransaction:
    """One change of the plan's own record (see `JsonFileBackend.meta_transaction`)."""

    def __init__(self, clock: Callable[[], str], by: str, data: dict[str, Any]) -> None:
        self._clock, self._by, self.data = clock, by, data
        self.put_meta: PlanMeta | None = None

    def get(self) -> PlanMeta:
        return tables_meta(self.data)

    def stamp(self, meta: PlanMeta) -> Stamp:
        return Stamp(next_entry_id((h.id for h in meta.history), "the plan"), self._clock(), self._by)

    def put(self, meta: PlanMeta) -> None:
        self.put_meta = meta
        self.data[META] = {**self.data[META], "1": {**self.data[META]["1"], "plan": meta}}
