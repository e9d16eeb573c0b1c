"""One run of the command line: which plan it works on (a file or a server), who runs it, the review
date and the settings (`Context`), with the parsing of the values every command takes and the one
report every change gives.

The commands themselves are `view_commands` (reading the plan), `change_commands` (changing one
item), `plan_commands` (the plan as a whole: export, import, set-up), `followup_commands` and
`evidence_commands` (verify, contacts, reminders, evidence).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Callable

from hsp_tui.cli.config import load_settings
from hsp_tui.domain.errors import HspError, InputError
from hsp_tui.formats.formatting import due_words, fmt_date
from hsp_tui.domain.model import Plan
from hsp_tui.cli.output import say
from hsp_tui.storage.file.paths import resolve_config_path, resolve_db_path
from hsp_tui.domain.review import DEFAULT_DUE_SOON_DAYS, Review, review, review_item
from hsp_tui.domain.clock import now_iso
from hsp_tui.storage.backends import server_target
from hsp_tui.storage.store import Store

PROG = "hsp-tui"


def parse_date_arg(text: str, what: str = "--as-of") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    from hsp_tui.domain.deadlines import numeric_day  # noqa: PLC0415 - only for a date that does not read

    try:
        day = numeric_day(text)
    except ValueError as exc:  # 2026-02-30: written as asked, but no such day
        raise InputError(f"{what} {text!r} is not a date: {exc}") from None
    if day is not None:  # 31/12/2026: a day, written as the app takes it but not as a command does
        raise InputError(f"{what} {text!r}: write the date as YYYY-MM-DD, here {day.isoformat()}")
    raise InputError(f"{what} {text!r} is not a date: use YYYY-MM-DD, e.g. 2010-06-01")


def parse_number(text: str, what: str = "recommendation number") -> int:
    try:
        n = int(str(text).strip().rstrip("."))
    except ValueError:
        raise InputError(f"{what} {text!r} is not a whole number") from None
    if n < 1:
        raise InputError(f"{what} {text!r} must be 1 or more")
    return n



def default_user(env: dict[str, str]) -> str:
    """`HSP_TUI_USER`, else the login name."""
    if env.get("HSP_TUI_USER"):
        return env["HSP_TUI_USER"]
    import getpass  # noqa: PLC0415 - not when the name is given (termios, pwd)

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers, some services)
        return "unknown"


class Context:
    def __init__(self, args: argparse.Namespace, env: dict[str, str], *,
                 open_app: "Callable[[Context], int] | None" = None) -> None:
        self.args = args
        self.env = env
        self.open_app = open_app  # opens the full-screen app (given by the program: see cli.program.main)
        self._stores: list[Store] = []
        target = args.db or env.get("HSP_TUI_DB")
        self.server = server_target(target)  # a connection string (refused if unsupported), or None: a file
        if self.server is not None and (args.user or env.get("HSP_TUI_USER")):
            given = "--user" if args.user else "HSP_TUI_USER"
            raise InputError(f"{given} cannot be used with a database server: the server records the user "
                             "you logged in as for every change, never a name the client gives")
        wanted = args.plan or getattr(args, "import_plan", None)
        if wanted is not None and self.server is None:
            raise InputError("--plan picks one of the plans on a database server; a plan file holds one plan")
        self.plan = (wanted or env.get("HSP_TUI_PLAN") or None) if self.server else None
        self.path = None if self.server else resolve_db_path(args.db, env)
        self.user = args.user or default_user(env)
        # The run's today: a past review date when one is given (a change then takes effect on it
        # unless --on says otherwise, and never after it), else the clock's date.
        self.as_of = parse_date_arg(args.as_of) if args.as_of else date.today()
        self.today = min(self.as_of, date.today())
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
        """The plan's store (`options`: the backend's, see `backends.open_backend`); let go of by
        `close` when the command has run."""
        if self.server is not None:  # the seed is loaded there by 'init', never by another command
            store = Store.open(self.server, plan=self.plan, **options)
        else:
            user, made = self.user, []

            def seed():
                made.append(True)
                return seed_data(user)

            store = Store.open(self.path, seed=seed, **options)
            if made and (self.args.db or self.env.get("HSP_TUI_DB")):
                # A path given, and nothing there: a mistyped name, or a team folder not mounted, would
                # otherwise take this run's change into a new plan unseen.
                say(f"{PROG}: note: there was no plan at {self.path}: a new one was made from the embedded "
                    "seed plan (check the path if you meant an existing plan)", err=True)
        self._stores.append(store)
        return store

    def close(self) -> None:
        """Let go of the stores this run opened (a server's connection ends as a client should end it)."""
        while self._stores:
            self._stores.pop().backend.close()

    def when(self) -> dict[str, date | None]:
        """The day a change took effect (`--on`, default today) and today, for the store's changes."""
        on = getattr(self.args, "on", None)
        given = parse_date_arg(on, "--on") if on else (self.today if self.as_of_given else None)
        return {"on": given, "today": self.today}

    def review(self, plan: Plan) -> Review:
        """The plan as it stood at the end of the review date (`asof`), judged as of that date."""
        from hsp_tui.domain.asof import as_it_stood  # noqa: PLC0415 - the commands that review the whole plan

        return review(as_it_stood(plan, self.as_of), self.as_of, self.due_soon_days)


def import_hint(path: Path, message: str) -> str:
    """How to make a plan of a JSON export or a CSV given where a plan file goes (`--db`): refused as
    no plan file, which it is not, the refusal then says what to do with it ("" otherwise)."""
    if ": not an hsp-tui plan file" not in message and ": not valid JSON" not in message:
        return ""
    from hsp_tui.storage.file.safefiles import read_bytes  # noqa: PLC0415 - only after such a refusal

    try:  # as the plan was read: a regular file only, never through a link, never a FIFO's wait
        start = read_bytes(path, link_ok=False)[:4096].removeprefix(b"\xef\xbb\xbf")
    except HspError:
        return ""
    if b'"format": "hsp-tui-export"' in start:
        what = "a JSON export"
    elif start.startswith(b"number,") or path.suffix.lower() == ".csv":
        what = "a CSV"
    else:
        return ""
    return f" (it is {what}: make a plan file of it with hsp-tui --db NEW.json import {path})"


def report_change(ctx: Context, change) -> int:
    say(change.summary)
    # That item only, judged as the review would judge it: O(1), not the whole plan.
    item = review_item(change.record, ctx.as_of, change.meta.date, ctx.due_soon_days)
    due = f"due {fmt_date(item.due)}" if item.due else due_words(item)
    say(f"  now: {item.rec.status.words}, {due}" + (f", {item.flag}" if item.flag else ""))
    return 0


def seed_data(user: str):
    """The embedded seed plan as a new plan gets it (imported only then), created by `user`."""
    from hsp_tui.formats.importing import seed_to_data  # noqa: PLC0415
    from hsp_tui.storage.seed import seed_document  # noqa: PLC0415

    return seed_to_data(seed_document(), by=user, at=now_iso())
