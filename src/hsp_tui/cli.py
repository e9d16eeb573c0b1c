"""The command line: `hsp-tui [--db PATH] [--as-of DATE] [--user NAME] COMMAND ...`.

Scripts, cron jobs and the TUI rely on this contract. Every failure the user can cause is one line
on stderr and a non-zero exit code, never a traceback. This module never imports Textual: plain
`hsp-tui` (no command) imports the TUI package only when it is about to open it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Sequence

from . import __version__, followup
from .errors import HspError, InputError, NotFoundError
from .exports import FORMAT_WORDS, render_export, write_export
from .formatting import detail_text, due_words, fmt_date, plural, stale_hint
from .interchange import read_plan_file, seed_to_data
from .listing import LIST_FORMATS, render_rows, render_summary, render_table, summary_line
from .model import Plan, Status
from .output import say, tolerant_streams, write_data
from .backends.pgconnect import is_server_url
from .config import load_settings
from .paths import resolve_config_path, resolve_db_path
from .review import DEFAULT_DUE_SOON_DAYS, Review, review, review_item
from .seed import seed_document
from .commands import last_undoable
from .store import Store, default_user, now_iso

PROG = "hsp-tui"


def parse_date_arg(text: str, what: str = "--as-of") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{what} {text!r} is not a date: use YYYY-MM-DD, e.g. 2010-06-01") from None


def parse_number(text: str, what: str = "recommendation number") -> int:
    try:
        n = int(str(text).strip().rstrip("."))
    except ValueError:
        raise InputError(f"{what} {text!r} is not a whole number") from None
    if n < 1:
        raise InputError(f"{what} {text!r} must be 1 or more")
    return n


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line + usage hint, exit 2
        if "unrecognized arguments" in message and any(
                opt in message for opt in ("--db", "--plan", "--as-of", "--user", "--due-soon-days", "--config")):
            message += "; global options go before the command, e.g. 'hsp-tui --as-of 2010-06-01 list'"
        self.exit(2, f"{self.prog}: error: {message} (see '{PROG} --help')\n")


def _file_mode(text: str) -> int:
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        raise argparse.ArgumentTypeError(f"{text!r} is not a file mode: give octal digits such as 600 or 644")
    return mode


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Track an audit action plan: owners, deadlines, status and what is overdue. "
                    "With no command, opens the full-screen app.",
        epilog="Dates are YYYY-MM-DD. The working file is --db, else $HSP_TUI_DB, else the user data folder "
               "('hsp-tui where' prints it). It is created from the embedded seed plan on first use.",
    )
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    p.add_argument("--db", metavar="PATH|URL", help="the plan file, or a PostgreSQL server as postgresql://... "
                   "(default: $HSP_TUI_DB or the user data folder)")
    p.add_argument("--plan", metavar="NAME", help="which plan of a server holding several (default: $HSP_TUI_PLAN, "
                   "or its only plan; 'hsp-tui plans' lists them)")
    p.add_argument("--as-of", metavar="DATE", help="review date for overdue / due soon (default: today)")
    p.add_argument("--user", metavar="NAME", help="name recorded in history (default: $HSP_TUI_USER or your login)")
    p.add_argument("--due-soon-days", metavar="N", type=int, default=None,
                   help=f"window for 'due soon' in days (default {DEFAULT_DUE_SOON_DAYS}, or the settings file)")
    p.add_argument("--config", metavar="PATH", help="settings file (default: $HSP_TUI_CONFIG or config.toml in the user config folder)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    s = sub.add_parser("list", help="the plan as a table")
    s.add_argument("--overdue", action="store_true", help="only overdue items")
    s.add_argument("--due-soon", action="store_true", help="only items due soon")
    s.add_argument("--owner", metavar="TEXT", help="only owners containing TEXT (any case)")
    s.add_argument("--status", metavar="S", help="only this status (not_started, in_progress, blocked, done, dropped)")
    s.add_argument("--format", choices=LIST_FORMATS, default="table",
                   help="table (default, for people), or rows for scripts: tsv, csv or json")

    sub.add_parser("summary", help="counts by status, by owner and by month of due date")

    s = sub.add_parser("show", help="one recommendation in full, with its history")
    s.add_argument("number")

    s = sub.add_parser("set", help="set a recommendation's status")
    s.add_argument("number")
    s.add_argument("status", help="not_started | in_progress | blocked | done | dropped")
    s.add_argument("--note", metavar="TEXT", help="a progress note to go with the change")

    s = sub.add_parser("note", help="add a progress note")
    s.add_argument("number")
    s.add_argument("text")

    s = sub.add_parser("assign", help="change a recommendation's owner")
    s.add_argument("number")
    s.add_argument("owner")
    s.add_argument("--note", metavar="TEXT")

    s = sub.add_parser("revise", help="revise a deadline (the agreed one is kept)")
    s.add_argument("number")
    s.add_argument("deadline", help="e.g. 'July 2010', '31/03/2011', 'Q3 2010/11'")
    s.add_argument("--reason", metavar="TEXT", help="why the deadline moved (required)")

    s = sub.add_parser("milestone", help="mark a milestone done or open")
    s.add_argument("number")
    s.add_argument("index", help="milestone number, from 1")
    s.add_argument("state", choices=["done", "open"])
    s.add_argument("--note", metavar="TEXT")

    s = sub.add_parser("undo", help="reverse a change (recorded as a change of its own)")
    s.add_argument("number")
    s.add_argument("--entry", metavar="ID", help="history entry to undo (default: the latest that can be)")

    s = sub.add_parser("export", help="write the plan as JSON, CSV (Excel), or a board report in Markdown or HTML")
    s.add_argument("--format", choices=["json", "csv", "md", "html"], default="json")
    s.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    s.add_argument("--mode", metavar="OCTAL", type=_file_mode,
                   help="permissions of the file written, e.g. 644 (default: as a new file under your umask, "
                        "but never more open than the plan's own: a 0600 plan gives 0600 exports)")

    s = sub.add_parser("import", help="create a plan file from a CSV or a JSON export")
    s.add_argument("file")
    s.add_argument("--replace", action="store_true", help="replace an existing plan file (a .bak is kept)")
    s.add_argument("--plan", dest="import_plan", metavar="NAME", help="on a database server: the new plan's name")
    s.add_argument("--title", metavar="TEXT", help="plan title for a CSV (default: the file name)")
    s.add_argument("--plan-date", metavar="DATE", help="the plan's date for a CSV: gives the year to "
                   "deadlines such as 'From July'")

    s = sub.add_parser("init", help="set up a PostgreSQL database for hsp-tui (--db postgresql://...; run by "
                       "the database's owner; safe to repeat, upgrades in place)")
    s.add_argument("--empty", action="store_true", help="do not load the embedded seed plan")

    sub.add_parser("plans", help="the plans here, with items, open and overdue counts (a file holds one)")
    sub.add_parser("schema", help="print the JSON Schema of the JSON export")
    followup.add_commands(sub)  # verify, contact, remind
    sub.add_parser("where", help="print the path of the working file (or the server, never its password)")
    return p


class Context:
    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        self.args = args
        self.env = env
        target = args.db or env.get("HSP_TUI_DB")
        self.server = target if is_server_url(target) else None  # a postgresql:// URI
        if self.server is not None and (args.user or env.get("HSP_TUI_USER")):
            given = "--user" if args.user else "HSP_TUI_USER"
            raise InputError(f"{given} cannot be used with a database server: the server records the user "
                             "you logged in as for every change, never a name the client gives")
        wanted = args.plan or getattr(args, "import_plan", None)
        if wanted is not None and self.server is None:
            raise InputError("--plan picks one of the plans on a database server; a plan file holds one plan")
        self.plan = (wanted or env.get("HSP_TUI_PLAN") or None) if self.server else None
        self.path = None if self.server else resolve_db_path(args.db, env)
        self.user = args.user or env.get("HSP_TUI_USER") or default_user()
        self.as_of = parse_date_arg(args.as_of) if args.as_of else date.today()
        self.as_of_given = bool(args.as_of)
        if args.due_soon_days is not None and args.due_soon_days < 0:
            raise InputError("--due-soon-days cannot be negative")
        # The settings file serves the app and the commands alike, so a board paper exported from
        # the command line counts "due soon" as the screen does. The command line wins.
        self.settings = load_settings(resolve_config_path(args.config, env))
        if args.due_soon_days is not None:
            self.due_soon_days = args.due_soon_days
        elif self.settings.due_soon_days is not None:
            self.due_soon_days = self.settings.due_soon_days
        else:
            self.due_soon_days = DEFAULT_DUE_SOON_DAYS

    def store(self, **options) -> Store:
        """The plan's store (`options`: the backend's, see `backends.open_backend`)."""
        if self.server is not None:  # the seed is loaded there by 'init', never by another command
            return Store.open(self.server, plan=self.plan, **options)
        user = self.user
        return Store.open(self.path, seed=lambda: seed_to_data(seed_document(), by=user, at=now_iso()), **options)

    def review(self, plan: Plan) -> Review:
        return review(plan, self.as_of, self.due_soon_days)


# -- commands ----------------------------------------------------------------------------------
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
    say(render_table(items, width))
    say(summary_line(rv, len(items)))
    return 0


def _stale_hint(ctx: Context, rv: Review, command: str) -> None:
    """Without --as-of, a plan whose every date is years past gets one line on stderr saying how to
    review it as of a date (stdout stays what scripts parse)."""
    if not ctx.as_of_given:
        hint = stale_hint(rv, command)
        if hint:
            say(hint, err=True)


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
    say(text)
    return 0


def _report_change(ctx: Context, change) -> int:
    say(change.summary)
    # That item only, judged as the review would judge it: O(1), not the whole plan.
    item = review_item(change.record, ctx.as_of, change.meta.date, ctx.due_soon_days)
    due = f"due {fmt_date(item.due)}" if item.due else due_words(item)
    say(f"  now: {item.rec.status.words}, {due}" + (f", {item.flag}" if item.flag else ""))
    return 0


def cmd_set(ctx: Context) -> int:
    a = ctx.args
    settable = tuple(s for s in Status if s is not Status.VERIFIED)  # Verified is an auditor's verdict
    status = Status.parse(a.status, choices=settable)
    change = ctx.store().set_status(parse_number(a.number), status, by=ctx.user, note=a.note)
    return _report_change(ctx, change)


def cmd_note(ctx: Context) -> int:
    a = ctx.args
    change = ctx.store().add_note(parse_number(a.number), a.text, by=ctx.user)
    return _report_change(ctx, change)


def cmd_assign(ctx: Context) -> int:
    a = ctx.args
    change = ctx.store().set_owner(parse_number(a.number), a.owner, by=ctx.user, note=a.note)
    return _report_change(ctx, change)


def cmd_revise(ctx: Context) -> int:
    a = ctx.args
    if not a.reason or not a.reason.strip():
        raise InputError("a revised deadline needs a reason: add --reason TEXT")
    store = ctx.store()
    reference = store.load().meta.date
    change = store.revise(parse_number(a.number), a.deadline, reason=a.reason, by=ctx.user, reference=reference)
    return _report_change(ctx, change)


def cmd_milestone(ctx: Context) -> int:
    a = ctx.args
    change = ctx.store().set_milestone(parse_number(a.number), parse_number(a.index, "milestone number"),
                                       a.state == "done", by=ctx.user, note=a.note)
    return _report_change(ctx, change)


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
    change = store.undo(number, entry_id, by=ctx.user)
    return _report_change(ctx, change)


def cmd_export(ctx: Context) -> int:
    a = ctx.args
    rv = ctx.review(ctx.store().load())
    if a.output:
        out = Path(a.output).expanduser()
        write_export(rv, a.format, out, exported_at=now_iso(), plan_path=ctx.path, mode=a.mode)
        say(f"wrote {FORMAT_WORDS[a.format]} of {plural(len(rv.items), 'recommendation')} to {out}", err=True)
    else:
        write_data(render_export(rv, a.format, now_iso()))
    return 0


def cmd_import(ctx: Context) -> int:
    a = ctx.args
    src = Path(a.file).expanduser()
    plan_date = parse_date_arg(a.plan_date, "--plan-date") if a.plan_date else None
    if ctx.server is not None:
        from .catalog import import_to_server

        return import_to_server(ctx, src, plan_date)
    store = Store(ctx.path)
    if store.exists() and not a.replace:
        raise InputError(f"{store.describe()} already exists: add --replace to overwrite it (a .bak copy is kept)")
    result = read_plan_file(src, by=ctx.user, at=now_iso(), title=a.title, plan_date=plan_date)
    for w in result.warnings:
        say(f"warning: {w}", err=True)
    count = plural(result.count, "recommendation")
    if store.exists():
        bak = store.replace(result.data)
        say(f"replaced {store.describe()} with {count} from {src} (previous file kept as {bak})")
    else:
        store.create(result.data)
        say(f"created {store.describe()} with {count} from {src}")
    if result.warnings:
        say(f"{plural(len(result.warnings), 'deadline')} could not be read; kept as written, with no due date",
            err=True)
    return 0


def cmd_plans(ctx: Context) -> int:
    from .catalog import plan_rows, render_plans

    store = Store(ctx.server, plan=ctx.plan) if ctx.server else ctx.store()
    say(render_plans(plan_rows(store.backend, ctx.as_of, ctx.due_soon_days)))
    return 0


def cmd_init(ctx: Context) -> int:
    if ctx.server is None:
        raise InputError("init sets up a PostgreSQL database: give --db postgresql://... (a plan file "
                         "needs no setup: it is created on first use)")
    from .backends.pgschema import run_init  # noqa: PLC0415 - the driver only for a server

    return run_init(ctx.server, empty=ctx.args.empty, out=say)


def cmd_schema(ctx: Context) -> int:
    from .schema import schema_text

    write_data(schema_text())
    return 0


def cmd_where(ctx: Context) -> int:
    if ctx.server is not None:
        from .backends.pgconnect import redact  # noqa: PLC0415

        say(redact(ctx.server) + (f" (plan {ctx.plan})" if ctx.plan else ""))  # never the password
        return 0
    say(str(ctx.path))
    return 0


def cmd_app(ctx: Context) -> int:
    """No command: open the full-screen app (or print the table when there is no terminal)."""
    from .tui import terminal_problem  # noqa: PLC0415 - no Textual: the app's package only

    problem = terminal_problem(ctx.env) if sys.stdout.isatty() else None
    if problem is not None:  # a terminal the app cannot drive: the table, and one line saying why
        say(f"{PROG}: {problem}", err=True)
    if problem is not None or not (sys.stdin.isatty() and sys.stdout.isatty()):
        ctx.args.overdue = ctx.args.due_soon = False
        ctx.args.owner = ctx.args.status = None
        return cmd_list(ctx)
    # Settings, the plan file and the theme are all checked before the screen is taken over:
    # a bad one raises HspError here, which main() reports as one line with a non-zero exit.
    from .tui import run_app  # noqa: PLC0415 - Textual is loaded only here

    return run_app(ctx)


COMMANDS = {
    "list": cmd_list, "summary": cmd_summary, "show": cmd_show, "set": cmd_set, "note": cmd_note, "assign": cmd_assign,
    "revise": cmd_revise, "milestone": cmd_milestone, "undo": cmd_undo, "export": cmd_export,
    "import": cmd_import, "init": cmd_init, "plans": cmd_plans, "schema": cmd_schema, "where": cmd_where,
    None: cmd_app, **followup.COMMANDS,
}


def main(argv: Sequence[str] | None = None) -> int:
    tolerant_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        ctx = Context(args, dict(os.environ))
        return COMMANDS[args.command](ctx)
    except HspError as exc:
        say(f"{PROG}: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        say(f"{PROG}: interrupted", err=True)
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return 0
    except Exception as exc:  # noqa: BLE001 - never show a traceback to an officer
        if os.environ.get("HSP_TUI_DEBUG"):
            raise
        say(f"{PROG}: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
            "(set HSP_TUI_DEBUG=1 for details)", err=True)
        return 70
