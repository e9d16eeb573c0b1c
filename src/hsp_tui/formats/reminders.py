"""The reminders' content: who gets what as of the review date (`plan_reminders`, pure) and the
message itself (`build_message`: plain text and HTML, every piece of plan text shown literally; a
second and later reminder about an item says so). Delivery is in `remind`."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from hsp_tui.domain.errors import InputError
from hsp_tui.domain.review import ItemReview, Review
from hsp_tui.domain.rules import DEFAULT_ESCALATE_AFTER, owner_key
from hsp_tui.domain.textsafe import visible
from hsp_tui.formats.formatting import day_text, fmt_date, plural

NOTE_LIMIT = 300


@dataclass(frozen=True)
class Reminder:
    owner: str
    to: tuple[str, ...]
    overdue: tuple[ItemReview, ...]
    due_soon: tuple[ItemReview, ...]
    cc: tuple[str, ...] = ()  # the owner's sponsor, when an item has had escalate_after reminders already

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(i.number for i in (*self.overdue, *self.due_soon))


@dataclass(frozen=True)
class Unaddressed:
    owner: str
    count: int


def plan_reminders(rv: Review, days: int, owner: str | None = None,
                   escalate_after: int = DEFAULT_ESCALATE_AFTER) -> tuple[list[Reminder], list[Unaddressed]]:
    """Who gets a reminder as of `rv.as_of`: each owner with an item overdue or due within `days`,
    once (owners that differ only in case or spacing are one owner); and those without an address.
    The owner's sponsor is copied when an item already had `escalate_after` reminders or more."""
    if days < 0:
        raise InputError("--days cannot be negative")
    meta = rv.plan.meta
    groups: dict[str, list[ItemReview]] = {}
    names: dict[str, str] = {}
    for item in rv.items:
        rec = item.rec
        if rec.status.closed or item.due is None:
            continue
        soon = not item.overdue and 0 <= (item.due - rv.as_of).days <= days
        if not (item.overdue or soon):
            continue
        if owner and owner.casefold() not in rec.owner.casefold():
            continue
        key = owner_key(rec.owner)
        groups.setdefault(key, []).append(item)
        names.setdefault(key, " ".join(rec.owner.split()))
    reminders, missing = [], []
    for key in sorted(groups):
        items = groups[key]
        contact = meta.contact(names[key])
        if contact is None or not contact.addresses:
            missing.append(Unaddressed(names[key], len(items)))
            continue
        overdue = tuple(sorted((i for i in items if i.overdue), key=lambda i: (-i.days_overdue, i.number)))
        soon = tuple(sorted((i for i in items if not i.overdue), key=lambda i: (i.due, i.number)))
        # The owner as the plan spells it (the contact may have been typed otherwise).
        escalated = any(is_escalated(i.rec, names[key], escalate_after) for i in items)
        cc = tuple(a for a in contact.sponsor or () if a not in contact.addresses) if escalated else ()
        reminders.append(Reminder(names[key], contact.addresses, overdue, soon, cc))
    return reminders, missing


def _note(item: ItemReview) -> str:
    note = visible(item.rec.latest_note or "")
    return note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "…"


def sent_before(rec, owner: str, *, unconfirmed: bool = False) -> tuple:
    """The reminders already sent about this item to this owner (compared as owners are), oldest
    first: those known sent (what escalation counts), and with `unconfirmed` those recorded to go
    and never marked sent too (they may have gone)."""
    key = owner_key(owner)
    entries = rec.reminder_entries if unconfirmed else rec.reminders
    return tuple(h for h in entries if isinstance(h.new, dict) and owner_key(str(h.new.get("owner") or "")) == key
                 and (not unconfirmed or rec.reminder_state(h) != "failed"))


def is_escalated(rec, owner: str, escalate_after: int) -> bool:
    """The rule of escalation, once: an item whose owner has had `escalate_after` reminders about it
    or more (known sent); its next reminder is copied to the owner's sponsor (and the board report lists it)."""
    return len(sent_before(rec, owner)) >= escalate_after


def already_reminded(rv: Review, reminders: list[Reminder]) -> list[tuple[Reminder, tuple[int, ...]]]:
    """The reminders that would go a second time on the review date: for each, the items whose owner
    was already reminded about them on that day, or may have been (a reminder not confirmed sent):
    a second send needs confirming."""
    out = []
    for r in reminders:
        numbers = tuple(i.number for i in (*r.overdue, *r.due_soon)
                        if any(h.effective == rv.as_of.isoformat() for h in sent_before(i.rec, r.owner, unconfirmed=True)))
        if numbers:
            out.append((r, numbers))
    return out


def escalation(i: ItemReview, owner: str, overdue: bool) -> str | None:
    """'Reminder 3, first sent 1 Jun 2010, now 93 days overdue' for the second and later reminder
    about an item (None for the first)."""
    before = sent_before(i.rec, owner)
    if not before:
        return None
    words = f"Reminder {len(before) + 1}, first sent {day_text(before[0].at)}"
    return words + (f", now {plural(i.days_overdue, 'day')} overdue" if overdue else "")


