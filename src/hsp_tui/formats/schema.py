"""The JSON export: its records (the plan's records plus what is derived as of the review date), the
export encoded from them, and the JSON Schema (draft 2020-12) generated from them, shipped inside the
package.

`hsp-tui schema` prints the shipped schema; a test checks that it is exactly what `generate()` gives
and validates every kind of export against it. After changing a record, regenerate it:

    python -m hsp_tui.formats.schema > src/hsp_tui/formats/export.schema.json
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Annotated, Any, Literal

import msgspec
from msgspec.structs import replace

from hsp_tui.domain.records import (STATUS_LABELS, Milestone, PlanMeta, Precision, Recommendation, Revision, Timestamp, cached_deadline)
from hsp_tui.domain.history import effective_day
from hsp_tui.domain.review import Review

SCHEMA_NAME = "export.schema.json"
FORMAT = "hsp-tui-export"
FORMAT_VERSION = 1


def _derived(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=f"Derived: {text}")


DateOrNull = date | None
Due = Annotated[DateOrNull, msgspec.Meta(description="Derived: the last day of the period the deadline names; "
                                                     "null for 'Ongoing' or a deadline that could not be read.")]


class ExportMilestone(Milestone, frozen=True, gc=False, kw_only=True):
    due: Due


class ExportRevision(Revision, frozen=True, gc=False, kw_only=True):
    due: Annotated[DateOrNull, msgspec.Meta(description="Derived: the revised deadline's due date.")]


class ExportRecommendation(Recommendation, frozen=True, gc=False, kw_only=True):
    """A recommendation as exported: every stored field, then what is derived as of the review date.
    `hsp-tui import` restores the stored fields and ignores the derived ones."""

    milestones: tuple[ExportMilestone, ...]
    revisions: Annotated[tuple[ExportRevision, ...], msgspec.Meta(
        description="Every revision of the deadline, oldest first.")]
    title: Annotated[str, _derived("the first clause of the recommendation.")]
    agreed_due: Annotated[DateOrNull, _derived("the agreed deadline's due date.")]
    current_deadline: Annotated[str, _derived("the latest revision's deadline, else the agreed one.")]
    due: Annotated[DateOrNull, _derived(
        "the current due date. A revision sets it; otherwise the earliest open milestone's; otherwise the "
        "agreed deadline's. Null for 'Ongoing' or an unreadable deadline.")]
    due_precision: Annotated[Precision, _derived("what the current deadline names.")]
    deadline_warning: Annotated[str | None, _derived("why the current deadline could not be read, else null.")]
    status_label: Annotated[Literal[tuple(STATUS_LABELS.values())], _derived("the status in words.")]  # type: ignore[valid-type]
    overdue: Annotated[bool, _derived("open and due before as_of.")]
    days_overdue: Annotated[int, msgspec.Meta(ge=0, description="Derived: 0 unless overdue.")]
    due_soon: Annotated[bool, _derived("open, not overdue, due within due_soon_days of as_of.")]
    revised: Annotated[bool, _derived("the deadline in force differs from the one agreed.")]
    latest_note: Annotated[str | None, _derived("the latest progress note still standing.")]


class Export(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """An audit action plan as exported by `hsp-tui export --format json`, judged as of a review date.
    `hsp-tui import` reads it back: every field that is not derived is restored, so import -> export
    loses nothing (the import adds one history entry of its own)."""

    format: Literal["hsp-tui-export"]
    format_version: Literal[1]
    plan: PlanMeta
    as_of: Annotated[date, msgspec.Meta(
        description="The review date: the plan as it stood at the end of this day (every change effective "
                    "after it left out, history included); overdue, days_overdue and due_soon are judged "
                    "as of this day.")]
    exported_at: Annotated[Timestamp, msgspec.Meta(description="When the export was made.")]
    due_soon_days: Annotated[int, msgspec.Meta(ge=0, description="Window in days for due_soon.")]
    recommendations: list[ExportRecommendation]


# Names the schema's readers (and its earlier versions) know the records by.
_DEF_NAMES = {"Export": None, "ExportRecommendation": "recommendation", "ExportMilestone": "milestone",
              "ExportRevision": "revision", "HistoryEntry": "history_entry", "PlanMeta": "plan",
              "MilestoneState": "milestone_state"}
_STORED = Recommendation.__struct_fields__  # what an export restores on import; the rest is derived


def export_items(rv: Review) -> list[ExportRecommendation]:
    """One exported record per recommendation, judged as of the review date."""
    ref = rv.plan.meta.date
    out = []
    for item in rv.items:
        rec = item.rec
        current = rec.current(ref)
        out.append(ExportRecommendation(
            **{name: getattr(rec, name) for name in _STORED if name not in ("milestones", "revisions", "history")},
            milestones=tuple(ExportMilestone(m.label, m.deadline, m.done, due=m.parsed(ref).due)
                             for m in rec.milestones),
            revisions=tuple(ExportRevision(r.deadline, r.reason, r.by, r.at, _on(r),
                                           due=cached_deadline(r.deadline, ref).due) for r in rec.revisions),
            history=tuple(h if h.on is not None or (on := _on(h)) is None else replace(h, on=on)
                          for h in rec.history),
            title=rec.title, agreed_due=rec.agreed(ref).due, current_deadline=rec.current_deadline,
            due=item.due, due_precision=current.precision, deadline_warning=current.warning,
            status_label=rec.status.label, overdue=item.overdue, days_overdue=item.days_overdue,
            due_soon=item.due_soon, revised=rec.revised, latest_note=rec.latest_note,
        ))
    return out


def _on(entry) -> date | None:
    """The day a change or a revision took effect (`history.effective_day`), written into every entry
    of the export; None where its time cannot be read."""
    try:
        return date.fromisoformat(effective_day(entry))
    except ValueError:
        return None


def export_records(rv: Review) -> list[dict[str, Any]]:
    """`export_items` as JSON-ready dicts."""
    return msgspec.json.decode(msgspec.json.encode(export_items(rv)))


def export_json(rv: Review, *, exported_at: str) -> str:
    doc = Export(format=FORMAT, format_version=FORMAT_VERSION, plan=rv.plan.meta, as_of=rv.as_of,
                 exported_at=exported_at, due_soon_days=rv.due_soon_days, recommendations=export_items(rv))
    return msgspec.json.format(msgspec.json.encode(doc), indent=2).decode("utf-8") + "\n"


def generate() -> dict[str, Any]:
    """The export's JSON Schema, generated from the records declared above and in `records`."""
    _, components = msgspec.json.schema_components([Export], ref_template="#/$defs/{name}")
    text = json.dumps(components)
    for name, new in _DEF_NAMES.items():
        if new:
            text = text.replace(f'"#/$defs/{name}"', f'"#/$defs/{new}"')
    defs = json.loads(text)
    root = defs.pop("Export")
    defs = {(_DEF_NAMES.get(k) or k): v for k, v in defs.items()}
    for d in defs.values():
        d.pop("title", None)
    # An undo names the entry it reverses (checked on reading too, in HistoryEntry.__post_init__).
    defs["history_entry"].update({"if": {"properties": {"action": {"const": "undo"}}},
                                  "then": {"required": ["undoes"]}})
    _one_line_descriptions(root)
    _one_line_descriptions(defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:hsp-tui:export:{FORMAT_VERSION}",
        "title": f"hsp-tui JSON export (format version {FORMAT_VERSION})",
        "description": root.pop("description"),
        **{k: v for k, v in root.items() if k != "title"},
        "$defs": dict(sorted(defs.items())),
    }


def _one_line_descriptions(node: Any) -> None:
    """Descriptions from docstrings as one line each, the same whatever the docstring's indentation
    (Python 3.13 strips it when compiling, earlier versions keep it)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                node[key] = " ".join(value.split())
            else:
                _one_line_descriptions(value)
    elif isinstance(node, list):
        for value in node:
            _one_line_descriptions(value)


def generated_text() -> str:
    """The schema file's text as `generate()` gives it."""
    return json.dumps(generate(), indent=2, ensure_ascii=False) + "\n"


def schema_text() -> str:
    """The schema exactly as shipped (UTF-8 text, ending in a newline)."""
    text = resources.files("hsp_tui").joinpath("formats", SCHEMA_NAME).read_text(encoding="utf-8")
    return text if text.endswith("\n") else text + "\n"


def schema() -> dict[str, Any]:
    """The schema as a dict (for validators)."""
    return json.loads(schema_text())


if __name__ == "__main__":
    print(generated_text(), end="")
