"""The declaration of the data: the plan file's layout and the checks every reader goes through.

Layout of the plan file (an ordinary TinyDB JSON file, UTF-8):

    {"meta": {"1": {"app": "hsp-tui", "schema_version": 1, "plan": {...}}},
     "recommendations": {"<number>": {...recommendation...}, ...}}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .errors import InputError, PlanFileError
from .model import APP_ID, SCHEMA_VERSION, Plan, PlanMeta, Recommendation
from .storage import restore_hint

META = "meta"
RECS = "recommendations"


def check_text(value: Any, what: str, *, required: bool = False, limit: int = 1_000_000) -> str:
    """User text is stored as given; it must be text that UTF-8 can hold, and not absurdly long."""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} is not valid UTF-8 text") from None
    if required and not value.strip():
        raise InputError(f"{what} is empty")
    if len(value) > limit:
        raise InputError(f"{what} is longer than {limit:,} characters")
    return value


def validate_data(path: Path, data: Any) -> None:
    """Refuse anything that is not an hsp-tui plan of our schema version, naming the file."""
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
    if not isinstance(data.get(RECS, {}), dict):
        raise PlanFileError(f"{path}: the 'recommendations' table is not an object")


def build_data(plan: Mapping[str, Any], recommendations: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A complete database from plan metadata and recommendation documents."""
    meta = {"app": APP_ID, "schema_version": SCHEMA_VERSION, "plan": dict(plan)}
    recs = {str(int(r["number"])): dict(r) for r in recommendations}
    return {META: {"1": meta}, RECS: recs}


def plan_from_data(path: Path, data: Mapping[str, Any]) -> Plan:
    try:
        meta = PlanMeta.from_dict(data[META]["1"].get("plan") or {})
        recs = sorted(
            (Recommendation.from_dict(doc) for doc in data.get(RECS, {}).values()),
            key=lambda r: r.number,
        )
    except InputError as exc:
        raise PlanFileError(f"{path}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanFileError(f"{path}: a record is damaged ({type(exc).__name__}: {exc}); {restore_hint(path)}") from None
    return Plan(meta, tuple(recs))
