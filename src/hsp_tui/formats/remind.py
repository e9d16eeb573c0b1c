"""Reminders to owners: one message per owner, as of the review date, listing their overdue items and
those due within N days, sent by SMTP or written as .eml files.

`plan_reminders` and `build_message` (in `reminders`, offered here too) decide who gets what and
make the e-mail; `Mailer` sends over SMTP (STARTTLS on smtp://,
TLS from the start on smtps://; the password from HSP_TUI_SMTP_PASSWORD or ~/.netrc, never printed)
and `write_eml` writes one file per message for an outbox.
"""

from __future__ import annotations

import netrc
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote, urlsplit

from hsp_tui.domain.errors import HspError, InputError
from hsp_tui.domain.review import Review
from hsp_tui.domain.rules import check_address, owner_key
from hsp_tui.formats.reminders import (Reminder, Unaddressed, already_reminded, build_message,  # noqa: F401 - offered here
                                       escalation, html_body, plan_reminders, subject, text_body)
from hsp_tui.storage.file.safefiles import atomic_write


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
    error: str | None  # why it failed (then it is recorded as not sent, or not recorded at all)
    unmarked: str | None = None  # it went, but could not be marked sent: why (it shows "not confirmed sent")


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

    @property
    def unmarked(self) -> list[Delivered]:
        return [d for d in self.results if d.unmarked is not None]


def _reason(exc: BaseException) -> str:
    """Why something failed, on one line, as a history note may hold it."""
    text = " ".join((str(exc) or type(exc).__name__).split()).encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= 300 else text[:299] + "…"


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
            report=None, when: dict | None = None) -> Delivery:
    """Send (SMTP) or write (outbox) one message per reminder, recorded first: on each of its items a
    reminder is recorded as pending (`store.record_reminder(pending=True)`), then the message goes,
    then each is marked sent (or not sent, with why, when sending failed: `store.mark_reminder`).
    A message whose record cannot be made is not sent (its items recorded so far are marked not
    sent); one that went but cannot be marked stays "not confirmed sent" (`Delivered.unmarked`).
    One failure is reported and the rest go on. `report` is called with each `Delivered` as it
    happens; `when`: the day they take effect (`Store.run`'s on= and today=)."""
    out = Delivery([])
    when = when or {}
    via = "smtp" if outbox is None else "outbox"

    def mark(recorded: list[tuple[int, int]], sent: bool, note: str | None = None) -> str | None:
        """Mark each pending record; why one could not be (None: all marked)."""
        failures = []
        for number, entry in recorded:
            try:
                store.mark_reminder(number, entry, sent=sent, by=by, note=note, **when)
            except HspError as exc:
                failures.append(f"item {number}: {exc}")
        return "; ".join(failures) or None

    def one(r: Reminder, send) -> Delivered:
        recorded: list[tuple[int, int]] = []
        try:
            for number in r.numbers:  # an item someone is changing now: nothing recorded, nothing sent
                store.check_free(number)
            for number in r.numbers:
                change = store.record_reminder(number, r.to + r.cc, r.owner, by=by, via=via, pending=True, **when)
                recorded.append((number, change.entry.id))
        except HspError as exc:
            mark(recorded, False, f"not sent: item {number} could not be recorded")
            return Delivered(r, None, f"not sent, as it could not be recorded now ({exc})")
        try:
            where = send()
        except Exception as exc:  # noqa: BLE001 - one failed message is reported (and recorded), the rest go on
            unmarked = mark(recorded, False, _reason(exc))
            return Delivered(r, None, _reason(exc) + (f"; recorded as not confirmed sent ({unmarked})" if unmarked else ""))
        return Delivered(r, where, None, mark(recorded, True))

    def done(d: Delivered) -> None:
        out.results.append(d)
        if report is not None:
            report(d)

    messages = [(r, build_message(rv, r, days, sender, reply_to)) for r in reminders]
    if messages:
        store.check_may_record()  # a reminder that goes must be recorded: refuse before any goes
    if outbox is not None:
        for r, msg in messages:
            done(one(r, lambda r=r, msg=msg: str(write_eml(outbox, r, msg, rv.as_of))))
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
            done(one(r, lambda msg=msg: mailer.send(msg)))
    finally:
        mailer.__exit__(None, None, None)
    return out
