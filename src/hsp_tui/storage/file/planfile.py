"""Reading and checking the plan file against its declaration (`records`).

Every reader goes through here: the whole file decoded and checked in one pass (`read_plan`), the
file's data already parsed (`plan_from_data`), one record (`record_from_doc`). A damaged file is
refused with one line naming the file, the record and the field, never half read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, NoReturn

import msgspec

from hsp_tui.domain.errors import InputError, PlanFileError
from hsp_tui.domain.rules import TEXT_LIMIT
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import (APP_ID, META, RECS, SCHEMA_VERSION, MetaRecord, PlanFile, PlanMeta, Recommendation)
from hsp_tui.storage.file.validation import explain
from hsp_tui.storage.file.duplicatekeys import item_key as _key, no_duplicate_keys



def validate_data(path: Path, data: Any) -> None:
    """Refuse anything that is not an hsp-tui plan of our schema version, naming the file.

    The file's frame (meta record, tables, each record under its own number); each record's values
    are checked when it is read.
    """
    if not isinstance(data, dict):
        raise PlanFileError(f"{path}: not an hsp-tui plan file (the JSON is not an object)")
    meta_table = data.get(META)
    meta = meta_table.get("1") if isinstance(meta_table, dict) else None
    if not isinstance(meta, dict) or meta.get("app") != APP_ID:
        raise PlanFileError(f"{path}: not an hsp-tui plan file (no hsp-tui 'meta' record); it was left untouched")
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        if isinstance(version, int) and version > SCHEMA_VERSION:
            raise PlanFileError(
                f"{path}: written by a newer hsp-tui (schema version {version}; this version reads "
                f"{SCHEMA_VERSION}); upgrade hsp-tui to open it"
            )
        raise PlanFileError(f"{path}: unsupported schema version {version!r} (expected {SCHEMA_VERSION})")
    recs = data.get(RECS, {})
    if not isinstance(recs, dict):
        raise PlanFileError(f"{path}: the 'recommendations' table is not an object")
    for key, doc in recs.items():  # each record filed under its own number: no two "No. 7"
        number = doc.get("number") if isinstance(doc, dict) else None
        if type(number) is not int or key != str(number):
            _wrong_key(path, key, number)


def build_data(plan: Mapping[str, Any], recommendations: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A complete database from plan metadata and recommendation documents, each checked against
    its declaration (an InputError names the record and the field)."""
    try:
        msgspec.convert(plan, PlanMeta)
    except msgspec.ValidationError as exc:
        raise InputError(f"plan: {explain(exc)}") from None
    recs = {}
    for r in recommendations:
        try:
            rec = msgspec.convert(r, Recommendation)
        except msgspec.ValidationError as exc:
            raise InputError(f"recommendation {r.get('number')}: {explain(exc)}") from None
        recs[str(rec.number)] = dict(r)
    return {META: {"1": {"app": APP_ID, "schema_version": SCHEMA_VERSION, "plan": dict(plan)}}, RECS: recs}


_DECODER = msgspec.json.Decoder(PlanFile)


def restore_hint(path: Path) -> str:
    from hsp_tui.storage.file.planbytes import restore_hint as hint  # noqa: PLC0415 - safefiles only where a file is damaged

    return hint(path)


def read_plan(path: Path, raw: bytes) -> Plan:
    """The plan in the file's bytes, decoded and checked in one pass."""
    try:
        doc = _DECODER.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        refuse(path, raw)
    no_duplicate_keys(path, raw, doc)
    if len(raw) > TEXT_LIMIT and has_long_line(raw):
        no_text_too_long(path, doc.recommendations)
    return _plan(path, doc)


def no_text_too_long(path: Path, recs: Mapping[str, Recommendation]) -> None:
    """Refuse a record holding a text longer than any officer writes (TEXT_LIMIT characters; a
    50 MB owner took half a minute and gigabytes to show), naming it. Only a file larger than the
    limit can hold one, so smaller files are not looked at."""
    for key, rec in recs.items():
        texts = [("recommendation", rec.recommendation), ("owner", rec.owner), ("ref", rec.ref),
                 ("management_response", rec.management_response), ("deadline", rec.deadline)]
        texts += [("history note", h.note) for h in rec.history if h.note]
        texts += [("revision", v.reason) for v in rec.revisions] + [("milestone", m.label) for m in rec.milestones]
        for field, text in texts:
            if len(text) > TEXT_LIMIT:
                raise PlanFileError(f"{path}: recommendation {_key(key)}: the field {field!r} is longer than "
                                    f"{TEXT_LIMIT:,} characters; the file is damaged; {restore_hint(path)}")


