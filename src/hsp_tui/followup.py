"""Audit follow-up commands: `verify` (the auditor's verdict), and the contacts and reminders.

Kept apart from `cli` (which calls `add_commands` while building its parser, and dispatches to
`COMMANDS`) so each follow-up command is one small function here. Every failure is an `HspError`,
which `cli.main` reports as one line.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .cli import Context


def add_commands(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("verify", help="the auditor's verdict on a done item: accepted (Verified) or rejected "
                                      "(back to In progress; --note required)")
    s.add_argument("number")
    s.add_argument("verdict", choices=["accepted", "rejected"])
    s.add_argument("--note", metavar="TEXT", help="the auditor's note (required when rejected)")


def cmd_verify(ctx: "Context") -> int:
    from .cli import _report_change, parse_number

    a = ctx.args
    change = ctx.store().verify(parse_number(a.number), a.verdict == "accepted", by=ctx.user, note=a.note)
    return _report_change(ctx, change)


COMMANDS: dict[str, Callable[["Context"], int]] = {"verify": cmd_verify}
