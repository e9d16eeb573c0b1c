"""Import plans from CSV or JSON, and export them as JSON or CSV (Markdown: see `report`).

Imports are checked completely before anything is written: a bad row refuses the whole file, with
the file and line named, so nothing is ever half-imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

import msgspec
import orjson

from .csvdates import take_date_columns
from .deadlines import parse_deadline
from .errors import InputError
from .planfile import build_data, check_text, explain
from .records import MAX_ID, TIMESTAMP_PATTERN, Action, PlanMeta, Recommendation, Status
from .review import Review
from .schema import export_items, export_json, export_records  # noqa: F401 (the JSON export, imported from here)
from .safefiles import read_bytes

CSV_COLUMNS = ("number", "ref", "recommendation", "management_response", "deadline", "owner")
# Columns our own CSV export adds: accepted on import (status is used, the rest are derived and ignored).
CSV_OPTIONAL = ("status", "email",  # email: the owner's address(es) for reminders, ';'-separated
                "plan_date", "current_deadline", "milestones_done")  # keep due dates whole: see csvdates
CSV_DERIVED = ("due", "overdue", "days_overdue", "due_soon", "revised",
               "latest_note", "status_label")
EXPORT_CSV_COLUMNS = ("number", "ref", "recommendation", "management_response", "owner", "deadline",
                      "current_deadline", "due", "status", "overdue", "days_overdue", "revised",
                      "latest_note", "milestones_done", "plan_date")
MAX_CELL = 1_000_000
# What a spreadsheet reads as the start of a formula: = + - @ (also full-width), after any leading
# spaces (NBSP and other Unicode spaces too); and a cell starting with a tab, CR or LF.
FORMULA_CHARS = "=+-@\uff1d\uff0b\uff0d\uff20"
CONTROL_START = ("\t", "\r", "\n")
GUARD = "'"
PLAIN_NUMBER = re.compile(r"[0-9]+\.?")  # ASCII digits; Appendix A writes "7."


@dataclass
class ImportResult:
    data: dict[str, Any]  # a complete database, ready for Store.create/replace
    count: int
    warnings: list[str] = field(default_factory=list)


# -- import ------------------------------------------------------------------------------------
def read_plan_file(path: Path, *, by: str, at: str, title: str | None = None,
                   plan_date: date | None = None) -> ImportResult:
    """Read a CSV (Appendix A columns) or a JSON export/seed into a complete database."""
    raw = read_bytes(path, InputError)
    if path.suffix.lower() == ".json" or raw.removeprefix(BOM).lstrip(b" \t\r\n")[:1] in (b"{", b"["):
        return _read_json(path, raw, by=by, at=at)
    return _read_csv(path, raw, by=by, at=at, title=title, plan_date=plan_date)


BOM = "\ufeff".encode("utf-8")


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16 with a BOM
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not valid UTF-16 text (byte {exc.start}): "
                             "save it as 'CSV UTF-8' and import again") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start: exc.start + 1].hex()
        raise InputError(
            f"{path}, line {line}: not UTF-8 (byte 0x{bad}; probably Windows-1252 from Excel): "
            "save it as 'CSV UTF-8' and import again"
        ) from None


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab that Excel uses in some locales / for 'Unicode text',
    whichever makes the first line a header with all our columns."""
    first = text.split("\n", 1)[0]
    for delim in (",", ";", "\t"):
        names = {h.strip().lower().replace(" ", "_") for h in first.split(delim)}
        if all(c in names for c in CSV_COLUMNS):
            return delim
    return ","


def _formula_like(value: str) -> bool:
    """A spreadsheet would read this cell as a formula (or it hides one behind a control)."""
    return value.startswith(CONTROL_START) or value.lstrip()[:1] in tuple(FORMULA_CHARS)


def _guarded(value: str) -> bool:
    """The text needs our guard on export: it is formula-like, or it is guard characters before
    formula-like text (an officer's own "'=literal"), which the import would otherwise take for a
    guard. Export adds one guard exactly where this holds; import removes one exactly where the
    rest holds: every text round-trips unchanged."""
    return _formula_like(value.lstrip(GUARD))


def _unneutralise(value: str) -> str:
    """Undo our own export's guard ("'=SUM" -> "=SUM", "''=x" -> "'=x") so CSV round-trips."""
    if value.startswith(GUARD) and _guarded(value[1:]):
        return value[1:]
    return value


# Appendix A's own headings, as an officer pastes them from the report, and a few common variants.
COLUMN_ALIASES = {"no": "number", "no.": "number", "num": "number", "ref.": "ref", "reference": "ref",
                  "response": "management_response", "due_date": "deadline", "deadline_agreed": "deadline",
                  "responsible_officer": "owner", "lead_officer": "owner"}


