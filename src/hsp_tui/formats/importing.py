"""Importing a plan: a CSV (`spreadsheets`), a JSON export or the embedded seed, read into a complete new
database, ready for `Store.create` or `Store.replace`.

An import is checked completely before anything is written: a bad row refuses the whole file, with
the file and line (or record) named, so nothing is ever half-imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

import msgspec
import orjson

from hsp_tui.domain.deadlines import parse_deadline
from hsp_tui.domain.errors import ConflictError, InputError
from hsp_tui.domain.rules import check_address, check_text, next_entry_id, owner_key
from hsp_tui.storage.file.planfile import build_data, explain
from hsp_tui.domain.records import (MAX_ID, PLAN_DETAILS, TIMESTAMP_PATTERN, Action, HistoryEntry, PlanMeta,
                                    Recommendation, Revision, Status, field_names)
from hsp_tui.storage.file.safefiles import read_bytes
from hsp_tui.formats.spreadsheets import csv_plan

PLAIN_NUMBER = re.compile(r"[0-9]+\.?")  # ASCII digits; Appendix A writes "7."
BOM = "\ufeff".encode("utf-8")


@dataclass
class ImportResult:
    data: dict[str, Any]  # a complete database, ready for Store.create/replace
    count: int
    warnings: list[str] = field(default_factory=list)


def read_plan_file(path: Path, *, by: str, at: str, title: str | None = None,
                   plan_date: date | None = None) -> ImportResult:
    """Read a CSV (Appendix A columns) or a JSON export/seed into a complete database."""
    raw = read_bytes(path, InputError)
    if path.suffix.lower() == ".json" or raw.removeprefix(BOM).lstrip(b" \t\r\n")[:1] in (b"{", b"["):
        return _read_json(path, raw, by=by, at=at)
    meta, rows, plan_date = csv_plan(path, raw, by=by, at=at, title=title, plan_date=plan_date)
    return _build(path, meta, rows, by=by, at=at, plan_date=plan_date)


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
    meta = {k: plan.get(k) for k in PLAN_DETAILS}
    meta["title"] = meta["title"] or path.stem
    for k in ("contacts", "history"):  # the plan's contacts and their changes, as exported
        if plan.get(k):
            meta[k] = plan[k]
    if isinstance(meta.get("contacts"), list):  # a sponsor not recorded (an export as of a past day): none
        meta["contacts"] = [{n: v for n, v in c.items() if not (n == "sponsor" and v is None)}
                            if isinstance(c, dict) else c for c in meta["contacts"]]
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
        return check_text(value, key, required=required)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _build(path: Path, meta: dict[str, Any], rows: list[tuple[str, Mapping[str, Any]]], *,
           by: str, at: str, plan_date: date | None) -> ImportResult:
    if not rows:
        raise InputError(f"{path}: no recommendations in the file")
    meta = {k: "" if v is None and k != "date" else v for k, v in meta.items()}
    try:
        details = msgspec.convert(meta, PlanMeta)
    except msgspec.ValidationError as exc:
        raise InputError(f"{path}: the plan's details: {explain(exc)}") from None
    _check_contacts(path, details)
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
        try:
            next_id = next_entry_id((h["id"] for h in doc["history"]), where)
        except ConflictError as exc:  # no id left for the import's own entry
            raise InputError(str(exc)) from None
        created_here = not doc["history"]
        doc["history"].append({"id": next_id, "at": at, "by": by, "action": "import", "field": None,
                               "old": None, "new": None, "note": f"imported from {path.name}"})
        if created_here and plan_date is not None:  # an item new with this plan starts on the plan's date
            doc["history"][-1]["on"] = plan_date.isoformat()
        try:
            msgspec.convert(doc, Recommendation)  # every value as the plan file declares it
        except msgspec.ValidationError as exc:
            raise InputError(f"{where}: {explain(exc)}") from None
        docs.append(doc)
    docs.sort(key=lambda d: d["number"])
    return ImportResult(build_data(meta, docs), len(docs), warnings)


def _check_contacts(path: Path, meta: PlanMeta) -> None:
    """The contacts as `contact set` would have made them: an owner's text, plain addresses, and
    one contact per owner (owners compared as `rules.owner_key` compares them)."""
    seen: dict[str, int] = {}
    for k, contact in enumerate(meta.contacts, start=1):
        where = f"{path}, contact {k}"
        try:
            check_text(contact.owner, "owner", required=True)
            for address in contact.addresses:
                check_address(address)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        key = owner_key(contact.owner)
        if key in seen:
            raise InputError(f"{where}: {contact.owner!r} is the owner of contact {seen[key]} too "
                             "(owners compare without regard to case or spacing)")
        seen[key] = k


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


def _check_on(where: str, entry: dict) -> None:
    """The day a change took effect, when given: a date as YYYY-MM-DD (null: the day of 'at')."""
    value = entry.get("on")
    if value is None:
        entry.pop("on", None)
        return
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{where}: 'on' {value!r} is not a date (YYYY-MM-DD)") from None


def _history(where: str, value: Any) -> list[dict]:
    """History is evidence: an import keeps it only if every entry is whole and well formed."""
    entries = _list_of_dicts(where, value, "history", field_names(HistoryEntry))
    seen: set[int] = set()
    for k, h in enumerate(entries, start=1):
        at = f"{where}, history entry {k}"
        hid = h.get("id")
        if isinstance(hid, bool) or not isinstance(hid, int) or not 1 <= hid <= MAX_ID or hid in seen:
            raise InputError(f"{at}: id {hid!r} must be a whole number from 1 to {MAX_ID}, unique in the item")
        seen.add(hid)
        _check_at(at, h.get("at"))
        _check_on(at, h)
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
    revisions = _list_of_dicts(where, value, "revisions", field_names(Revision))
    for k, r in enumerate(revisions, start=1):
        at = f"{where}, revision {k}"
        for key in ("deadline", "reason", "by"):
            if not isinstance(r.get(key), str):
                raise InputError(f"{at}: {key} must be text")
        if not r["reason"].strip():
            raise InputError(f"{at}: a revision needs its reason")
        _check_at(at, r.get("at"))
        _check_on(at, r)
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
    meta = {k: plan.get(k) for k in PLAN_DETAILS}
    rows = [(f"seed, recommendation #{i}", r) for i, r in enumerate(seed["recommendations"], start=1)]
    result = _build(Path("seed"), meta, rows, by=by, at=at, plan_date=plan_date)
    for doc in result.data["recommendations"].values():
        doc["history"][-1]["note"] = "created from the plan as published (Appendix A)"
        doc["history"][-1]["action"] = "create"  # on the plan's date, as every new item (_build)
    return result.data