def due_milestone(rv: Review, i: ItemReview) -> str | None:
    """The label of the open milestone whose date makes the item due (None: the deadline does)."""
    rec = i.rec
    if rec.revised or i.due is None:
        return None
    ref = rv.plan.meta.date
    return next((m.label for m in rec.milestones if not m.done and m.parsed(ref).due == i.due), None)


def _what_is_due(rv: Review, i: ItemReview) -> str:
    """'milestone "Draft framework" due', or 'due' when the deadline itself is."""
    label = due_milestone(rv, i)
    return f"milestone \"{visible(label)}\" due" if label else "due"


def subject(rv: Review, r: Reminder) -> str:
    title = visible(rv.plan.meta.title)
    parts = []
    if r.overdue:
        parts.append(f"{len(r.overdue)} overdue")
    if r.due_soon:
        parts.append(f"{len(r.due_soon)} due soon")
    return f"{title}: {' and '.join(parts)} (as of {fmt_date(rv.as_of)})"


def _sections(r: Reminder, days: int) -> list[tuple[str, tuple[ItemReview, ...], bool]]:
    """The message's lists as (heading, items, overdue?): the overdue items, then those due soon;
    an empty one left out."""
    return [(heading, items, overdue) for heading, items, overdue in (
        ("Overdue", r.overdue, True), (f"Due within {plural(days, 'day')}", r.due_soon, False)) if items]


def _when(i: ItemReview, overdue: bool) -> str:
    """'30 Apr 2010, 32 days overdue', or the date alone for an item due soon."""
    return fmt_date(i.due) + (f", {plural(i.days_overdue, 'day')} overdue" if overdue else "")


def text_body(rv: Review, r: Reminder, days: int) -> str:
    title = visible(rv.plan.meta.title)
    out = [f"Dear {visible(r.owner)},", "",
           f"Actions from {title} that are yours, as of {fmt_date(rv.as_of)}:", ""]
    for heading, items, overdue in _sections(r, days):
        out.append(f"{heading.upper() if overdue else heading} ({len(items)}):")
        for i in items:
            out.append(f"- No. {i.number} (ref {visible(i.rec.ref)}): {visible(' '.join(i.rec.recommendation.split()))}")
            out.append(f"  {_what_is_due(rv, i)} {_when(i, overdue)}; status {i.rec.status.words}")
            if (again := escalation(i, r.owner, overdue)) is not None:
                out.append(f"  {again}")
            if i.rec.latest_note:
                out.append(f"  latest note: {_note(i)}")
        out.append("")
    if r.cc:
        out += [f"Copied to the sponsor ({', '.join(r.cc)}): an item has had several reminders.", ""]
    out += ["Please update the action plan (hsp-tui) with progress or a revised date and its reason.", ""]
    return "\n".join(out)


def _due_cell(rv: Review, r: Reminder, i: ItemReview, overdue: bool) -> str:
    label = due_milestone(rv, i)
    again = escalation(i, r.owner, overdue)
    return (_when(i, overdue) + (f" (milestone \"{visible(label)}\")" if label else "")
            + (f". {again}" if again else ""))


def html_body(rv: Review, r: Reminder, days: int) -> str:
    e = lambda s: html.escape(s, quote=True)  # noqa: E731
    title = e(visible(rv.plan.meta.title))

    def rows(items: tuple[ItemReview, ...], overdue: bool) -> str:
        out = []
        for i in items:
            out.append(f"<tr><th scope=\"row\">{i.number}</th><td>{e(visible(i.rec.ref))}</td>"
                       f"<td>{e(visible(i.rec.recommendation))}</td><td>{e(_due_cell(rv, r, i, overdue))}</td><td>{e(i.rec.status.words)}</td>"
                       f"<td>{e(_note(i)) or '—'}</td></tr>")
        return "".join(out)

    head = ("<tr><th scope=\"col\">No.</th><th scope=\"col\">Ref</th><th scope=\"col\">Action</th>"
            "<th scope=\"col\">Due</th><th scope=\"col\">Status</th><th scope=\"col\">Latest note</th></tr>")
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(subject(rv, r))}</title>"
             "</head><body>",
             f"<p>Dear {e(visible(r.owner))},</p>",
             f"<p>Actions from <strong>{title}</strong> that are yours, as of {fmt_date(rv.as_of)}:</p>"]
    for heading, items, overdue in _sections(r, days):
        parts.append(f"<h2>{heading} ({len(items)})</h2><table border=\"1\" cellpadding=\"4\">{head}"
                     f"{rows(items, overdue)}</table>")
    if r.cc:
        parts.append(f"<p>Copied to the sponsor ({e(', '.join(r.cc))}): an item has had several reminders.</p>")
    parts.append("<p>Please update the action plan (hsp-tui) with progress or a revised date and its reason.</p>"
                 "</body></html>")
    return "".join(parts)


def build_message(rv: Review, r: Reminder, days: int, sender: str, reply_to: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["To"] = ", ".join(r.to)
    if r.cc:
        msg["Cc"] = ", ".join(r.cc)  # the sponsor: escalated
    msg["Subject"] = subject(rv, r)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])  # the sender's domain, never the host's
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, no out-of-office loops
    msg["X-HSP-Items"] = " ".join(str(n) for n in r.numbers)  # which items: for filters and for the tests
    msg.set_content(text_body(rv, r, days))
    msg.add_alternative(html_body(rv, r, days), subtype="html")
    return msg
