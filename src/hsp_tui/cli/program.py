"""The command line: `hsp-tui [--db PATH] [--as-of DATE] [--user NAME] COMMAND ...`.

Scripts, cron jobs and the TUI rely on this contract. Every failure the user can cause is one line
on stderr and a non-zero exit code, never a traceback. The command line never imports the app (nor
Textual): plain `hsp-tui` (no command) opens it through the `open_app` the program gives `main`
(`hsp_tui.__main__`, the console script, which imports the app only then).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import sys
import threading
from importlib import import_module
from typing import Callable, Iterable, Sequence

from hsp_tui import __version__
from hsp_tui.cli import followup_args
from hsp_tui.domain.errors import Exit, HspError
from hsp_tui.cli.invocation import PROG, Context, import_hint
from hsp_tui.cli.output import LIST_FORMATS, say, tolerant_streams
from hsp_tui.domain.review import DEFAULT_DUE_SOON_DAYS


def _columns() -> int:
    """The terminal's width as argparse's help takes it (`shutil.get_terminal_size`: $COLUMNS, else
    the terminal's, else 80), without importing `shutil` (and zlib, bz2, lzma with it) at every
    start: argparse builds a formatter, and so asks the width, at every `add_argument`."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class _Commands(argparse._SubParsersAction):
    """A command's one-line help (in the program's list of commands) is also the first line of its
    own `--help`, which would otherwise not say what the command does."""

    def add_parser(self, name, **kwargs):
        if "help" in kwargs:
            kwargs.setdefault("description", kwargs["help"])
        return super().add_parser(name, **kwargs)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("action", _Commands)
        return super().add_subparsers(**kwargs)

    def error(self, message: str) -> None:  # one line + usage hint, exit 2
        if "unrecognized arguments" in message and any(
                opt in message for opt in ("--db", "--plan", "--as-of", "--user", "--due-soon-days", "--config")):
            message += "; global options go before the command, e.g. 'hsp-tui --as-of 2010-06-01 list'"
        self.exit(Exit.INPUT, f"{self.prog}: error: {message} (see '{PROG} --help')\n")


def _file_mode(text: str) -> int:
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        raise argparse.ArgumentTypeError(f"{text!r} is not a file mode: give octal digits such as 600 or 644")
    return mode


def _global_options(p: argparse.ArgumentParser) -> None:
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


# Each command's arguments (`sub` is the parser's sub-parsers), in the order `--help` lists them.
def _list(sub) -> None:
    s = sub.add_parser("list", help="the plan as a table")
    s.add_argument("--overdue", action="store_true", help="only overdue items")
    s.add_argument("--due-soon", action="store_true", help="only items due soon")
    s.add_argument("--owner", metavar="TEXT", help="only owners containing TEXT (any case)")
    s.add_argument("--status", metavar="S", help="only this status (not_started, in_progress, blocked, done, verified, "
                   "dropped)")
    s.add_argument("--format", choices=LIST_FORMATS, default="table",
                   help="table (default, for people), or rows for scripts: tsv, csv or json")


def _summary(sub) -> None:
    sub.add_parser("summary", help="counts by status, by owner and by month of due date")


def _show(sub) -> None:
    s = sub.add_parser("show", help="one recommendation in full, with its history")
    followup_args.add_number(s)


def _set(sub) -> None:
    s = sub.add_parser("set", help="set a recommendation's status")
    followup_args.add_number(s)
    s.add_argument("status", help="not_started | in_progress | blocked | done | dropped")
    s.add_argument("--note", metavar="TEXT", help="a progress note to go with the change (required for dropped: "
                   "the reason)")
    followup_args.add_on(s)


def _note(sub) -> None:
    s = sub.add_parser("note", help="add a progress note")
    followup_args.add_number(s)
    s.add_argument("text", help="the note, in quotes")
    followup_args.add_on(s)


def _assign(sub) -> None:
    s = sub.add_parser("assign", help="change a recommendation's owner")
    followup_args.add_number(s)
    s.add_argument("owner", help="the new owner, in quotes (a role title, e.g. \"Head of Policy\")")
    s.add_argument("--note", metavar="TEXT", help="a note to go with the change")
    followup_args.add_on(s)


def _revise(sub) -> None:
    s = sub.add_parser("revise", help="revise a deadline (the agreed one is kept)")
    followup_args.add_number(s)
    s.add_argument("deadline", help="e.g. 'July 2010', '31/03/2011', 'Q3 2010/11'")
    s.add_argument("--reason", metavar="TEXT", help="why the deadline moved (required)")
    followup_args.add_on(s)


def _milestone(sub) -> None:
    s = sub.add_parser("milestone", help="mark a milestone done or open")
    followup_args.add_number(s)
    s.add_argument("index", help="milestone number, from 1")
    s.add_argument("state", choices=["done", "open"])
    s.add_argument("--note", metavar="TEXT", help="a note to go with the change")
    followup_args.add_on(s)


def _undo(sub) -> None:
    s = sub.add_parser("undo", help="reverse a change (recorded as a change of its own)")
    followup_args.add_number(s)
    s.add_argument("--entry", metavar="ID", help="history entry to undo (default: the latest that can be)")
    followup_args.add_on(s)


def _export(sub) -> None:
    s = sub.add_parser("export", help="write the plan as JSON, CSV (Excel), or a board report in Markdown or HTML")
    s.add_argument("--format", choices=["json", "csv", "md", "html"], default="json",
                   help="json (default: everything, imports back), csv (Excel), md or html (the board report)")
    s.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    s.add_argument("--mode", metavar="OCTAL", type=_file_mode,
                   help="permissions of the file written, e.g. 644 (default: as a new file under your umask, "
                        "but never more open than the plan's own: a 0600 plan gives 0600 exports)")
    s.add_argument("--since", metavar="DATE", help="board report (md, html): add every change that took effect "
                   "after DATE up to the review date, item by item (e.g. the last board's date)")
    s.add_argument("--with-evidence", metavar="DIR", help="JSON: write DIR/plan.json and a copy of every evidence "
                   "document its attachments name, DIR/evidence/<sha256> (each hash checked), to move the plan "
                   "with its copies (import DIR)")


def _import(sub) -> None:
    s = sub.add_parser("import", help="create a plan file from a CSV or a JSON export")
    s.add_argument("file", help="a CSV, a JSON export, or a folder written by export --with-evidence (its copies "
                   "are checked by their hashes before anything is saved, then kept)")
    s.add_argument("--replace", action="store_true", help="replace an existing plan file (a .bak is kept)")
    s.add_argument("--plan", dest="import_plan", metavar="NAME", help="on a database server: the new plan's name")
    s.add_argument("--title", metavar="TEXT", help="plan title for a CSV (default: the file name)")
    s.add_argument("--plan-date", metavar="DATE", help="the plan's date for a CSV: gives the year to "
                   "deadlines such as 'From July'")


def _init(sub) -> None:
    s = sub.add_parser("init", help="set up a PostgreSQL database for hsp-tui (--db postgresql://...; run by "
                       "the database's owner; safe to repeat, upgrades in place)")
    s.add_argument("--empty", action="store_true", help="do not load the embedded seed plan")


def _plans(sub) -> None:
    sub.add_parser("plans", help="the plans here, with items, open and overdue counts (a file holds one)")


def _schema(sub) -> None:
    sub.add_parser("schema", help="print the JSON Schema of the JSON export")


def _where(sub) -> None:
    sub.add_parser("where", help="print the path of the working file (or the server, never its password)")


ARGUMENTS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "list": _list, "summary": _summary, "show": _show, "set": _set, "note": _note, "assign": _assign,
    "revise": _revise, "milestone": _milestone, "undo": _undo, "export": _export, "import": _import,
    "init": _init, "plans": _plans, "schema": _schema,
    "verify": followup_args.add_verify, "contact": followup_args.add_contact, "remind": followup_args.add_remind,
    "evidence": followup_args.add_evidence, "check": followup_args.add_check,
    "where": _where,
}


