"""The arguments of the audit follow-up commands (`verify`, `contact`, `remind`; `evidence`,
`check`), one function per command, added to the command line's parser when it needs them
(`program.ARGUMENTS`); the commands themselves are in `followup_commands` and
`evidence_commands`, imported only when one of them runs."""

from __future__ import annotations

import argparse


def add_on(parser: argparse.ArgumentParser) -> None:
    """`--on DATE`: the day a change took effect (not after today, nor before the plan's date)."""
    parser.add_argument("--on", metavar="DATE", help="the day it happened, YYYY-MM-DD (default: today, or a "
                        "past --as-of); the time it is recorded is kept beside it")


def add_number(parser: argparse.ArgumentParser) -> None:
    """The recommendation a command is about."""
    parser.add_argument("number", help="the recommendation's number (as 'hsp-tui list' shows it)")


def add_verify(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("verify", help="the auditor's verdict on a done or dropped item: accepted (Verified, or "
                                      "the drop final) or rejected (sent back; --note required)")
    add_number(s)
    s.add_argument("verdict", choices=["accepted", "rejected"])
    s.add_argument("--note", metavar="TEXT", help="the auditor's note (required: the evidence seen, or why rejected)")
    add_on(s)


def add_contact(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("contact", help="where reminders for an owner go: contact set OWNER ADDRESS..., "
                                       "contact list, contact remove OWNER, contact history [OWNER]")
    csub = s.add_subparsers(dest="contact_command", metavar="set|list|remove|history", required=True)
    c = csub.add_parser("set", help="the addresses of an owner (a role title, as in the plan)")
    c.add_argument("owner", help="the owner, in quotes, as the plan names them (any case or spacing), "
                   "e.g. \"Head of Policy\"")
    c.add_argument("addresses", nargs="+", metavar="ADDRESS",
                   help="one or more addresses, as separate arguments or one separated by commas (\"a@x, b@y\")")
    c.add_argument("--sponsor", metavar="ADDRESS", help="copied (Cc) on a reminder about an item once it has had "
                   "escalate_after reminders (a setting, default 3); \"\" removes it")
    add_on(c)
    csub.add_parser("list", help="every owner of the plan and their addresses")
    c = csub.add_parser("remove", help="forget an owner's addresses")
    c.add_argument("owner", help="the owner, in quotes, as `contact list` names them (any case or spacing)")
    add_on(c)
    c = csub.add_parser("history", help="every contact change, newest first: when, who, the owner, the addresses "
                                        "and sponsor set or removed (with --as-of: up to that day)")
    c.add_argument("owner", nargs="?", help="only this owner's changes (any case or spacing)")


def add_remind(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("remind", help="e-mail each owner their overdue items and those due soon")
    s.add_argument("--days", type=int, metavar="N", help="also items due within N days (default: the due-soon window)")
    s.add_argument("--owner", metavar="TEXT", help="only owners whose name contains TEXT")
    how = s.add_mutually_exclusive_group(required=True)
    how.add_argument("--smtp", metavar="URL", help="smtp://user@host:587 (STARTTLS) or smtps://host:465; the "
                     "password from $HSP_TUI_SMTP_PASSWORD or ~/.netrc")
    how.add_argument("--outbox", metavar="DIR", help="write one .eml file per message into DIR instead")
    s.add_argument("--from", dest="sender", metavar="ADDRESS", help="the sender (default: $HSP_TUI_MAIL_FROM, "
                   "else the settings' sender, else the SMTP user when it is an address; none: nothing is sent)")
    s.add_argument("--dry-run", action="store_true", help="print what would be sent; send and record nothing")
    s.add_argument("--again", action="store_true", help="send even to owners already reminded about the same "
                   "items on the review date (without it, such a run is refused)")


def add_evidence(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("evidence", help="what an item's Done rests on: evidence add N FILE... | add N --url URL, "
                                        "evidence list N, evidence get N ID, evidence withdraw N ID --note REASON")
    esub = s.add_subparsers(dest="evidence_command", metavar="add|list|get|withdraw", required=True)
    e = esub.add_parser("add", help="attach a copy of each FILE as it is now (or a link, never fetched)")
    add_number(e)
    e.add_argument("files", nargs="*", metavar="FILE", help="the documents to attach (a copy of each is kept)")
    e.add_argument("--url", metavar="URL", help="record a link (http, https or mailto) instead of a file")
    e.add_argument("--note", metavar="TEXT", help="what it shows")
    add_on(e)
    e = esub.add_parser("list", help="an item's evidence: id, name, size, hash, type, who, when")
    add_number(e)
    e.add_argument("--all", action="store_true", help="withdrawn attachments too")
    e = esub.add_parser("get", help="write a copy out, its SHA-256 checked (a copy that does not match is refused)")
    add_number(e)
    e.add_argument("id", metavar="ID", help="the attachment's id (evidence list N)")
    e.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    e = esub.add_parser("withdraw", help="withdraw a wrong attachment (kept in history, its copy kept)")
    add_number(e)
    e.add_argument("id", metavar="ID", help="the attachment's id (evidence list N)")
    e.add_argument("--note", metavar="REASON", help="why (required)")
    add_on(e)


def add_check(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("check", help="check the whole plan: every evidence copy there and matching its hash, "
                                 "every history entry well formed")
