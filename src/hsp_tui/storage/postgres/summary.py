"""`hsp-tui plans` on a server: each plan's items and open ones counted by SQL, without loading plans.

Only the open items' deadline fields (no texts, no history) are read, a batch at a time, for the
caller to judge which are overdue as of the date given (`cli.catalog`, by the review's own rule).
A plan whose metadata or deadline fields do not read is reported as damaged (`problem`) and never
keeps the others from being listed.
"""

from __future__ import annotations

from typing import Any

import msgspec

from hsp_tui.domain.errors import InputError
from hsp_tui.domain.records import PlanMeta, Recommendation
from hsp_tui.storage.contract import PlanCounts

COUNTS_SQL = (
    "SELECT p.id, p.name, p.meta, count(i.number), "
    "count(i.number) FILTER (WHERE i.status NOT IN ('done', 'verified', 'dropped')) "
    "FROM hsp.plan p LEFT JOIN hsp.item i ON i.plan_id = p.id GROUP BY p.id ORDER BY p.name")
OPEN_SQL = ("SELECT number, deadline, status, milestones, revisions FROM hsp.item WHERE plan_id = %s "
            "AND status NOT IN ('done', 'verified', 'dropped') ORDER BY number")


def plan_counts(session: Any) -> list[PlanCounts]:
    out = []
    for plan_id, name, meta, items, open_ in session.read(COUNTS_SQL):
        title = str(meta.get("title") or name) if isinstance(meta, dict) else name
        try:
            reference = PlanMeta.from_dict({**meta, "contacts": [], "history": []}).date
            out.append(PlanCounts(name, title, items, open_, reference, tuple(_open_items(session, plan_id))))
        # (msgspec before 0.19's ValidationError is no ValueError: named as well)
        except (InputError, KeyError, TypeError, ValueError, AttributeError, msgspec.ValidationError) as exc:
            out.append(PlanCounts(name, title, items, open_, None, (), f"{type(exc).__name__}: {exc}"))
    return out


def _open_items(session: Any, plan_id: int) -> list[Recommendation]:
    """The open items of a plan, with only what their due dates need (a batch at a time)."""
    def work(conn):
        try:
            with conn.cursor(name="hsp_open") as cursor:
                cursor.itersize = 2000
                session.run(cursor, OPEN_SQL, [plan_id])
                return [Recommendation.from_dict(
                    {"number": number, "ref": "", "recommendation": "-", "management_response": "",
                     "deadline": deadline, "owner": "", "status": status, "milestones": milestones,
                     "revisions": revisions, "history": [], "repairs": []})
                    for number, deadline, status, milestones, revisions in session.rows(conn, cursor)]
        finally:
            if not conn.closed:
                conn.rollback()

    return session.with_connection(work)