def build_parser(commands: Iterable[str] | None = None, *,
                 parser_class: type[_Parser] | None = None) -> argparse.ArgumentParser:
    """The command line's parser: with `commands`, only those commands' arguments (see `parse_args`)."""
    p = (parser_class or _Parser)(
        prog=PROG,
        description="Track an audit action plan: owners, deadlines, status and what is overdue. "
                    "With no command, opens the full-screen app.",
        epilog="Dates are YYYY-MM-DD. The working file is --db, else $HSP_TUI_DB, else the user data folder "
               "('hsp-tui where' prints it). It is created from the embedded seed plan on first use.",
    )
    _global_options(p)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in ARGUMENTS if commands is None else commands:
        ARGUMENTS[name](sub)
    return p


class _Incomplete(Exception):
    """What only the whole parser can say: the program's help, or an error at the top level."""


class _OneCommandParser(_Parser):
    """The top level of a parser given one command's arguments only (`parse_args`): its help and
    its errors would miss the other commands, so it raises `_Incomplete` instead of printing them."""

    def error(self, message: str) -> None:
        raise _Incomplete(message)

    def print_help(self, file=None) -> None:
        raise _Incomplete("help")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The arguments, as `build_parser()` parses them, without building the arguments of twenty
    commands to run one (`add_argument` costs ~70 us each; the whole parser 8-13 ms of a note).

    The parser is first given only the command the words name (the first word that is a command's
    name), or none. Its top level differs from the whole parser's only in which command names it
    accepts, so when it parses the words without an error they name that command, and the whole
    parser would give the same arguments; the command's own help and errors are its own parser's,
    which is the same in both. Anything else (`--help`, an unknown command, a word taken for the
    command that was an option's value, an error at the top level) is parsed again by the whole
    parser, which prints what it always printed (tests/test_cli_parser.py)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    named = next((word for word in argv if word in ARGUMENTS), None)
    try:
        return build_parser([named] if named else [], parser_class=_OneCommandParser).parse_args(argv)
    except _Incomplete:
        return build_parser().parse_args(argv)


# One small function per command, as "module:function" of hsp_tui.cli: reading the plan
# (view_commands), changing one item (change_commands), the plan as a whole (plan_commands), the
# audit follow-up (followup_commands). A module is imported only when one of its commands runs, so
# a `note` loads none of the others (tests/test_cli_imports.py).
COMMANDS = {
    "list": "view_commands:cmd_list", "summary": "view_commands:cmd_summary", "show": "view_commands:cmd_show",
    None: "view_commands:cmd_app",
    "set": "change_commands:cmd_set", "note": "change_commands:cmd_note", "assign": "change_commands:cmd_assign",
    "revise": "change_commands:cmd_revise", "milestone": "change_commands:cmd_milestone",
    "undo": "change_commands:cmd_undo",
    "export": "plan_commands:cmd_export", "import": "plan_commands:cmd_import", "init": "plan_commands:cmd_init",
    "plans": "plan_commands:cmd_plans", "schema": "plan_commands:cmd_schema", "where": "plan_commands:cmd_where",
    "verify": "followup_commands:cmd_verify", "contact": "followup_commands:cmd_contact",
    "remind": "followup_commands:cmd_remind",
    "evidence": "evidence_commands:cmd_evidence", "check": "evidence_commands:cmd_check",
}


def command(name: str | None) -> Callable[[Context], int]:
    module, function = COMMANDS[name].split(":")
    return getattr(import_module(f"hsp_tui.cli.{module}"), function)


def main(argv: Sequence[str] | None = None, *, open_app: Callable[[Context], int] | None = None,
         process: bool = False) -> int:
    """Run one command; `open_app(ctx)` opens the full-screen app for plain `hsp-tui` (the program,
    `hsp_tui.__main__`, gives it; without it the plan is printed). `process`: this command is the
    whole process (`run`), which ends when it returns."""
    tolerant_streams()
    args = parse_args(argv)
    if process and args.command is not None:
        # A one-shot command's process ends when the command returns, freeing everything at once:
        # the cycle collector would only walk the decoded plan again and again as it grows (records
        # are trees; ~12% of decoding 100,000 records). The app manages it itself (tui.collector).
        gc.disable()
    ctx = None
    try:
        ctx = Context(args, dict(os.environ), open_app=open_app)
        try:
            return command(args.command)(ctx)
        finally:
            ctx.close()
    except HspError as exc:
        words = _as_typed(str(exc), args)
        if ctx is not None and ctx.path is not None and args.command != "import":
            words += import_hint(ctx.path, words)
        say(f"{PROG}: error: {words}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        say(f"{PROG}: interrupted", err=True)
        return Exit.INTERRUPTED
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
        return Exit.INTERNAL


def _as_typed(message: str, args: argparse.Namespace) -> str:
    """A refusal of the day a change took effect names `--on` (both backends say it so); without
    --on, that day was the review date, so the words name the option the user typed: --as-of."""
    if message.startswith("--on ") and getattr(args, "on", None) is None and args.as_of:
        day, rest = message[5:15], message[15:]  # "--on YYYY-MM-DD is before ..." / "--on YYYY-MM-DD: ..."
        return f"--as-of {day} (the day a change takes effect without --on){rest}"
    return message


def run(*, open_app: Callable[[Context], int] | None = None) -> None:
    """The `hsp-tui` command (and `python -m hsp_tui`, through `hsp_tui.__main__`, which gives
    `open_app`): `main`, then the process ends.

    A one-shot command has written, flushed, fsynced and closed everything by the time `main`
    returns (each store change is one transaction that ends in a `with`; the stores are let go of,
    a server's connection closed); what the interpreter would do next is wait for other threads,
    run the exit handlers (logging's, psycopg's, a temporary folder's removal), then free every
    object, the whole plan's among them, module by module: 25-40 ms and more on a large plan, for
    nothing. So `_end_now` is registered as the first exit handler, which the interpreter runs last
    (last in, first out), after the others: it flushes standard output and error and ends the
    process at once (`os._exit`); not while another thread runs, nor when a flush fails (then the
    interpreter's own exit reports it, as always). Nothing registers an exit handler before this
    (tests/test_cli_exit.py), so none is skipped. tests/test_cli_exit.py shows the change and the
    output complete when the command returns, and a command's exit handlers run."""
    atexit.register(_end_now)
    code = main(open_app=open_app, process=True)
    _ending.append(code)
    raise SystemExit(code)


_ending: list[int] = []  # the exit code `run` ends with; empty: `run` has not finished (an exception)


def _end_now() -> None:
    """The last exit handler of the `hsp-tui` command: end without the interpreter's teardown."""
    if not _ending or threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - the interpreter's exit reports it, as it always did
        return
    os._exit(_ending[-1])
