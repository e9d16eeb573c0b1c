"""Reminders to owners: one message per owner, as of the review date, listing their overdue items and
those due within N days, sent by SMTP or written as .eml files.

`plan_reminders` (pure) decides who gets what; `build_message` makes the e-mail (plain text and HTML
parts, every piece of plan text shown literally); `Mailer` sends over SMTP (STARTTLS on smtp://,
TLS from the start on smtps://; the password from HSP_TUI_SMTP_PASSWORD or ~/.netrc, never printed)
and `write_eml` writes one file per message for an outbox.
"""

from __future__ import annotations

import html
import netrc
import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote, urlsplit

from hsp_tui.domain.errors import InputError
from hsp_tui.formats.formatting import fmt_date, plural
from hsp_tui.domain.rules import check_address, owner_key
from hsp_tui.domain.review import ItemReview, Review
from hsp_tui.storage.file.safefiles import atomic_write
from hsp_tui.domain.textsafe import visible

NOTE_LIMIT = 300


@dataclass(frozen=True)
class Reminder:
    owner: str
    to: tuple[str, ...]
    overdue: tuple[ItemReview, ...]
    due_soon: tuple[ItemReview, ...]

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(i.number for i in (*self.overdue, *self.due_soon))


@dataclass(frozen=True)
class Unaddressed:
    owner: str
    count: int


def plan_reminders(rv: Review, days: int, owner: str | None = None) -> tuple[list[Reminder], list[Unaddressed]]:
    """Who gets a reminder as of `rv.as_of`: each owner with an item overdue or due within `days`,
    once (owners that differ only in case or spacing are one owner); and those without an address."""
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
        reminders.append(Reminder(names[key], contact.addresses, overdue, soon))
    return reminders, missing


def _note(item: ItemReview) -> str:
    note = visible(item.rec.latest_note or "")
    return note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "…"


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
            if i.rec.latest_note:
                out.append(f"  latest note: {_note(i)}")
        out.append("")
    out += ["Please update the action plan (hsp-tui) with progress or a revised date and its reason.", ""]
    return "\n".join(out)


def _due_cell(rv: Review, i: ItemReview, overdue: bool) -> str:
    label = due_milestone(rv, i)
    return _when(i, overdue) + (f" (milestone \"{visible(label)}\")" if label else "")


def html_body(rv: Review, r: Reminder, days: int) -> str:
    e = lambda s: html.escape(s, quote=True)  # noqa: E731
    title = e(visible(rv.plan.meta.title))

    def rows(items: tuple[ItemReview, ...], overdue: bool) -> str:
        out = []
        for i in items:
            out.append(f"<tr><th scope=\"row\">{i.number}</th><td>{e(visible(i.rec.ref))}</td>"
                       f"<td>{e(visible(i.rec.recommendation))}</td><td>{e(_due_cell(rv, i, overdue))}</td><td>{e(i.rec.status.words)}</td>"
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
    parts.append("<p>Please update the action plan (hsp-tui) with progress or a revised date and its reason.</p>"
                 "</body></html>")
    return "".join(parts)


def build_message(rv: Review, r: Reminder, days: int, sender: str, reply_to: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["To"] = ", ".join(r.to)
    msg["Subject"] = subject(rv, r)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])  # the sender's domain, never the host's
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, no out-of-office loops
    msg["X-HSP-Items"] = " ".join(str(n) for n in r.numbers)  # which items: for filters and for the tests
    msg.set_content(text_body(rv, r, days))
    msg.add_alternative(html_body(rv, r, days), subtype="html")
    return msg


# -- delivery --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmtpTarget:
    scheme: str  # smtp (STARTTLS) | smtps (TLS from the start)
    host: str
    port: int
    user: str | None

    def describe(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{who}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://user@host:587` (STARTTLS) or `smtps://host:465`. A password in the URL is refused:
    it would show in the process list and in the shell's history."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InputError(f"--smtp {url!r} is not an SMTP URL (e.g. smtp://officer@mail.example.org:587)") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InputError(f"--smtp {url!r} is not an SMTP URL: use smtp://[user@]host[:port] (STARTTLS) "
                         "or smtps://[user@]host[:port]")
    if parts.password is not None:
        raise InputError("--smtp: do not put the password in the URL; set HSP_TUI_SMTP_PASSWORD or use ~/.netrc")
    default = 587 if parts.scheme == "smtp" else 465
    return SmtpTarget(parts.scheme, parts.hostname, port or default, unquote(parts.username) if parts.username else None)