def _column_name(heading: str) -> str:
    name = "_".join(heading.strip().lower().split())
    return COLUMN_ALIASES.get(name, name)


def _read_csv(path: Path, raw: bytes, *, by: str, at: str, title: str | None,
              plan_date: date | None) -> ImportResult:
    text = _decode(path, raw)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL * 4 + 16)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path}: the file is empty") from None
        names = [_column_name(h) for h in header]
        if "implementation_details" in names:
            raise InputError(f"{path}, line 1: split the 'Implementation details' column into two columns, "
                             "deadline and owner (e.g. 'April 2010' and 'Assistant Chief Executive')")
        # Excel adds columns with no name (and nothing in them) when cells beside the table were ever
        # formatted: they are ignored, as long as they stay empty.
        while names and names[-1] == "":
            names.pop()
        blank_cols = len(header) - len(names)
        header = header[: len(names)]
        missing = [c for c in CSV_COLUMNS if c not in names]
        if missing:
            raise InputError(f"{path}, line 1: missing column(s) {', '.join(missing)} "
                             f"(the header must be {','.join(CSV_COLUMNS)})")
        unknown = [h for h, n in zip(header, names) if n not in CSV_COLUMNS + CSV_OPTIONAL + CSV_DERIVED]
        if unknown:
            raise InputError(f"{path}, line 1: unknown column(s) {', '.join(map(repr, unknown))} "
                             f"(expected {','.join(CSV_COLUMNS)})")
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InputError(f"{path}, line 1: column(s) {', '.join(dupes)} appear more than once")
        rows = []
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank line
            if blank_cols and len(names) <= len(cells) <= len(names) + blank_cols:
                if any(c.strip() for c in cells[len(names):]):
                    raise InputError(f"{path}, line {line}: a cell under a column with no name is not empty")
                cells = cells[: len(names)]
            if len(cells) != len(names):
                raise InputError(f"{path}, line {line}: {len(cells)} cells where the header has "
                                 f"{len(names) + blank_cols}")
            rec = {n: _unneutralise(c) for n, c in zip(names, cells) if n in CSV_COLUMNS + CSV_OPTIONAL}
            rows.append((f"{path}, line {line}", rec))
    except csv.Error as exc:
        raise InputError(f"{path}, line {reader.line_num}: {exc}") from None
    finally:
        csv.field_size_limit(old_limit)
    plan_date = take_date_columns(path, rows, plan_date, by=by, at=at)
    meta = {"title": title or path.stem, "date": plan_date.isoformat() if plan_date else None,
            "author": "", "prepared_for": "", "source": f"Imported from {path.name}", "notes": ""}
    meta.update(_csv_contacts(path, rows, by=by, at=at))
    return _build(path, meta, rows, by=by, at=at, plan_date=plan_date)


def _csv_contacts(path: Path, rows: list[tuple[str, dict[str, Any]]], *, by: str, at: str) -> dict[str, Any]:
    """The optional `email` column: each owner's addresses (';' or ',' between several), as the plan's
    contacts, each recorded as a contact entry of the plan's own history."""
    from .commands import check_address
    from .model import owner_key

    found: dict[str, tuple[str, list[str]]] = {}
    for where, rec in rows:
        cell = str(rec.pop("email", "") or "")
        owner = " ".join(str(rec.get("owner") or "").split())
        for part in re.split(r"[;,\s]+", cell.strip()):
            if not part:
                continue
            try:
                address = check_address(part)
            except InputError as exc:
                raise InputError(f"{where}: email: {exc}") from None
            if not owner:
                raise InputError(f"{where}: email {address!r} is given for an item with no owner")
            name, addresses = found.setdefault(owner_key(owner), (owner, []))
            if address.casefold() not in (a.casefold() for a in addresses):
                addresses.append(address)
    if not found:
        return {}
    contacts = [{"owner": name, "addresses": addresses} for _k, (name, addresses) in sorted(found.items())]
    history = [{"id": k, "at": at, "by": by, "action": "contact", "field": c["owner"], "old": None,
                "new": c["addresses"], "note": f"from the email column of {path.name}"}
               for k, c in enumerate(contacts, start=1)]
    return {"contacts": contacts, "history": history}


