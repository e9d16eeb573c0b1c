"""Audit follow-up commands: `verify` (the auditor's verdict), and the contacts and reminders.

Kept apart from `cli` (which calls `add_commands` while building its parser, and dispatches to
`COMMANDS`) so each follow-up command is one small function here. Every failure is an `HspError`,
which `cli.main` reports as one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .cli import Context


def add_commands(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("verify", help="the auditor's verdict on a done item: accepted (Verified) or rejected "
                                      "(back to In progress; --note required)")
    s.add_argument("number")
    s.add_argument("verdict", choices=["accepted", "rejected"])
    s.add_argument("--note", metavar="TEXT", help="the auditor's note (required when rejected)")
    add_contact_commands(sub)


def cmd_verify(ctx: "Context") -> int:
    from .cli import _report_change, parse_number

    a = ctx.args
    change = ctx.store().verify(parse_number(a.number), a.verdict == "accepted", by=ctx.user, note=a.note)
    return _report_change(ctx, change)


COMMANDS: dict[str, Callable[["Context"], int]] = {"verify": cmd_verify}


# -- contacts --------------------------------------------------------------------------------------
def add_contact_commands(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("contact", help="where reminders for an owner go: contact set OWNER ADDRESS..., "
                                       "contact list, contact remove OWNER")
    csub = s.add_subparsers(dest="contact_command", metavar="set|list|remove", required=True)
    c = csub.add_parser("set", help="the addresses of an owner (a role title, as in the plan)")
    c.add_argument("owner")
    c.add_argument("addresses", nargs="+", metavar="ADDRESS")
    csub.add_parser("list", help="every owner of the plan and their addresses")
    c = csub.add_parser("remove", help="forget an owner's addresses")
    c.add_argument("owner")

    s = sub.add_parser("remind", help="e-mail each owner their overdue items and those due soon")
    s.add_argument("--days", type=int, metavar="N", help="also items due within N days (default: the due-soon window)")
    s.add_argument("--owner", metavar="TEXT", help="only owners whose name contains TEXT")
    how = s.add_mutually_exclusive_group(required=True)
    how.add_argument("--smtp", metavar="URL", help="smtp://user@host:587 (STARTTLS) or smtps://host:465; the "
                     "password from $HSP_TUI_SMTP_PASSWORD or ~/.netrc")
    how.add_argument("--outbox", metavar="DIR", help="write one .eml file per message into DIR instead")
    s.add_argument("--from", dest="sender", metavar="ADDRESS", help="the sender (default: $HSP_TUI_MAIL_FROM, "
                   "else the SMTP user)")
    s.add_argument("--dry-run", action="store_true", help="print what would be sent; send and record nothing")


def cmd_contact(ctx: "Context") -> int:
    from .output import say

    a = ctx.args
    store = ctx.store()
    if a.contact_command == "set":
        say(store.set_contact(a.owner, a.addresses, by=ctx.user))
        if not any(" ".join(r.owner.split()).casefold() == " ".join(a.owner.split()).casefold()
                   for r in store.load().recommendations):
            say(f"note: no item of the plan has the owner {a.owner!r} (yet)", err=True)
    elif a.contact_command == "remove":
        say(store.remove_contact(a.owner, by=ctx.user))
    else:
        plan = store.load()
        owners = {" ".join(r.owner.split()).casefold(): " ".join(r.owner.split()) for r in plan.recommendations}
        for c in plan.meta.contacts:
            owners.setdefault(" ".join(c.owner.split()).casefold(), c.owner)
        for key in sorted(owners):
            c = plan.meta.contact(owners[key])
            say(f"{owners[key]}: {', '.join(c.addresses) if c else '(no address)'}")
    return 0


def cmd_remind(ctx: "Context") -> int:
    import smtplib

    from .output import say
    from .errors import InputError
    from .formatting import plural
    from .remind import (Mailer, build_message, parse_smtp_url, plan_reminders, sender_address, smtp_password,
                         write_eml)

    a = ctx.args
    days = ctx.due_soon_days if a.days is None else a.days
    target = parse_smtp_url(a.smtp) if a.smtp else None
    outbox = None
    if a.outbox:
        outbox = Path(a.outbox).expanduser()
        if not outbox.exists():  # said as export -o says it: the officer may have mistyped the name
            raise InputError(f"--outbox {outbox}: the folder does not exist (create it first)")
        if not outbox.is_dir():
            raise InputError(f"--outbox {outbox}: not a folder")
    store = ctx.store()
    rv = ctx.review(store.load())
    reminders, missing = plan_reminders(rv, days, a.owner)
    for m in missing:
        say(f"no address for {m.owner} ({plural(m.count, 'item')} to remind): "
            f"hsp-tui contact set '{m.owner}' ADDRESS", err=True)
    sender = sender_address(a.sender, target, ctx.env, ctx.user)
    messages = [(r, build_message(rv, r, days, sender)) for r in reminders]
    if a.dry_run:
        for r, msg in messages:
            say(f"--- would send to {msg['To']}: {msg['Subject']}")
            say(msg.get_body(("plain",)).get_content())
        say(f"{plural(len(messages), 'message')} would be sent (dry run: nothing sent or recorded)")
        return 0
    failed = 0
    sent = 0

    def record(r, via: str) -> None:
        for number in r.numbers:
            store.record_reminder(number, r.to, r.owner, by=ctx.user, via=via)

    if outbox is not None:
        for r, msg in messages:
            try:
                path = write_eml(outbox, r, msg, rv.as_of)
            except Exception as exc:  # noqa: BLE001 - one failed message is reported, the rest go on
                failed += 1
                say(f"failed: {r.owner} ({', '.join(r.to)}): {exc}", err=True)
                continue
            record(r, "outbox")
            sent += 1
            say(f"wrote {path} for {r.owner} ({', '.join(r.to)}): items {', '.join(map(str, r.numbers))}")
    elif messages:
        try:
            mailer = Mailer(target, smtp_password(target, ctx.env)).__enter__()
        except (smtplib.SMTPException, OSError) as exc:
            say(f"failed: cannot connect to {target.describe()}: {exc}; nothing was sent", err=True)
            return 1
        try:
            for r, msg in messages:
                try:
                    mailer.send(msg)
                except (smtplib.SMTPException, OSError) as exc:
                    failed += 1
                    say(f"failed: {r.owner} ({', '.join(r.to)}): {exc}; not recorded", err=True)
                    continue
                record(r, "smtp")
                sent += 1
                say(f"sent to {', '.join(r.to)} for {r.owner}: items {', '.join(map(str, r.numbers))}")
        finally:
            mailer.__exit__(None, None, None)
    say(f"{plural(sent, 'reminder')} sent" + (f", {failed} failed" if failed else ""), err=bool(failed))
    return 1 if failed else 0


COMMANDS.update({"contact": cmd_contact, "remind": cmd_remind})
