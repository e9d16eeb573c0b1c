"""The columns that let a CSV export come back with every due date: `plan_date`, `current_deadline`
and `milestones_done`.

A deadline such as "From July" takes its year from the plan's date, a revised deadline lives beside
the one agreed in the plan, and an item with milestones is due when its first open one is. The CSV
export writes all three (`plan_date` on every row), so an officer who opens the export in Excel and
imports it again gets every item due on the same day as before:
- `plan_date` gives the year to deadlines without one (an explicit `import --plan-date` wins);
  the cells must agree where they are filled in;
- a `current_deadline` that differs from `deadline` becomes the item's revised deadline, with the
  file named as its reason (so an officer may also revise a deadline by editing that cell);
- `milestones_done` ("1" or "1;2") marks those milestones of the deadline cell done.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from hsp_tui.domain.deadlines import Precision, parse_deadline
from hsp_tui.domain.errors import InputError


def take_date_columns(path: Path, rows: list[tuple[str, dict[str, Any]]], plan_date: date | None, *,
                      by: str, at: str) -> date | None:
    """Take the three columns' cells out of the rows; return the plan's date (`plan_date` as given,
    else the column's); give each row whose current deadline differs a revision (with its history
    entry), and each row with milestones done its milestones, for the import to check like any other."""
    given = plan_date
    seen: tuple[str, date] | None = None
    for where, rec in rows:
        cell = " ".join(str(rec.pop("plan_date", "") or "").split())
        if not cell:
            continue
        day = _one_day(cell)
        if day is None:
            raise InputError(f"{where}: plan_date {cell!r} is not a date (write it as 2010-03-16 or 16/03/2010)")
        if seen is not None and day != seen[1]:
            raise InputError(f"{where}: plan_date {cell} differs from {seen[1].isoformat()} ({seen[0]}): "
                             "a plan has one date")
        seen = seen or (where, day)
    if plan_date is None and seen is not None:
        plan_date = seen[1]
    for where, rec in rows:
        _milestones_done(where, rec, plan_date)
        current = str(rec.pop("current_deadline", "") or "")
        agreed = str(rec.get("deadline") or "")
        if not current.strip() or " ".join(current.split()) == " ".join(agreed.split()):
            continue
        parsed = parse_deadline(current, plan_date)
        if parsed.warning:
            hint = "" if given or seen else " (give the plan's date with --plan-date)"
            raise InputError(f"{where}: current_deadline {current!r}: {parsed.warning}{hint}")
        reason = f"the current_deadline column of {path.name}"
        rec["revisions"] = [{"deadline": current, "reason": reason, "by": by, "at": at}]
        rec["history"] = [{"id": 1, "at": at, "by": by, "action": "revise", "field": "deadline",
                           "old": agreed, "new": current, "note": reason}]
        if plan_date is not None:  # a spreadsheet's state counts from the plan's start, as its statuses do
            rec["revisions"][0]["on"] = rec["history"][0]["on"] = plan_date.isoformat()
    return plan_date


def _one_day(cell: str) -> date | None:
    """The plan's date as written, or as Excel saves a date it recognised (UK day first: 16/03/2010)."""
    try:
        return date.fromisoformat(cell)
    except ValueError:
        parsed = parse_deadline(cell)
        return parsed.due if parsed.precision is Precision.DAY else None


def _milestones_done(where: str, rec: dict[str, Any], plan_date: date | None) -> None:
    cell = str(rec.pop("milestones_done", "") or "")
    picked = [p for p in re.split(r"[;,\s]+", cell.strip()) if p]
    if not picked:
        return
    parts = parse_deadline(str(rec.get("deadline") or ""), plan_date).parts or ()
    n = len(parts)
    done = set()
    for p in picked:
        if not (p.isascii() and p.isdigit() and 1 <= int(p) <= n):
            names = f"names {n} milestones" if n else "names no milestones (one date)"
            raise InputError(f"{where}: milestones_done {cell!r}: the deadline {rec.get('deadline')!r} {names}")
        done.add(int(p))
    rec["milestones"] = [{"label": f"Milestone {k} of {n}", "deadline": part.text, "done": k in done}
                         for k, part in enumerate(parts, start=1)]
