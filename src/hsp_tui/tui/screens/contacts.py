"""Contacts and reminders in the app: where each owner's reminders go, and sending them.

`ContactsScreen` lists every owner of the plan with their addresses and sponsor (copied on an
escalated reminder), says who last changed the highlighted owner's contact and when (`h` lists
that owner's whole contact history: `contact_changes.ContactHistoryScreen`), and dismisses with the
new addresses and sponsor of the highlighted owner (no addresses: remove the contact), checked as
the store checks them; read-only for a past day's plan.
`RemindScreen` shows what would be sent as of the review date and dismisses with where to send it:
an outbox folder or an SMTP server. The sending and recording happen in the app (tui/followup.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from hsp_tui.domain.rules import check_address
from hsp_tui.domain.errors import HspError
from hsp_tui.domain.records import HistoryEntry
from hsp_tui.formats.contact_history import contact_changes, last_change_words
from hsp_tui.formats.formatting import fmt_date, plural
from hsp_tui.formats.remind import Reminder, SmtpTarget, Unaddressed, owner_contacts, parse_smtp_url
from hsp_tui.domain.textsafe import one_line, visible
from hsp_tui.tui.screens.contact_changes import ContactHistoryScreen
from hsp_tui.tui.screens.dialog import Dialog


@dataclass(frozen=True)
class OwnerContact:
    """An owner as the dialog lists them: their addresses (empty: none yet) and sponsor (empty: none;
    None: not recorded, in the plan as it stood on a day before contacts' entries recorded it), and
    the changes of their contact, oldest first (the plan's own history, up to the day shown)."""

    owner: str
    addresses: tuple[str, ...]
    sponsor: tuple[str, ...] | None = ()
    changes: tuple[HistoryEntry, ...] = ()


def owner_list(plan) -> list[OwnerContact]:
    """Every owner of `plan` (formats.remind.owner_contacts) with their addresses, sponsor and changes."""
    out = []
    for owner, addresses in owner_contacts(plan):
        c = plan.meta.contact(owner)
        out.append(OwnerContact(owner, addresses, c.sponsor if c is not None else (),
                                contact_changes(plan.meta, owner)))
    return out


@dataclass(frozen=True)
class ContactEdit:
    owner: str
    addresses: tuple[str, ...]  # empty: remove the owner's contact (sponsor and all)
    sponsor: tuple[str, ...] | None = None  # empty: no sponsor; None: the sponsor as it was


def split_addresses(text: str) -> tuple[str, ...]:
    """'a@x.org, b@x.org' or 'a@x.org b@x.org' as checked addresses; InputError names a bad one."""
    return tuple(check_address(a) for a in re.split(r"[,;\s]+", text) if a)


def sponsor_words(sponsor: tuple[str, ...] | None) -> str:
    """An owner's sponsor as the dialog says it (addresses spelled out: they are data)."""
    if sponsor is None:
        return "sponsor not recorded"
    return f"sponsor {visible(', '.join(sponsor))}" if sponsor else "no sponsor"


def changed_words(c: OwnerContact) -> str:
    """Who last changed the owner's contact and when, and the key that shows the rest."""
    last = last_change_words(c.changes)
    if last is None:
        return "Contact not set or changed yet · h: its history"
    return f"Contact {last} · h: its history ({plural(len(c.changes), 'change')})"


class ContactsScreen(Dialog[ContactEdit]):
    """Each owner, their addresses and sponsor; type the highlighted owner's addresses and sponsor,
    Enter saves. `read_only`: why nothing may be changed here (the plan as it stood on a past day),
    said when Enter is pressed; the owners are listed all the same."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="contacts_cancel"),
                Binding("h", "history", "History", id="contacts_history")]
    AUTO_FOCUS = "#contacts-owners"

    def __init__(self, contacts: list[OwnerContact], escalate_after: int, read_only: str | None = None,
                 title: str = "Contacts: where reminders go", up_to: date | None = None) -> None:
        """`up_to`: the day the plan shown stood on, when later changes are left out (its history ends there)."""
        super().__init__()
        self.contacts, self.escalate_after, self.read_only, self.title_words = contacts, escalate_after, read_only, title
        self.up_to = up_to

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog contacts") as box:
            box.border_title = self.title_words
            yield OptionList(*(Option(self._line(c), id=f"owner-{k}") for k, c in enumerate(self.contacts)),
                             id="contacts-owners")
            yield Label("", id="contacts-changed", classes="dim", markup=False)
            yield Label("", id="contacts-owner", markup=False)
            yield Input(id="contacts-addresses", placeholder="name@example.org, another@example.org",
                        disabled=self.read_only is not None)
            yield Label(f"Sponsor (Cc once an item has had {plural(self.escalate_after, 'reminder')}; empty: "
                        "none):", id="contacts-sponsor-label", markup=False)
            yield Input(id="contacts-sponsor", placeholder="head.of.service@example.org",
                        disabled=self.read_only is not None)
            yield Label("", id="contacts-error", classes="error", markup=False)
            hint = ("Up/Down choose an owner · read-only · Escape closes" if self.read_only is not None else
                    "Up/Down choose an owner · Enter edits, Tab to the sponsor, Enter saves (empty "
                    "addresses: remove the contact) · Escape cancels")
            yield Label(hint, classes="dim", markup=False)

    @staticmethod
    def _line(c: OwnerContact) -> Text:
        if not c.addresses:
            return Text(f"{one_line(c.owner, 40)}: (no address)")
        return Text(f"{one_line(c.owner, 40)}: {visible(', '.join(c.addresses))} · {sponsor_words(c.sponsor)}")

    def on_mount(self) -> None:
        if self.contacts:
            self.query_one(OptionList).highlighted = 0
            self._show(0)

    @property
    def owner_index(self) -> int | None:
        return self.query_one(OptionList).highlighted

    def _show(self, k: int) -> None:
        c = self.contacts[k]
        self.query_one("#contacts-owner", Label).update(f"Addresses of {one_line(c.owner, 60)}:")
        # Addresses edited into the file are not checked on read: shown spelled out, as everywhere.
        self.query_one("#contacts-addresses", Input).value = visible(", ".join(c.addresses))
        sponsor = self.query_one("#contacts-sponsor", Input)
        sponsor.value = visible(", ".join(c.sponsor or ()))
        sponsor.placeholder = "not recorded on that day" if c.sponsor is None else "head.of.service@example.org"
        self.query_one("#contacts-changed", Label).update(changed_words(c))
        self.query_one("#contacts-error", Label).update("")

    def action_history(self) -> None:
        """`h`: the highlighted owner's whole contact history, in a dialog of its own."""
        k = self.owner_index
        if k is not None and not self.decided:
            c = self.contacts[k]
            self.app.push_screen(ContactHistoryScreen(c.owner, c.changes, self.up_to))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_index is not None:
            self._show(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.read_only is not None:
            self.query_one("#contacts-error", Label).update(self.read_only)
            return
        self.query_one("#contacts-addresses", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.confirm()

    def confirm(self) -> None:
        error = self.query_one("#contacts-error", Label)
        if self.read_only is not None:
            error.update(self.read_only)
            return
        k = self.owner_index
        if k is None:
            error.update("No owner is highlighted.")
            return
        c = self.contacts[k]
        try:
            addresses = split_addresses(self.query_one("#contacts-addresses", Input).value)
        except HspError as exc:
            error.update(f"{visible(str(exc))}. Separate addresses with commas.")
            return
        try:
            sponsor = split_addresses(self.query_one("#contacts-sponsor", Input).value)
        except HspError as exc:
            error.update(f"Sponsor: {visible(str(exc))}.")
            return
        if sponsor and not addresses:  # a contact is its addresses: without them there is no sponsor
            error.update("A sponsor is copied on the owner's reminders: type the owner's addresses too "
                         "(or empty both boxes to remove the contact).")
            return
        if not addresses and not c.addresses:
            error.update(f"{one_line(c.owner, 60)} has no address to remove: type one, or Escape to cancel.")
            return
        kept = sponsor == (c.sponsor or ())  # unchanged (a sponsor not recorded stays as it is)
        self.decide(ContactEdit(c.owner, addresses, None if kept else sponsor))


@dataclass(frozen=True)
class RemindTo:
    outbox: Path | None  # write .eml files here
    smtp: SmtpTarget | None  # or send through this server


class RemindScreen(Dialog[RemindTo]):
    """What would be sent as of the review date; where to send it. Enter sends, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="remind_cancel")]
    AUTO_FOCUS = "#remind-to"

    def __init__(self, as_of, days: int, reminders: list[Reminder], missing: list[Unaddressed],
                 last_target: str = "", again: str | None = None) -> None:
        super().__init__()
        self.as_of, self.days, self.reminders, self.missing = as_of, days, reminders, missing
        self.last_target = last_target
        self.again = again  # who was already reminded on the review date: a second Enter confirms

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = f"Remind owners (as of {fmt_date(self.as_of)})"
            lines = [f"{visible(', '.join(r.to))}: {len(r.overdue)} overdue, {len(r.due_soon)} due within "
                     f"{plural(self.days, 'day')} ({one_line(r.owner, 40)})" for r in self.reminders]
            lines += [f"no address for {one_line(m.owner, 40)} ({plural(m.count, 'item')}): c sets one"
                      for m in self.missing]
            if not lines:
                lines = ["Nothing to remind: no owner has an item overdue or due soon."]
            yield Label(Text("\n".join(lines) + "\n"), id="remind-list")
            yield Label(f"{plural(len(self.reminders), 'message')} to send. Send to an outbox folder "
                        "(.eml files) or an SMTP server (smtp://user@host:587, smtps://host:465; the "
                        "password from HSP_TUI_SMTP_PASSWORD or ~/.netrc):", markup=False)
            yield Input(visible(self.last_target), id="remind-to", placeholder="./outbox or smtp://user@host:587")
            yield Label("", id="remind-error", classes="error", markup=False)
            yield Label("Enter sends · Escape cancels", classes="dim", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.confirm()

    def confirm(self) -> None:
        error = self.query_one("#remind-error", Label)
        if not self.reminders:
            error.update("Nothing to send (Escape closes).")
            return
        where = self.query_one("#remind-to", Input).value.strip()
        if not where:
            error.update("Where to? Type an outbox folder or an SMTP URL.")
            return
        if self.again is not None:
            error.update(f"Already reminded on {fmt_date(self.as_of)}: {self.again}. Enter again sends anyway; "
                         "Escape cancels.")
            self.again = None
            return
        if re.match(r"^[a-z][a-z0-9+.-]*://", where, re.IGNORECASE):
            try:
                target = parse_smtp_url(where)
            except HspError as exc:
                error.update(visible(str(exc).removeprefix("--smtp ")))
                return
            self.decide(RemindTo(None, target))
            return
        folder = Path(where).expanduser()
        if not folder.exists():  # as `remind --outbox` says it
            error.update(f"{visible(where)}: the folder does not exist (create it first, or give an smtp:// URL).")
            return
        if not folder.is_dir():
            error.update(f"{visible(where)}: not a folder.")
            return
        self.decide(RemindTo(folder, None))