SMALL = 8 * 1024 * 1024  # a damaged file up to this size is parsed whole to say what is wrong


def refuse(path: Path, raw: bytes) -> NoReturn:
    """Raise the PlanFileError saying what is wrong with the file whose bytes the typed decoder
    refused. Memory and time stay bounded by the file's size: what cannot be a plan (not an object,
    nested deeper than a plan ever is) is refused at once, and a large file is examined one table and
    one record at a time, never parsed whole into objects (100 MB of `[{},{},...]` would take 3 GB)."""
    from hsp_tui.storage.file.planbytes import parse_json  # noqa: PLC0415 - the files' module only for a file

    if not raw or raw.isspace():
        parse_json(path, raw)  # "the file is empty"
    hint = restore_hint(path)
    try:
        tables = msgspec.json.decode(raw, type=dict[str, msgspec.Raw])
    except RecursionError:
        raise PlanFileError(f"{path}: not valid JSON for a plan (nested deeper than any plan is); {hint}") from None
    except msgspec.ValidationError:
        raise PlanFileError(f"{path}: not an hsp-tui plan file (the JSON is not an object); it was left untouched") from None
    except msgspec.DecodeError as exc:
        if len(raw) <= SMALL:
            parse_json(path, raw)  # orjson's words, as for every damaged file
        raise PlanFileError(f"{path}: not valid JSON ({exc}); {hint}") from None
    if len(raw) <= SMALL:
        plan_from_data(path, parse_json(path, raw))  # small: the whole file, for the clearest message
    meta = _part(path, tables.get(META, b"null"), Any, hint)
    validate_data(path, {META: meta})
    try:
        msgspec.convert(meta["1"], MetaRecord)
    except msgspec.ValidationError as exc:
        raise PlanFileError(f"{path}: the plan's details: {explain(exc, '$.plan')}; {hint}") from None
    if RECS in tables:
        try:
            docs = msgspec.json.decode(tables[RECS], type=dict[str, msgspec.Raw])
        except msgspec.ValidationError:
            raise PlanFileError(f"{path}: the 'recommendations' table is not an object; {hint}") from None
        for key, doc in docs.items():
            rec = _part(path, doc, Recommendation, hint, f"recommendation {_key(key)}: ")
            if str(key) != str(rec.number):
                _wrong_key(path, key, rec.number)
    raise PlanFileError(f"{path}: the file is damaged; {hint}")


def _part(path: Path, raw: bytes, kind: Any, hint: str, what: str = "") -> Any:
    """One table or record of a damaged file, decoded on its own as `kind`."""
    try:
        return msgspec.json.decode(raw, type=kind)
    except RecursionError:
        raise PlanFileError(f"{path}: {what}nested deeper than any plan is; the file is damaged; {hint}") from None
    except msgspec.ValidationError as exc:
        raise PlanFileError(f"{path}: {what}{explain(exc)}; the file is damaged; {hint}") from None


# Records converted per msgspec call. One call holds every other thread of the process for as long
# as it runs (the app's keys while it reads the rest of a plan in a thread: ~0.1 s at 50,000 items
# in one call); between calls another thread can take its turn.
CONVERT_AT_ONCE = 2000


_TABLES = msgspec.json.Decoder(dict[str, msgspec.Raw])
_RECORDS = msgspec.json.Decoder(dict[str, Recommendation])


def read_tables(path: Path, raw: bytes) -> dict[str, Any]:
    """The file's tables as typed records, decoded and checked in one pass, for a backend that keeps
    them between changes: the recommendations as `Recommendation`s by key, the plan's record with its
    details as a `PlanMeta`, and any table that is not ours as the bytes it was (written back as is)."""
    return read_tables_as_written(path, raw, ask=False)[0]


