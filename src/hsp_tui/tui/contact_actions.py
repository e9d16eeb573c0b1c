"""The app's side of contacts and reminders: each change through the store, in turn with the app's
other changes, in a thread (the screen never freezes), then the plan shown again as saved.

The dialogs and the reminders' code (messages, SMTP) are imported by the key that opens them: the
first screen needs neither (issue 25)."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

from hsp_tui.domain.errors import HspError
from hsp_tui.formats.formatting import fmt_date, plural
from hsp_tui.tui.access_words import refused  # (both loaded at start by the app)
from hsp_tui.tui.words import stood_refusal

if TYPE_CHECKING:
    from hsp_tui.tui.planapp import PlanApp
    from hsp_tui.tui.screens.contacts import ContactEdit, RemindTo


def open_contacts(app: "PlanApp") -> None:
    from hsp_tui.tui.screens.contacts import ContactsScreen, owner_list  # noqa: PLC0415

    def chosen(edit: ContactEdit | None) -> None:
        if edit is not None:
            app.run_worker(_save_contact(app, edit), group="changes")

    # The plan as it stood on a past day, under later changes: its contacts (and that day's sponsors,
    # "not recorded" where its history cannot say) are shown, read-only as every change key is there.
    # A reader on a server sees them read-only too (the database would refuse the change).
    title, why, up_to = "Contacts: where reminders go", None, None
    if app.plan_view.replayed:  # (their history too ends at that day)
        title, why = f"Contacts as they stood on {fmt_date(app.as_of)} (read-only)", stood_refusal(app.as_of)
        up_to = app.as_of
    elif not app.access.contacts:
        title, why = f"{title} (read-only)", f"{refused(app.access, 'contacts')}."
    app.push_screen(ContactsScreen(owner_list(app.review.plan), app.settings.escalate_after, why, title, up_to), chosen)


async def _save_contact(app: "PlanApp", edit: ContactEdit) -> None:
    async with app.in_turn():
        if app.plan_view.replayed:  # asked before a new review date showed the plan as it stood
            app.notify(stood_refusal(app.as_of), severity="warning", timeout=10)
            return
        try:
            # on the review date when one was given, as the app's other changes (else the plan shown
            # would stand before the change and turn read-only)
            said = await asyncio.to_thread(app.store.set_contact, edit.owner, edit.addresses, by=app.user,
                                           sponsor=edit.sponsor, **app.change_day())
        except (HspError, OSError) as exc:
            app.notify(f"Not saved: {exc}", severity="error", timeout=8)
            return
        if said.endswith("nothing changed"):
            app.notify(f"No change: {said.removesuffix('; nothing changed')}")
            return
        await app.show_saved()
        if edit.sponsor == () and edit.addresses:  # the store's words name a sponsor only when there is one
            said += " (no sponsor)"
        app.notify(f"Saved. {said[:1].upper()}{said[1:]}")


def open_reminders(app: "PlanApp") -> None:
    from hsp_tui.formats.remind import already_reminded, plan_reminders  # noqa: PLC0415
    from hsp_tui.tui.screens.contacts import RemindScreen  # noqa: PLC0415

    days = app.due_soon_days
    reminders, missing = plan_reminders(app.review, days, escalate_after=app.settings.escalate_after)

    def chosen(to: RemindTo | None) -> None:
        if to is not None:
            app.remind_target = str(to.outbox) if to.outbox is not None else to.smtp.describe()
            app.run_worker(_send(app, to, days), group="changes")

    twice = already_reminded(app.review, reminders)
    again = "; ".join(f"{r.owner} (items {', '.join(map(str, numbers))})" for r, numbers in twice) or None
    app.push_screen(RemindScreen(app.as_of, days, reminders, missing, app.remind_target, again), chosen)


async def _send(app: "PlanApp", to: RemindTo, days: int) -> None:
    from hsp_tui.formats.remind import deliver, plan_reminders, sender_address, smtp_password  # noqa: PLC0415

    async with app.in_turn():
        rv = app.review  # as of the review date, as the dialog showed it
        reminders, _ = plan_reminders(rv, days, escalate_after=app.settings.escalate_after)
        env = os.environ
        password = smtp_password(to.smtp, env) if to.smtp is not None else None
        settings = app.settings
        try:
            sender = sender_address(None, to.smtp, env, settings.sender if settings else None) if reminders else ""
            delivery = await asyncio.to_thread(deliver, app.store, rv, reminders, days, sender=sender, by=app.user,
                                               reply_to=settings.reply_to if settings else None,
                                               outbox=to.outbox, target=to.smtp, password=password)
        except (HspError, OSError) as exc:
            app.notify(f"Reminders stopped: {exc}", severity="error", timeout=12)
            await app.show_saved()
            return
        if delivery.connect_error:
            app.notify(f"Nothing sent: {delivery.connect_error}", severity="error", timeout=12)
            return
        await app.show_saved()
        done = delivery.sent
        verb = "written to " + str(to.outbox) if to.outbox is not None else "sent via " + to.smtp.describe()
        words = f"{plural(len(done), 'reminder')} {verb}"
        if done:
            words += f" ({'; '.join(', '.join(d.reminder.to) for d in done)})"
        if delivery.failed:
            words += ". Failed: " + "; ".join(f"{d.reminder.owner} ({d.error})" for d in delivery.failed)
        if delivery.unmarked:
            words += (". Sent but not confirmed in the plan (shown as not confirmed sent): "
                      + "; ".join(f"{d.reminder.owner} ({d.unmarked})" for d in delivery.unmarked))
        if delivery.failed or delivery.unmarked:
            app.notify(words, severity="error", timeout=15)
        else:
            app.notify(words, timeout=10)
