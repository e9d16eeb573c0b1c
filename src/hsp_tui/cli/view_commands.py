"""The commands that read the plan: `list`, `summary`, `show`, and plain `hsp-tui` (the app, or the
table where there is no terminal the app can drive)."""

from __future__ import annotations

import shutil
import sys
from typing import Mapping

from hsp_tui.domain.errors import NotFoundError
from hsp_tui.formats.formatting import before_plan_hint, detail_text, plural, stale_hint
from hsp_tui.cli.invocation import PROG, Context, parse_number
from hsp_tui.cli.listing import render_rows, render_summary, render_table, summary_line
from hsp_tui.domain.records import Status
from hsp_tui.cli.output import say, write_data
from hsp_tui.domain.review import Review
from hsp_tui.domain.textsafe import visible


def cmd_list(ctx: Context) -> int:
    a = ctx.args
    rv = ctx.review(ctx.store().load())
    items = list(rv.items)
    if a.status:
        wanted = Status.parse(a.status)
        items = [i for i in items if i.rec.status is wanted]
    if a.owner:
        needle = a.owner.casefold()
        items = [i for i in items if needle in i.rec.owner.casefold()]
    if a.overdue:
        items = [i for i in items if i.overdue]
    if a.due_soon:
        items = [i for i in items if i.due_soon]
    fmt = getattr(a, "format", "table")
    if fmt != "table":
        write_data(render_rows(items, fmt))
        return 0
    # On a terminal the table fits its width; piped or redirected, no cell is ever cut.
    width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else None
    _stale_hint(ctx, rv, "list")
    say(rv.plan.meta.title + (f" ({rv.plan.meta.date:%B %Y})" if rv.plan.meta.date else ""))
    say(render_table(items, width) if items else _nothing_matches(ctx, rv))
    say(summary_line(rv, len(items), width))
    return 0


def _nothing_matches(ctx: Context, rv: Review) -> str:
    """One line in place of a table header with nothing under it, naming the filters."""
    a = ctx.args
    if not rv.items:
        return "The plan has no recommendations."
    asked = []
    if a.status:
        asked.append(f"status {Status.parse(a.status).words}")
    if a.owner:
        asked.append(f"owner containing '{visible(a.owner)}'")
    if a.overdue:
        asked.append("overdue")
    if a.due_soon:
        asked.append(f"due within {plural(ctx.due_soon_days, 'day')}")
    return "No item matches" + (f": {'; '.join(asked)}." if asked else ".")


def _stale_hint(ctx: Context, rv: Review, command: str) -> None:
    """Without --as-of, a plan whose every date is years past gets one line on stderr saying how to
    review it as of a date; with an --as-of before the plan's date, one line saying the plan did not
    exist yet (it is shown as first written). Standard output stays what scripts parse."""
    if not ctx.as_of_given:
        hint = stale_hint(rv, command)
        if hint:
            say(hint, err=True)
    elif (early := before_plan_hint(rv)) is not None:
        say(early, err=True)


def cmd_summary(ctx: Context) -> int:
    rv = ctx.review(ctx.store().load())
    _stale_hint(ctx, rv, "summary")
    say(render_summary(rv))
    return 0


def cmd_show(ctx: Context) -> int:
    rv = ctx.review(ctx.store().load())
    number = parse_number(ctx.args.number)
    text = detail_text(rv, number)
    if text is None:
        raise NotFoundError(f"no recommendation {number} in this plan ({len(rv.items)} recommendations)")
    _stale_hint(ctx, rv, f"show {number}")
    say(text)
    return 0


# Terminals that take no cursor movement or colour (an Emacs shell, some SSH clients, CI logs). Rich
# and so Textual treat them as 80x25 whatever their size: the screen flips between the two sizes.
UNDRIVABLE_TERMS = ("dumb", "unknown")


def terminal_problem(env: Mapping[str, str]) -> str | None:
    """Why the full-screen app cannot run in this terminal (one line for the officer), or None."""
    term = env.get("TERM", "")
    if term in UNDRIVABLE_TERMS:
        return (f"this terminal (TERM={term}) cannot show the full-screen app, so the plan is printed "
                "instead; in a terminal such as xterm-256color `hsp-tui` opens the app")
    return None


def cmd_app(ctx: Context) -> int:
    """No command: open the full-screen app (or print the table when there is no terminal, or no
    app: `ctx.open_app` is given by the program, `hsp_tui.__main__`, which stands above the app)."""
    problem = terminal_problem(ctx.env) if sys.stdout.isatty() else None
    if problem is not None:  # a terminal the app cannot drive: the table, and one line saying why
        say(f"{PROG}: {problem}", err=True)
    if problem is not None or ctx.open_app is None or not (sys.stdin.isatty() and sys.stdout.isatty()):
        ctx.args.overdue = ctx.args.due_soon = False
        ctx.args.owner = ctx.args.status = None
        return cmd_list(ctx)
    # Settings, the plan file and the theme are all checked before the screen is taken over:
    # a bad one raises HspError here, which main() reports as one line with a non-zero exit.
    return ctx.open_app(ctx)