def read_tables_as_written(path: Path, raw: bytes, *, ask: bool = True) -> tuple[dict[str, Any], bool]:
    """`read_tables`, and whether `raw` is exactly the bytes `planbytes.dumps_records` writes for
    those tables (then one record's change may be spliced into them: `planbytes.splice_record`).
    Compared piece by piece (`planbytes.written_as`). A file equal
    to its decoded tables' encoding cannot give a key twice (the decoder keeps one of the two: the
    encoding would be shorter), so the duplicate-key count is not needed then.

    Asked (a note), our two tables are first decoded in one pass (`_OurTables`), which is all a file
    as written holds; any other file (another layout, a table that is not ours, a damaged one) is
    then read again in two passes, the second keeping other tables and saying what is wrong."""
    if ask:
        from hsp_tui.storage.file.planbytes import written_as  # noqa: PLC0415 - the writing side: a note's

        ours = _our_tables(path, raw)
        if ours is not None and _keys_agree(path, ours) and written_as(raw, ours):
            _no_long_text(path, raw, ours)
            return ours, True
    tables = _decoded_tables(path, raw)
    _keys_agree(path, tables)
    as_written = ask and written_as(raw, tables)
    if not as_written:
        no_duplicate_keys(path, raw, tables)
    _no_long_text(path, raw, tables)
    return tables, as_written


def _keys_agree(path: Path, tables: Mapping[str, Any]) -> bool:
    """True, or a PlanFileError naming the record whose key is not its number."""
    for key, rec in tables.get(RECS, {}).items():
        if key != str(rec.number):
            _wrong_key(path, key, rec.number)
    return True


def _no_long_text(path: Path, raw: bytes, tables: Mapping[str, Any]) -> None:
    if len(raw) > TEXT_LIMIT and has_long_line(raw):
        no_text_too_long(path, tables.get(RECS, {}))


class _OurTables(msgspec.Struct, frozen=True, gc=False):
    """The file's two tables of ours, decoded in one pass; a table that is not ours is skipped (a
    file holding one is then not as `_our_tables` found it: it is read again, keeping it)."""

    meta: msgspec.Raw
    recommendations: dict[str, Recommendation] | msgspec.UnsetType = msgspec.UNSET


_OURS = msgspec.json.Decoder(_OurTables)


def _our_tables(path: Path, raw: bytes) -> dict[str, Any] | None:
    """The file's tables (ours only) in one pass; None when they cannot be decoded so (a damaged
    file: the two passes of `_decoded_tables` say what is wrong)."""
    try:
        doc = _OURS.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return None
    tables: dict[str, Any] = {META: doc.meta}
    if doc.recommendations is not msgspec.UNSET:
        tables[RECS] = doc.recommendations
    return _with_meta(path, raw, tables)


def _decoded_tables(path: Path, raw: bytes) -> dict[str, Any]:
    """The file's tables: each decoded first as the bytes it is, then ours as typed records."""
    try:
        tables = _with_meta(path, raw, dict(_TABLES.decode(raw)))
        if RECS in tables:
            tables[RECS] = _RECORDS.decode(tables[RECS])
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        refuse(path, raw)
    return tables


def _with_meta(path: Path, raw: bytes, tables: dict[str, Any]) -> dict[str, Any]:
    """`tables` with the plan's record decoded (its details as a `PlanMeta`), checked to be ours."""
    try:
        tables[META] = meta_table(path, tables[META])
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, KeyError, TypeError):
        refuse(path, raw)
    return tables


def meta_table(path: Path, table: bytes | msgspec.Raw) -> dict[str, Any]:
    """The plan's own table decoded from its bytes, checked to be ours (its details a `PlanMeta`)."""
    decoded = msgspec.json.decode(table)
    validate_data(path, {META: decoded})  # the frame: our app, our schema version
    record = dict(decoded["1"])
    record["plan"] = msgspec.convert(record.get("plan"), PlanMeta)
    return {**decoded, "1": record}


def has_long_line(raw: bytes) -> bool:
    """Whether the file may hold a line of TEXT_LIMIT bytes or more. A JSON string lies on one line
    (never a raw newline in it) and has no more characters than its line has bytes, so without such
    a line no text is over the limit. In blocks of half the limit: such a line covers a whole block,
    so if every block holds a newline there is none (a few hundred searches for 100 MB)."""
    block = TEXT_LIMIT // 2
    return any(raw.find(b"\n", start, start + block) < 0 for start in range(0, len(raw), block))


