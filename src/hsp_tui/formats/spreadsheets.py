"""CSV as spreadsheets write and read it: reading an import (Excel's encodings and delimiters, Appendix
A's headings, the formula guard undone) into rows for `importing`, and the CSV export (UTF-8 with a
BOM, CRLF, formula-like text guarded so that Excel shows it as text).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

from hsp_tui.formats.csvdates import take_date_columns
from hsp_tui.domain.errors import InputError
from hsp_tui.domain.review import Review
from hsp_tui.domain.rules import TEXT_LIMIT
from hsp_tui.formats.schema import export_records

CSV_COLUMNS = ("number", "ref", "recommendation", "management_response", "deadline", "owner")
# Columns our own CSV export adds: accepted on import (status is used, the rest are derived and ignored).
CSV_OPTIONAL = ("status", "email",  # email: the owner's address(es) for reminders, ';'-separated
                "plan_date", "current_deadline", "milestones_done")  # keep due dates whole: see csvdates
CSV_DERIVED = ("due", "overdue", "days_overdue", "due_soon", "revised",
               "latest_note", "status_label")
EXPORT_CSV_COLUMNS = ("number", "ref", "recommendation", "management_response", "owner", "deadline",
                      "current_deadline", "due", "status", "overdue", "days_overdue", "revised",
                      "latest_note", "milestones_done", "plan_date")
MAX_CELL = TEXT_LIMIT  # the longest text a cell may hold (`rules`)
# What a spreadsheet reads as the start of a formula: = + - @ and | (a DDE command, `|cmd`), also their
# full-width and small forms (U+FE66 small equals...), after any leading spaces (NBSP and other Unicode
# spaces too) and invisible characters (zero-width space U+200B..U+200D, word joiner U+2060, BOM
# U+FEFF); and a cell starting with a tab, CR or LF.
FORMULA_CHARS = "=+-@|\uff1d\uff0b\uff0d\uff20\uff5c\ufe66\ufe62\ufe63\ufe6b"
_LEADING = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*")
CONTROL_START = ("\t", "\r", "\n")
GUARD = "'"


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
    start = _LEADING.match(value).end()
    return value.startswith(CONTROL_START) or value[start:start + 1] in tuple(FORMULA_CHARS)


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


def csv_plan(path: Path, raw: bytes, *, by: str, at: str, title: str | None,
             plan_date: date | None) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]], date | None]:
    """A CSV's plan details, its rows (each with where it stands in the file, for errors) and the plan's
    date, for `importing` to check and build; the file's own shape (encoding, delimiter, header,
    cell count) is checked here."""
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
    return meta, rows, plan_date


def _csv_contacts(path: Path, rows: list[tuple[str, dict[str, Any]]], *, by: str, at: str) -> dict[str, Any]:
    """The optional `email` column: each owner's addresses (';' or ',' between several), as the plan's
    contacts, each recorded as a contact entry of the plan's own history."""
    from hsp_tui.domain.rules import check_address, owner_key

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
