"""The commands that change one item: `set`, `note`, `assign`, `revise`, `milestone`, `undo`. Each
runs one store command and reports it (`invocation.report_change`)."""

from __future__ import annotations

from hsp_tui.domain.commands import last_undoable
from hsp_tui.domain.errors import InputError, NotFoundError
from hsp_tui.cli.invocation import Context, parse_number, report_change
from hsp_tui.domain.records import Status


def cmd_set(ctx: Context) -> int:
    a = ctx.args
    settable = tuple(s for s in Status if s is not Status.VERIFIED)  # Verified is an auditor's verdict
    status = Status.parse(a.status, choices=settable)
    change = ctx.store().set_status(parse_number(a.number), status, by=ctx.user, note=a.note, **ctx.when())
    return report_change(ctx, change)


def cmd_note(ctx: Context) -> int:
    a = ctx.args
    change = ctx.store().add_note(parse_number(a.number), a.text, by=ctx.user, **ctx.when())
    return report_change(ctx, change)


def cmd_assign(ctx: Context) -> int:
    a = ctx.args
    change = ctx.store().set_owner(parse_number(a.number), a.owner, by=ctx.user, note=a.note, **ctx.when())
    return report_change(ctx, change)


def cmd_revise(ctx: Context) -> int:
    a = ctx.args
    if not a.reason or not a.reason.strip():
        raise InputError("a revised deadline needs a reason: add --reason TEXT")
    store = ctx.store()
    reference = store.load().meta.date
    change = store.revise(parse_number(a.number), a.deadline, reason=a.reason, by=ctx.user, reference=reference,
                          **ctx.when())
    return report_change(ctx, change)


def cmd_milestone(ctx: Context) -> int:
    a = ctx.args
    change = ctx.store().set_milestone(parse_number(a.number), parse_number(a.index, "milestone number"),
                                       a.state == "done", by=ctx.user, note=a.note, **ctx.when())
    return report_change(ctx, change)


def cmd_undo(ctx: Context) -> int:
    a = ctx.args
    number = parse_number(a.number)
    store = ctx.store()
    if a.entry:
        entry_id = parse_number(a.entry, "history entry")
    else:
        rec = store.load().get(number)
        if rec is None:
            raise NotFoundError(f"no recommendation {number} in {store.describe()}")
        last = last_undoable(rec)
        if last is None:
            raise InputError(f"recommendation {number} has no change that can be undone")
        entry_id = last.id
    change = store.undo(number, entry_id, by=ctx.user, **ctx.when())
    return report_change(ctx, change)
