"""The plans a store holds, for `hsp-tui plans`: name, title, items, open and overdue counts.

A file holds one plan (named after the file); a database server holds many. Counts are the
review's own (`review`), as of the date given, so they agree with `list` and the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .review import review
from .textsafe import one_line


@dataclass(frozen=True)
class PlanRow:
    name: str
    title: str
    items: int
    open: int
    overdue: int


def plan_rows(backend, as_of: date, due_soon_days: int) -> list[PlanRow]:
    """One row per plan `backend` holds (each plan read and reviewed as of `as_of`)."""
    rows = []
    for info in backend.plans():
        one = backend.for_plan(info.name) if hasattr(backend, "for_plan") else backend
        try:
            rv = review(one.load_plan(), as_of, due_soon_days)
        finally:
            if one is not backend:
                one.close()
        rows.append(PlanRow(info.name, info.title, len(rv.items),
                            sum(1 for i in rv.items if not i.rec.status.closed), len(rv.overdue)))
    return rows


def render_plans(rows: list[PlanRow]) -> str:
    headers = ("Plan", "Title", "Items", "Open", "Overdue")
    cells = [(one_line(r.name), one_line(r.title), str(r.items), str(r.open), str(r.overdue)) for r in rows]
    widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(headers)]
    widths[1] = min(widths[1], 60)

    def line(row) -> str:
        out = []
        for k, c in enumerate(row):
            c = c if len(c) <= widths[k] else c[: widths[k] - 1] + "…"
            out.append(c.rjust(widths[k]) if k >= 2 else c.ljust(widths[k]))
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(c) for c in cells])