def _read_json(path: Path, raw: bytes, *, by: str, at: str) -> ImportResult:
    try:
        doc = orjson.loads(raw.removeprefix(BOM))
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("recommendations"), list):
        raise InputError(f"{path}: not an hsp-tui export or seed (needs 'plan' and a 'recommendations' list)")
    plan = doc.get("plan") if isinstance(doc.get("plan"), dict) else {}
    plan_date = None
    if plan.get("date"):
        try:
            plan_date = date.fromisoformat(str(plan["date"]))
        except ValueError:
            raise InputError(f"{path}: plan date {plan['date']!r} is not YYYY-MM-DD") from None
    meta = {k: plan.get(k) for k in ("title", "date", "author", "prepared_for", "source", "notes")}
    meta["title"] = meta["title"] or path.stem
    for k in ("contacts", "history"):  # the plan's contacts and their changes, as exported
        if plan.get(k):
            meta[k] = plan[k]
    rows = []
    for i, rec in enumerate(doc["recommendations"], start=1):
        if not isinstance(rec, dict):
            raise InputError(f"{path}: recommendation #{i} is not an object")
        rows.append((f"{path}, recommendation #{i}", rec))
    return _build(path, meta, rows, by=by, at=at, plan_date=plan_date)


def _text(where: str, rec: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = rec.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            raise InputError(f"{where}: {key} must be text")
    try:
        return check_text(value, key, required=required, limit=MAX_CELL)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _build(path: Path, meta: dict[str, Any], rows: list[tuple[str, Mapping[str, Any]]], *,
           by: str, at: str, plan_date: date | None) -> ImportResult:
    if not rows:
        raise InputError(f"{path}: no recommendations in the file")
    meta = {k: "" if v is None and k != "date" else v for k, v in meta.items()}
    try:
        msgspec.convert(meta, PlanMeta)
    except msgspec.ValidationError as exc:
        raise InputError(f"{path}: the plan's details: {explain(exc)}") from None
    seen: dict[int, str] = {}
    docs, warnings = [], []
    for where, rec in rows:
        num_raw = rec.get("number")
        number = _number(num_raw)
        if number is None:
            raise InputError(f"{where}: number {num_raw!r} is not a whole number from 1 up "
                             "(written with the digits 0-9 only)")
        if number in seen:
            raise InputError(f"{where}: number {number} is already used ({seen[number]})")
        seen[number] = where
        status_raw = rec.get("status")
        try:
            status = Status.parse(status_raw) if status_raw not in (None, "") else Status.NOT_STARTED
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        deadline = _text(where, rec, "deadline")
        parsed = parse_deadline(deadline, plan_date)
        if parsed.warning:
            warnings.append(f"{where}: {parsed.warning} (kept as written, no due date)")
        milestones = _milestones(where, rec.get("milestones"), parsed, plan_date, warnings)
        doc = {
            "number": number,
            "ref": _text(where, rec, "ref"),
            "recommendation": _text(where, rec, "recommendation", required=True),
            "management_response": _text(where, rec, "management_response"),
            "deadline": deadline,
            "owner": _text(where, rec, "owner"),
            "status": status.value,
            "milestones": milestones,
            "revisions": _revisions(where, rec.get("revisions")),
            "history": _history(where, rec.get("history")),
            "repairs": [str(r) for r in rec.get("repairs") or []] if isinstance(rec.get("repairs"), list) else [],
        }
        next_id = max((int(h.get("id") or 0) for h in doc["history"]), default=0) + 1
        doc["history"].append({"id": next_id, "at": at, "by": by, "action": "import", "field": None,
                               "old": None, "new": None, "note": f"imported from {path.name}"})
        try:
            msgspec.convert(doc, Recommendation)  # every value as the plan file declares it
        except msgspec.ValidationError as exc:
            raise InputError(f"{where}: {explain(exc)}") from None
        docs.append(doc)
    docs.sort(key=lambda d: d["number"])
    return ImportResult(build_data(meta, docs), len(docs), warnings)


def _number(value: Any) -> int | None:
    """A recommendation number: an integer (JSON) or plain ASCII digits (CSV), 1 to 10**9."""
    if isinstance(value, str) and PLAIN_NUMBER.fullmatch(value.strip()):
        value = int(value.strip().rstrip("."))
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**9:
        return None
    return value


def _milestones(where: str, given: Any, parsed, plan_date: date | None, warnings: list[str]) -> list[dict]:
    if given:
        if not isinstance(given, list):
            raise InputError(f"{where}: milestones must be a list")
        out = []
        for k, m in enumerate(given, start=1):
            if not isinstance(m, dict):
                raise InputError(f"{where}: milestone {k} is not an object")
            dl = _text(f"{where}, milestone {k}", m, "deadline")
            if parse_deadline(dl, plan_date).warning:
                warnings.append(f"{where}, milestone {k}: cannot read deadline {dl!r} (kept as written)")
            done = m.get("done", False)
            if not isinstance(done, bool):
                raise InputError(f"{where}, milestone {k}: done {done!r} must be true or false")
            out.append({"label": _text(f"{where}, milestone {k}", m, "label") or f"Milestone {k}",
                        "deadline": dl, "done": done})
        return out
    if parsed.parts:  # one cell, several dates: each becomes a milestone
        n = len(parsed.parts)
        return [{"label": f"Milestone {k} of {n}", "deadline": p.text, "done": False}
                for k, p in enumerate(parsed.parts, start=1)]
    return []


HISTORY_ACTIONS = tuple(a.value for a in Action)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)


