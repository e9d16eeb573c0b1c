"""Audit follow-up commands: `verify` (the auditor's verdict), and the contacts and reminders.

`cli` calls `add_commands` while building its parser and dispatches to `COMMANDS`; each follow-up
command is one small function here, on the run's `invocation.Context`. Every failure is an
`HspError`, which `cli.main` reports as one line.
"""

from __future__ import annotations

from hsp_tui.domain.errors import Exit

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from hsp_tui.cli.invocation import Context


def add_commands(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("verify", help="the auditor's verdict on a done item: accepted (Verified) or rejected "
                                      "(back to In progress; --note required)")
    s.add_argument("number")
    s.add_argument("verdict", choices=["accepted", "rejected"])
    s.add_argument("--note", metavar="TEXT", help="the auditor's note (required when rejected)")
    add_contact_commands(sub)


def cmd_verify(ctx: "Context") -> int:
    from hsp_tui.cli.invocation import parse_number, report_change

    a = ctx.args
    change = ctx.store().verify(parse_number(a.number), a.verdict == "accepted", by=ctx.user, note=a.note)
    return report_change(ctx, change)


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
    from hsp_tui.cli.output import say

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
        from hsp_tui.formats.remind import owner_contacts

        for owner, addresses in owner_contacts(store.load()):
            say(f"{owner}: {', '.join(addresses) if addresses else '(no address)'}")
    return 0


def cmd_remind(ctx: "Context") -> int:
    from hsp_tui.cli.output import say
    from hsp_tui.domain.errors import InputError
    from hsp_tui.formats.formatting import plural
    from hsp_tui.formats.remind import (build_message, deliver, parse_smtp_url, plan_reminders, sender_address, smtp_password)

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

    def report(d) -> None:
        r = d.reminder
        if d.error is not None:
            say(f"failed: {r.owner} ({', '.join(r.to)}): {d.error}" + ("" if d.where or outbox else "; not recorded"),
                err=True)
        elif d.where is not None:
            say(f"wrote {d.where} for {r.owner} ({', '.join(r.to)}): items {', '.join(map(str, r.numbers))}")
        else:
            say(f"sent to {', '.join(r.to)} for {r.owner}: items {', '.join(map(str, r.numbers))}")

    delivery = deliver(store, rv, reminders, days, sender=sender, by=ctx.user, outbox=outbox, target=target,
                       password=smtp_password(target, ctx.env) if target is not None and reminders else None,
                       report=report)
    if delivery.connect_error:
        say(f"failed: {delivery.connect_error}; nothing was sent", err=True)
        return Exit.UNAVAILABLE
    sent, failed = len(delivery.sent), len(delivery.failed)
    say(f"{plural(sent, 'reminder')} sent" + (f", {failed} failed" if failed else ""), err=bool(failed))
    return Exit.PARTLY if failed else Exit.OK


COMMANDS.update({"contact": cmd_contact, "remind": cmd_remind})
