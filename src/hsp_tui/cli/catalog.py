"""The plans a store holds: `hsp-tui plans` (name, title, items, open and overdue counts) and
`hsp-tui --db URL import FILE --plan NAME` (a new plan on a server).

A file holds one plan (named after the file); a database server holds many. Counts are the
review's own (`review`), as of the date given, so they agree with `list` and the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hsp_tui.domain.errors import InputError
from hsp_tui.formats.formatting import plural
from hsp_tui.formats.importing import read_plan_file
from hsp_tui.cli.output import say
from hsp_tui.domain.review import review, review_item
from hsp_tui.domain.clock import now_iso
from hsp_tui.storage.store import Store
from hsp_tui.domain.textsafe import one_line


@dataclass(frozen=True)
class PlanRow:
    name: str
    title: str
    items: int
    open: int
    overdue: int | None  # None: not known (a damaged plan)


def plan_rows(store: Store, as_of: date, due_soon_days: int) -> list[PlanRow]:
    """One row per plan `store` holds (each plan read and reviewed as of `as_of`; on a server, the
    counts from SQL, only the open items' deadlines read: a damaged plan is said in one line on
    stderr and the others listed)."""
    counts = store.plan_counts()
    if counts is not None:
        rows = []
        for c in counts:
            overdue = None
            if c.problem is not None:
                say(f"warning: plan {one_line(c.name)!r} is damaged and its overdue items are not counted "
                    f"({one_line(c.problem)})", err=True)
            else:
                overdue = sum(1 for rec in c.open_items if review_item(rec, as_of, c.date, due_soon_days).overdue)
            rows.append(PlanRow(c.name, c.title, c.items, c.open, overdue))
        return rows
    rows = []
    for info in store.plans():
        one = store.for_plan(info.name)
        try:
            rv = review(one.load(), as_of, due_soon_days)
        finally:
            one.close()
        rows.append(PlanRow(info.name, info.title, len(rv.items),
                            sum(1 for i in rv.items if not i.rec.status.closed), len(rv.overdue)))
    return rows


def render_plans(rows: list[PlanRow]) -> str:
    headers = ("Plan", "Title", "Items", "Open", "Overdue")
    cells = [(one_line(r.name), one_line(r.title), str(r.items), str(r.open), "?" if r.overdue is None else str(r.overdue))
             for r in rows]
    widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(headers)]
    widths[1] = min(widths[1], 60)

    def line(row) -> str:
        out = []
        for k, c in enumerate(row):
            c = c if len(c) <= widths[k] else c[: widths[k] - 1] + "…"
            out.append(c.rjust(widths[k]) if k >= 2 else c.ljust(widths[k]))
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(c) for c in cells])


def import_to_server(ctx, src: Path, plan_date: date | None) -> int:
    """A new plan on the server, named --plan; --replace (the owner only) puts it in place of one."""
    if ctx.plan is None:
        raise InputError("name the plan on the server: import FILE --plan NAME (or HSP_TUI_PLAN)")
    import_plan(Store(ctx.server, plan=ctx.plan), src, ctx.args, plan_date, by="",  # the server stamps who
                name=f"plan {ctx.plan!r}", refusal="import under another --plan name")
    return 0


def import_plan(store: Store, src: Path, args, plan_date: date | None, *, by: str, name: str,
                refusal: str) -> None:
    """Read `src` (checked whole) into `store`: a new plan, or with --replace in place of the one
    there; then say each deadline that could not be read and what was created or replaced.
    `name` is how the messages call the plan; `refusal` what to do instead when it exists."""
    exists = store.exists()
    if exists and not args.replace:
        raise InputError(f"{store.describe()} already exists: {refusal}")
    from hsp_tui.formats.evidence_move import checked_copies, moved_plan, unbrought  # noqa: PLC0415

    plan_file, copies_folder = moved_plan(src)  # a folder from export --with-evidence: its plan.json
    result = read_plan_file(plan_file, by=by, at=now_iso(), title=args.title, plan_date=plan_date)
    copies = checked_copies(result.data, copies_folder, plan_file)  # every hash, before anything is saved
    for w in result.warnings:
        say(f"warning: {w}", err=True)
    if (alone := unbrought(result.data, copies_folder)) is not None:
        say(f"warning: {plan_file}: {alone}", err=True)
    count = plural(result.count, "recommendation")
    with_copies = f" and {plural(len(copies), 'evidence copy', 'evidence copies')}" if copies else ""
    if exists:
        bak = store.replace(result.data)
        kept = f" (previous file kept as {bak})" if bak else ""
        for content in copies.values():  # after the plan: on a server a copy is kept for a plan there
            store.keep_copy(content)
        say(f"replaced {name} with {count}{with_copies} from {src}{kept}")
    else:
        store.create(result.data)
        for content in copies.values():
            store.keep_copy(content)
        say(f"created {name} with {count}{with_copies} from {src}")
    if result.warnings:
        say(f"{plural(len(result.warnings), 'deadline')} could not be read; kept as written, with no due date",
            err=True)