def _check_at(where: str, value: Any) -> str:
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        raise InputError(f"{where}: 'at' {value!r} is not an ISO 8601 time with a UTC offset")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{where}: 'at' {value!r} is not a real time") from None
    return value


def _history(where: str, value: Any) -> list[dict]:
    """History is evidence: an import keeps it only if every entry is whole and well formed."""
    entries = _list_of_dicts(where, value, "history",
                             ("id", "at", "by", "action", "field", "old", "new", "note", "undoes"))
    seen: set[int] = set()
    for k, h in enumerate(entries, start=1):
        at = f"{where}, history entry {k}"
        hid = h.get("id")
        if isinstance(hid, bool) or not isinstance(hid, int) or not 1 <= hid <= MAX_ID or hid in seen:
            raise InputError(f"{at}: id {hid!r} must be a whole number from 1 to {MAX_ID}, unique in the item")
        seen.add(hid)
        _check_at(at, h.get("at"))
        if h.get("action") not in HISTORY_ACTIONS:
            raise InputError(f"{at}: unknown action {h.get('action')!r} (one of {', '.join(HISTORY_ACTIONS)})")
        for key in ("by", "field", "note"):
            if h.get(key) is not None and not isinstance(h.get(key), str):
                raise InputError(f"{at}: {key} must be text")
        if h["action"] == "undo":
            target = h.get("undoes")
            if isinstance(target, bool) or not isinstance(target, int) or target not in seen:
                raise InputError(f"{at}: an undo must name an earlier entry ('undoes': {target!r})")
        h.setdefault("by", "")
        for key in ("field", "old", "new", "note"):
            h.setdefault(key, None)
    return entries


def _revisions(where: str, value: Any) -> list[dict]:
    revisions = _list_of_dicts(where, value, "revisions", ("deadline", "reason", "by", "at"))
    for k, r in enumerate(revisions, start=1):
        at = f"{where}, revision {k}"
        for key in ("deadline", "reason", "by"):
            if not isinstance(r.get(key), str):
                raise InputError(f"{at}: {key} must be text")
        if not r["reason"].strip():
            raise InputError(f"{at}: a revision needs its reason")
        _check_at(at, r.get("at"))
    return revisions


def _list_of_dicts(where: str, value: Any, what: str, keys: tuple[str, ...]) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(f"{where}: {what} must be a list of objects")
    return [{k: v.get(k) for k in keys if k in v} for v in value]


def seed_to_data(seed: Mapping[str, Any], *, by: str, at: str) -> dict[str, Any]:
    """The embedded seed as a new database (same checks as an import)."""
    plan = seed.get("plan") or {}
    plan_date = date.fromisoformat(plan["date"]) if plan.get("date") else None
    meta = {k: plan.get(k) for k in ("title", "date", "author", "prepared_for", "source", "notes")}
    rows = [(f"seed, recommendation #{i}", r) for i, r in enumerate(seed["recommendations"], start=1)]
    result = _build(Path("seed"), meta, rows, by=by, at=at, plan_date=plan_date)
    for doc in result.data["recommendations"].values():
        doc["history"][-1]["note"] = "created from the plan as published (Appendix A)"
        doc["history"][-1]["action"] = "create"
    return result.data


# -- export ------------------------------------------------------------------------------------
def neutralise(value: Any) -> Any:
    """Stop a spreadsheet reading a cell as a formula: prefix formula-like text with a quote."""
    if isinstance(value, str) and _guarded(value):
        return GUARD + value
    return value


def export_csv(rv: Review) -> str:
    """One row per recommendation, for Excel: UTF-8 with BOM, CRLF, formulas neutralised."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(EXPORT_CSV_COLUMNS)
    for rec in export_records(rv):
        row = {
            **rec,
            "due": rec["due"] or "",
            "overdue": "yes" if rec["overdue"] else "no",
            "revised": "yes" if rec["revised"] else "no",
            "latest_note": rec["latest_note"] or "",
            "status": rec["status_label"],
            "milestones_done": ";".join(str(k) for k, m in enumerate(rec["milestones"], start=1) if m["done"]),
            "plan_date": rv.plan.meta.date.isoformat() if rv.plan.meta.date else "",
        }
        writer.writerow([neutralise(row[c]) for c in EXPORT_CSV_COLUMNS])
    return "\ufeff" + buf.getvalue()
