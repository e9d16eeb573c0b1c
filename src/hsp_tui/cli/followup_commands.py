"""Audit follow-up commands: `verify` (the auditor's verdict), and the contacts and reminders.

Their arguments are declared in `followup_args` (added to the parser when it needs them; this module is
imported only when one of these commands runs). Each follow-up command is one small function here,
on the run's `invocation.Context`. Every failure is an
`HspError`, which `cli.main` reports as one line.
"""

from __future__ import annotations

from hsp_tui.domain.errors import Exit
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hsp_tui.cli.invocation import Context


def cmd_verify(ctx: "Context") -> int:
    from hsp_tui.cli.invocation import parse_number, report_change

    a = ctx.args
    change = ctx.store().verify(parse_number(a.number), a.verdict == "accepted", by=ctx.user, note=a.note,
                                 **ctx.when())
    return report_change(ctx, change)


def cmd_contact(ctx: "Context") -> int:
    from hsp_tui.cli.output import say

    a = ctx.args
    store = ctx.store()
    if a.contact_command == "set":
        # "a@x, b@y" as the app's dialog takes it, or one address an argument: the same list.
        addresses = [part for arg in a.addresses for part in (p.strip() for p in arg.split(",")) if part]
        sponsor = None if a.sponsor is None else [p.strip() for p in a.sponsor.split(",") if p.strip()]
        say(store.set_contact(a.owner, addresses, by=ctx.user, sponsor=sponsor, **ctx.when()))
        if not any(" ".join(r.owner.split()).casefold() == " ".join(a.owner.split()).casefold()
                   for r in store.load().recommendations):
            say(f"note: no item of the plan has the owner {a.owner!r} (yet)", err=True)
    elif a.contact_command == "remove":
        say(store.remove_contact(a.owner, by=ctx.user, **ctx.when()))
    elif a.contact_command == "history":
        say(contact_history(ctx, store.load(), a.owner))
    else:
        from hsp_tui.formats.remind import owner_contacts

        plan = ctx.review(store.load()).plan  # as it stood on the review date (--as-of)
        for owner, addresses in owner_contacts(plan):
            c = plan.meta.contact(owner)
            sponsor = (f" (sponsor: {', '.join(c.sponsor)})" if c is not None and c.sponsor
                       else " (sponsor not recorded)" if c is not None and c.sponsor is None else "")
            say(f"{owner}: {', '.join(addresses) if addresses else '(no address)'}{sponsor}")
    return 0


def contact_history(ctx: "Context", plan, owner: str | None) -> str:
    """`contact history [OWNER]`: the plan's contact changes up to the review date, newest first."""
    from hsp_tui.domain.asof import meta_as_of
    from hsp_tui.domain.errors import NotFoundError
    from hsp_tui.domain.records import owner_key
    from hsp_tui.domain.textsafe import visible
    from hsp_tui.formats.contact_history import contact_changes, history_text
    from hsp_tui.formats.formatting import fmt_date

    heading = "Contact history"
    if owner is not None:
        # Any owner the plan knows (an item's, a contact's, one whose contact was removed), as
        # `contact set` matches them; another name is a mistyped one, said as `contact remove` says it.
        key = owner_key(owner)
        known = [h.field for h in contact_changes(plan.meta, owner)] + [
            r.owner for r in plan.recommendations if owner_key(r.owner) == key]
        if not known:
            raise NotFoundError(f"no owner {owner!r} in this plan (no item, no contact); "
                                "'hsp-tui contact list' shows the owners")
        heading += f" of {visible(' '.join(known[0].split()))}"
    if ctx.as_of_given:
        heading += f" up to {fmt_date(ctx.as_of)}"
    meta = meta_as_of(plan.meta, ctx.as_of, ctx.as_of.isoformat())  # as it stood on the review date
    return history_text(contact_changes(meta, owner), heading)


def cmd_remind(ctx: "Context") -> int:
    from hsp_tui.cli.output import say
    from hsp_tui.domain.errors import InputError
    from hsp_tui.formats.formatting import plural
    from hsp_tui.formats.formatting import fmt_date
    from hsp_tui.formats.remind import (NO_SENDER, already_reminded, build_message, deliver, parse_smtp_url,
                                        plan_reminders, sender_address, smtp_password)

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
    reminders, missing = plan_reminders(rv, days, a.owner, escalate_after=ctx.settings.escalate_after)
    for m in missing:
        say(f"no address for {m.owner} ({plural(m.count, 'item')} to remind): "
            f"hsp-tui contact set '{m.owner}' ADDRESS", err=True)
    reply_to = ctx.settings.reply_to
    if a.dry_run:
        try:
            sender = sender_address(a.sender, target, ctx.env, ctx.settings.sender)
        except InputError as exc:
            if str(exc) != NO_SENDER:
                raise
            sender = None
        messages = [(r, build_message(rv, r, days, sender or "hsp-tui@invalid", reply_to)) for r in reminders]
        for r, msg in messages:
            say(f"--- would send to {msg['To']}: {msg['Subject']}")
            say(msg.get_body(("plain",)).get_content())
        say(f"{plural(len(messages), 'message')} would be sent (dry run: nothing sent or recorded)")
        if sender is None and messages:
            say(f"note: {NO_SENDER.removesuffix('; nothing was sent')}", err=True)
        return 0
    sender = sender_address(a.sender, target, ctx.env, ctx.settings.sender) if reminders else ""
    twice = already_reminded(rv, reminders)
    if twice and not a.again:
        raise InputError(f"already reminded on {fmt_date(rv.as_of)}: " + "; ".join(
            f"{r.owner} (items {', '.join(map(str, numbers))})" for r, numbers in twice)
            + "; give --again to send again (nothing was sent)")

    def report(d) -> None:
        r = d.reminder
        if d.error is not None:
            say(f"failed: {r.owner} ({', '.join(r.to)}): {d.error}", err=True)
            return
        if d.where is not None:
            say(f"wrote {d.where} for {r.owner} ({', '.join(r.to)}): items {', '.join(map(str, r.numbers))}")
        else:
            say(f"sent to {', '.join(r.to)} for {r.owner}: items {', '.join(map(str, r.numbers))}")
        if d.unmarked is not None:
            say(f"not confirmed: the reminder to {r.owner} went but could not be marked sent ({d.unmarked}); "
                "the plan shows it as not confirmed sent", err=True)

    delivery = deliver(store, rv, reminders, days, sender=sender, reply_to=reply_to, by=ctx.user, outbox=outbox,
                       target=target,
                       password=smtp_password(target, ctx.env) if target is not None and reminders else None,
                       report=report, when=ctx.when())
    if delivery.connect_error:
        say(f"failed: {delivery.connect_error}; nothing was sent", err=True)
        return Exit.UNAVAILABLE
    sent, failed, unmarked = len(delivery.sent), len(delivery.failed), len(delivery.unmarked)
    verb = f"written to {outbox}" if outbox is not None else "sent"
    say(f"{plural(sent, 'reminder')} {verb}" + (f", {failed} failed" if failed else "")
        + (f", {unmarked} not confirmed in the plan" if unmarked else ""), err=bool(failed or unmarked))
    return Exit.PARTLY if failed or unmarked else Exit.OK