def smtp_password(target: SmtpTarget, env: Mapping[str, str]) -> str | None:
    if env.get("HSP_TUI_SMTP_PASSWORD"):
        return env["HSP_TUI_SMTP_PASSWORD"]
    try:
        auth = netrc.netrc().authenticators(target.host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    if auth and (target.user is None or auth[0] == target.user):
        return auth[2]
    return None


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or bool(re.fullmatch(r"127(\.\d{1,3}){3}", host))


class Mailer:
    """One SMTP session for a run; `send` raises OSError or smtplib.SMTPException on failure."""

    def __init__(self, target: SmtpTarget, password: str | None, *, timeout: float = 30) -> None:
        self.target, self._password, self._timeout = target, password, timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        """Connect (TLS from the start, or STARTTLS), check the server's certificate against the
        trusted authorities (the system's, or SSL_CERT_FILE / SSL_CERT_DIR), then log in: the
        password goes only to a server whose certificate is trusted. On failure the session is closed."""
        t = self.target
        if t.user and self._password is None:
            raise smtplib.SMTPException(f"no password for {t.user} on {t.host}: set HSP_TUI_SMTP_PASSWORD "
                                        "or add the host to ~/.netrc")
        context = ssl.create_default_context()
        if t.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(t.host, t.port, timeout=self._timeout, context=context)
        else:
            smtp = smtplib.SMTP(t.host, t.port, timeout=self._timeout)
        try:
            if t.scheme == "smtp":
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif t.user or not _loopback(t.host):
                    raise smtplib.SMTPException(f"{t.host} does not offer STARTTLS: nothing is sent unencrypted")
            if t.user:
                smtp.login(t.user, self._password)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return self

    def send(self, msg: EmailMessage) -> None:
        assert self._smtp is not None
        refused = self._smtp.send_message(msg)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)

    def __exit__(self, *exc: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()


def eml_name(r: Reminder, as_of: date) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", r.owner).strip("-").lower()[:60] or "owner"
    return f"reminder-{as_of.isoformat()}-{slug}.eml"


def write_eml(folder: Path, r: Reminder, msg: EmailMessage, as_of: date) -> Path:
    path = folder / eml_name(r, as_of)
    atomic_write(path, msg.as_bytes(), keep_backup=None)
    return path


NO_SENDER = ("no sender configured: give --from ADDRESS, set HSP_TUI_MAIL_FROM, or sender = \"ADDRESS\" "
             "in the settings file; nothing was sent")


def sender_address(explicit: str | None, target: SmtpTarget | None, env: Mapping[str, str],
                   setting: str | None = None) -> str:
    """--from, else HSP_TUI_MAIL_FROM, else the settings' `sender`, else the SMTP user when it is an
    address. None of them: refused (InputError, one line): a made-up user@localhost is never sent."""
    for name, candidate in (("--from", explicit), ("HSP_TUI_MAIL_FROM", env.get("HSP_TUI_MAIL_FROM")),
                            ("sender", setting)):
        if candidate:
            try:
                return check_address(candidate)
            except InputError as exc:
                raise InputError(f"{name}: {exc}") from None
    if target is not None and target.user and "@" in target.user:
        return target.user
    raise InputError(NO_SENDER)


# -- contacts and a run of reminders, for the command line and the app alike ---------------------------
def owner_contacts(plan) -> list[tuple[str, tuple[str, ...]]]:
    """Every owner of the plan (and every owner with a contact), sorted, with their addresses
    (empty: none yet). Owners that differ only in case or spacing are one owner."""
    owners = {owner_key(r.owner): " ".join(r.owner.split()) for r in plan.recommendations}
    for c in plan.meta.contacts:
        owners.setdefault(owner_key(c.owner), c.owner)
    out = []
    for key in sorted(owners):
        c = plan.meta.contact(owners[key])
        out.append((owners[key], tuple(c.addresses) if c else ()))
    return out


@dataclass(frozen=True)
class Delivered:
    reminder: Reminder
    where: str | None  # the .eml file written, or None when sent by SMTP
    error: str | None  # why it failed (then it is not recorded)


@dataclass
class Delivery:
    results: list[Delivered]
    connect_error: str | None = None  # the SMTP server could not be reached or refused the login: nothing sent

    @property
    def sent(self) -> list[Delivered]:
        return [d for d in self.results if d.error is None]

    @property
    def failed(self) -> list[Delivered]:
        return [d for d in self.results if d.error is not None]


def _connect_failure(exc: BaseException) -> str:
    """Why the SMTP session could not start, in words (never the password)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"the server's certificate is not trusted ({exc.verify_message or exc.reason}); if it is your "
                "organisation's own, set SSL_CERT_FILE to its authority's certificate (a PEM file)")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"the server refused the login ({exc.smtp_code} {' '.join(reply.split())})"
    return str(exc) or type(exc).__name__


def deliver(store, rv: Review, reminders: list[Reminder], days: int, *, sender: str, by: str, reply_to: str | None = None,
            outbox: Path | None = None, target: SmtpTarget | None = None, password: str | None = None,
            report=None) -> Delivery:
    """Send (SMTP) or write (outbox) one message per reminder and record each one that went on its
    items (`store.record_reminder`); one failure is reported and the rest go on. `report` is called
    with each `Delivered` as it happens."""
    out = Delivery([])

    def done(d: Delivered) -> None:
        out.results.append(d)
        if d.error is None:
            for number in d.reminder.numbers:
                store.record_reminder(number, d.reminder.to, d.reminder.owner, by=by,
                                      via="smtp" if d.where is None else "outbox")
        if report is not None:
            report(d)

    messages = [(r, build_message(rv, r, days, sender, reply_to)) for r in reminders]
    if messages:
        store.check_may_record()  # a reminder that goes must be recorded: refuse before any goes
    if outbox is not None:
        for r, msg in messages:
            try:
                path = write_eml(outbox, r, msg, rv.as_of)
            except Exception as exc:  # noqa: BLE001 - one failed message is reported, the rest go on
                done(Delivered(r, None, str(exc) or type(exc).__name__))
                continue
            done(Delivered(r, str(path), None))
        return out
    if not messages:
        return out
    assert target is not None
    try:
        mailer = Mailer(target, password).__enter__()
    except (smtplib.SMTPException, OSError) as exc:
        out.connect_error = f"cannot connect to {target.describe()}: {_connect_failure(exc)}"
        return out
    try:
        for r, msg in messages:
            try:
                mailer.send(msg)
            except (smtplib.SMTPException, OSError) as exc:
                done(Delivered(r, None, str(exc) or type(exc).__name__))
                continue
            done(Delivered(r, None, None))
    finally:
        mailer.__exit__(None, None, None)
    return out