def tables_meta(tables: Mapping[str, Any]) -> PlanMeta:
    """The plan's details in tables read by `read_tables`."""
    return tables[META]["1"]["plan"]


def tables_plan(tables: Mapping[str, Any]) -> Plan:
    """The plan in tables read by `read_tables` (or made by `plan_tables`)."""
    return Plan(tables_meta(tables), tuple(sorted(tables.get(RECS, {}).values(), key=_number)))


def plan_tables(plan: Plan) -> dict[str, Any]:
    """The tables of a new file for `plan`, each record checked against its declaration first
    (records made in code are not checked when they are built)."""
    build_data(plan.meta.to_dict(), [r.to_dict() for r in plan.recommendations])
    return {META: {"1": {"app": APP_ID, "schema_version": SCHEMA_VERSION, "plan": plan.meta}},
            RECS: {str(r.number): r for r in plan.recommendations}}


def plan_from_data(path: Path, data: Mapping[str, Any]) -> Plan:
    """The plan in the file's data as parsed (dicts), checked as `read_plan` does."""
    validate_data(path, data)
    try:
        recs = data.get(RECS) or {}
        if len(recs) <= CONVERT_AT_ONCE:
            doc = msgspec.convert(data, PlanFile)
        else:
            frame = msgspec.convert({**data, RECS: {}}, PlanFile)
            pairs = list(recs.items())
            converted: dict[str, Recommendation] = {}
            for start in range(0, len(pairs), CONVERT_AT_ONCE):
                converted.update(msgspec.convert(dict(pairs[start:start + CONVERT_AT_ONCE]),
                                                 dict[str, Recommendation]))
            doc = PlanFile(frame.meta, converted)
    except msgspec.ValidationError:
        _find_damage(path, data)
        raise  # pragma: no cover (_find_damage raises)
    return _plan(path, doc)


def _plan(path: Path, doc: PlanFile) -> Plan:
    meta = doc.meta.get("1")
    if meta is None:
        raise PlanFileError(f"{path}: not an hsp-tui plan file (no hsp-tui 'meta' record); it was left untouched")
    if meta.schema_version != SCHEMA_VERSION:
        validate_data(path, {META: {"1": {"app": APP_ID, "schema_version": meta.schema_version}}})
    recs = doc.recommendations
    for key, rec in recs.items():
        if key != str(rec.number):
            _wrong_key(path, key, rec.number)
    return Plan(meta.plan, tuple(sorted(recs.values(), key=_number)))


def _number(rec: Recommendation) -> int:
    return rec.number


def record_from_doc(path: Path, key: str, doc: Any) -> Recommendation:
    """One recommendation of the file (stored under `key`), checked; PlanFileError if damaged."""
    try:
        rec = msgspec.convert(doc, Recommendation)
    except msgspec.ValidationError as exc:
        raise PlanFileError(f"{path}: recommendation {_key(key)}: {explain(exc)}; the file is damaged; "
                            f"{restore_hint(path)}") from None
    if str(key) != str(rec.number):
        _wrong_key(path, key, rec.number)
    return rec


def _wrong_key(path: Path, key: str, number: Any) -> None:
    says = (f"says it is number {number}" if type(number) is int
            else f"field 'number': expected a whole number, not {number!r}")
    raise PlanFileError(f"{path}: recommendation {_key(key)} {says}; the file is damaged "
                        f"(a record's key and its number must agree, each number used once); {restore_hint(path)}")


def _find_damage(path: Path, data: Mapping[str, Any]) -> None:
    """Raise the PlanFileError naming the first damaged record of `data` and its field."""
    try:
        msgspec.convert(data[META]["1"], MetaRecord)
    except msgspec.ValidationError as exc:
        raise PlanFileError(f"{path}: the plan's details: {explain(exc, '$.plan')}; {restore_hint(path)}") from None
    for key, doc in data.get(RECS, {}).items():
        record_from_doc(path, key, doc)
    raise PlanFileError(f"{path}: the file is damaged; {restore_hint(path)}")
