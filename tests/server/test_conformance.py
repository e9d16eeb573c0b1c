"""The domain's rules are the same on a file and on a server: one table of cases, each run through
the commands on a plan file (`Store`, as the CLI and the app run them) and through the server's
`hsp.*` functions called directly, as an officer (alice) or an auditor (carol) would with psql. Any
difference fails: the same change saved with the same entry, the same "nothing to change", or the
same refusal with nothing saved.

Each case starts from the same small plan, created on both sides (its own plan file, its own plan
in one database), runs its steps, and compares what each step did and the whole plan at the end.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import psycopg
import pytest
from psycopg.types.json import Jsonb

from hsp_tui.domain.errors import ConflictError, InputError, NotFoundError
from hsp_tui.domain.evidence import media_type_of
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import PlanMeta, Recommendation
from hsp_tui.domain.rules import LIMITS, TEXT_LIMIT
from hsp_tui.domain.vocabulary import MAX_ID
from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema
from hsp_tui.storage.postgres.server import PostgresBackend
from hsp_tui.storage.store import Store
from pgharness import OWNER

AT = "2010-06-01T09:00:00+01:00"
PLAN_DATE = date(2010, 3, 1)


def _item(number: int, history_ids: tuple[int, ...] = ()) -> dict[str, Any]:
    history = [{"id": i, "at": AT, "by": "tess", "action": "note", "field": None, "old": None, "new": None,
                "note": f"note {i}"} for i in history_ids]
    last = max(history_ids, default=0)
    history.append({"id": last + 1, "at": AT, "by": "tess", "action": "import", "field": None, "old": None,
                    "new": None, "note": "imported for the test"})
    return {"number": number, "ref": f"{number}.1", "recommendation": f"Do thing {number}",
            "management_response": "Agreed", "deadline": "June 2010", "owner": "Head of Policy",
            "status": "not_started",
            "milestones": [{"label": "Draft", "deadline": "April 2010", "done": False},
                           {"label": "Final", "deadline": "June 2010", "done": False}],
            "revisions": [], "history": history, "repairs": []}


def small_plan(last_id: int | None = None) -> Plan:
    """Two items; item 2's history ends at `last_id` (its import entry) when given."""
    meta = PlanMeta("Conformance plan", PLAN_DATE, "", "", "", "")
    second = _item(2, () if last_id is None else (last_id - 1,))
    return Plan(meta, (msgspec.convert(_item(1), Recommendation), msgspec.convert(second, Recommendation)))


# -- the steps, run on each side ---------------------------------------------------------------
# A step is (who, what, *arguments): who is "alice" (an officer) or "carol" (an auditor).

def run_file(store: Store, step: tuple) -> tuple[str, Any]:
    who, what, *args = step
    try:
        if what == "set_status":
            change = store.set_status(args[0], args[1], by=who, note=args[2])
        elif what == "add_note":
            change = store.add_note(args[0], args[1], by=who)
        elif what == "set_owner":
            change = store.set_owner(args[0], args[1], by=who, note=args[2])
        elif what == "revise":
            change = store.revise(args[0], args[1], reason=args[2], by=who, reference=PLAN_DATE)
        elif what == "set_milestone":
            change = store.set_milestone(args[0], args[1], args[2], by=who, note=args[3])
        elif what == "verify":
            change = store.verify(args[0], args[1], by=who, note=args[2])
        elif what == "undo":
            change = store.undo(args[0], args[1], by=who)
        elif what == "record_reminder":
            change = store.record_reminder(args[0], tuple(args[1]), args[2], by=who, via=args[3])
        elif what == "attach_copy":
            change = store.attach_copy(args[0], args[1], args[2], by=who, note=args[3])
        elif what == "attach_link":
            change = store.attach_link(args[0], args[1], by=who, note=args[2])
        elif what == "withdraw":
            change = store.withdraw(args[0], args[1], reason=args[2], by=who)
        elif what == "record_pending_reminder":
            change = store.record_reminder(args[0], tuple(args[1]), args[2], by=who, via=args[3], pending=True)
        elif what == "mark_reminder":
            change = store.mark_reminder(args[0], args[1], sent=args[2], by=who, note=args[3])
        elif what == "set_contact":
            before = len(store.load().meta.history)
            store.set_contact(args[0], tuple(args[1]), by=who, sponsor=args[2] if len(args) > 2 else None)
            return ("ok" if len(store.load().meta.history) > before else "unchanged"), None
        else:
            raise AssertionError(what)
    except NotFoundError as exc:
        return "not found", str(exc)
    except InputError as exc:
        return "refused", str(exc)
    except ConflictError as exc:
        return "conflict", str(exc)
    return ("ok", None) if change.entry is not None else ("unchanged", None)


SQL = {
    "set_status": "hsp.set_status(%s, %s, %s, %s)",
    "add_note": "hsp.add_note(%s, %s, %s)",
    "set_owner": "hsp.set_owner(%s, %s, %s, %s)",
    "revise": "hsp.revise(%s, %s, %s, %s)",
    "set_milestone": "hsp.set_milestone(%s, %s, %s, %s, %s)",
    "verify": "hsp.verify(%s, %s, %s, %s)",
    "undo": "hsp.undo(%s, %s, %s)",
    "record_reminder": "hsp.record_reminder(%s, %s, %s, %s, %s)",
    "set_contact": "hsp.set_contact(%s, %s, %s, %s)",
    "attach_link": "hsp.attach(%s, %s, %s, %s)",
    "attach_copy": "hsp.attach(%s, %s, %s, %s)",
    "withdraw": "hsp.withdraw(%s, %s, %s, %s)",
    "record_pending_reminder": "hsp.record_pending_reminder(%s, %s, %s, %s, %s)",
    "mark_reminder": "hsp.mark_reminder(%s, %s, %s, %s, %s)",
}
CATEGORY = {"HS400": "refused", "HS404": "not found", "HS409": "conflict",
            "22003": "refused", "42883": "refused"}  # a number out of range, a value of the wrong type


def run_sql(conns: dict[str, Any], plan: str, step: tuple) -> tuple[str, Any]:
    who, what, *args = step
    if what in ("record_reminder", "record_pending_reminder"):
        args = [args[0], Jsonb(list(args[1])), args[2], args[3]]
    elif what == "set_contact":
        args = [args[0], Jsonb(list(args[1])), Jsonb(list(args[2])) if len(args) > 2 and args[2] is not None else None]
    elif what == "attach_link":
        args = [args[0], Jsonb({"url": args[1]}), args[2]]
    elif what == "attach_copy":  # as Store.attach_copy: the copy kept first, then attached by its description
        number, name, content, note = args
        try:
            conns[who].execute("SELECT hsp.keep_copy(%s, %s)", [plan, content])
        except psycopg.Error as exc:
            assert exc.sqlstate in CATEGORY, f"{step}: {exc.sqlstate} {exc}"
            return CATEGORY[exc.sqlstate], str(exc)
        described = {"name": name, "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
                     "media_type": media_type_of(name)}
        args = [number, Jsonb(described), note]
    try:
        (result,) = conns[who].execute(f"SELECT {SQL[what]}", [plan, *args]).fetchone()
    except psycopg.Error as exc:
        assert exc.sqlstate in CATEGORY, f"{step}: {exc.sqlstate} {exc}"
        return CATEGORY[exc.sqlstate], str(exc)
    return ("ok", None) if result.get("entry") is not None else ("unchanged", None)


def state(plan: Plan) -> dict[str, Any]:
    """What both sides must agree on: every item and the plan's contacts and own history, all but
    the time and author of entries (the server stamps its own: its clock, the session's user)."""
    def entry(h):
        return (h.id, h.action, h.field, h.old, h.new, h.note, h.undoes, h.evidence)

    return {
        "items": [(r.number, r.status.value, r.owner, [(m.label, m.done) for m in r.milestones],
                   [(v.deadline, v.reason) for v in r.revisions], [entry(h) for h in r.history])
                  for r in plan.recommendations],
        "contacts": [(c.owner, c.addresses, c.sponsor) for c in plan.meta.contacts],
        "plan history": [entry(h) for h in plan.meta.history],
    }


@dataclass
class Case:
    id: str
    steps: list[tuple]
    expect: list[str]  # what each step does: ok, unchanged, refused, not found, conflict
    last_id: int | None = None


LONG_OWNER = "O" * LIMITS["owner"]
MINUTES = b"Minutes of the PMG, 28 May 2010: the conference was held.\n"
SCAN = bytes(range(256)) * 40
LONG_DEADLINE = "June 2011" + " " * (LIMITS["deadline"] - 9)
CASES = [
    # -- owners compare as owner_key compares them: case folded, every Unicode space ----------
    Case("owner key: Straße Lead is STRASSE Lead",
         [("alice", "set_contact", "Straße Lead", ["a@x.org"]), ("alice", "set_contact", "STRASSE Lead", ["b@x.org"])],
         ["ok", "ok"]),
    Case("owner key: a no-break space is a space",
         [("alice", "set_contact", "Chief Executive", ["a@x.org"]),
          ("alice", "set_contact", "chief\u00a0executive", ["b@x.org"])], ["ok", "ok"]),
    Case("owner key: tabs, runs and spaces at the ends",
         [("alice", "set_contact", "  Chief\t\tExecutive \u3000", ["a@x.org"]),
          ("alice", "set_contact", "CHIEF EXECUTIVE", ["a@x.org"])], ["ok", "unchanged"]),
    Case("owner key: the Turkish dotted I is not I",
         [("alice", "set_contact", "İl Müdürü", ["a@x.org"]), ("alice", "set_contact", "i\u0307l müdürü", ["b@x.org"]),
          ("alice", "set_contact", "IL MÜDÜRÜ", ["c@x.org"])], ["ok", "ok", "ok"]),
    Case("owner key: final sigma, ligatures, accents",
         [("alice", "set_contact", "ΟΔΥΣΣΕΥΣ", ["a@x.org"]), ("alice", "set_contact", "οδυσσευς", ["b@x.org"]),
          ("alice", "set_contact", "ﬁnance", ["c@x.org"]), ("alice", "set_contact", "FINANCE", ["d@x.org"]),
          ("alice", "set_contact", "Élan", ["e@x.org"]), ("alice", "set_contact", "ÉLAN", ["f@x.org"])],
         ["ok"] * 6),
    Case("owner key: a zero-width space is not a space",
         [("alice", "set_contact", "Chief Executive", ["a@x.org"]),
          ("alice", "set_contact", "Chief\u200bExecutive", ["b@x.org"])], ["ok", "ok"]),
    Case("owner key: removed under another spelling; an unknown owner is not found",
         [("alice", "set_contact", "Straße Lead", ["a@x.org"]), ("alice", "set_contact", "STRASSE  LEAD", []),
          ("alice", "set_contact", "Straße Lead", [])], ["ok", "ok", "not found"]),
    Case("owner: blank (a no-break space, an em space) is refused",
         [("alice", "set_contact", "\u00a0\u2003", ["a@x.org"]), ("alice", "set_owner", 1, "\u3000", None),
          ("alice", "record_reminder", 1, ["a@x.org"], "\u0085", "smtp")], ["refused"] * 3),
    Case("owner: the longest allowed, and one more",
         [("alice", "set_owner", 1, LONG_OWNER, None), ("alice", "set_owner", 1, LONG_OWNER + "O", None),
          ("alice", "set_contact", LONG_OWNER, ["a@x.org"]), ("alice", "set_contact", LONG_OWNER + "O", ["a@x.org"])],
         ["ok", "refused", "ok", "refused"]),
    # -- addresses: the same pattern, spaces around dropped, each once ------------------------
    Case("addresses: spaces around dropped, the same address once",
         [("alice", "set_contact", "Lead", [" a@x.org\u00a0", "A@X.ORG", "b@x.org"]),
          ("alice", "set_contact", "Lead", ["a@x.org", "b@x.org"])], ["ok", "unchanged"]),
    Case("addresses: what is not one plain address is refused",
         [("alice", "set_contact", "Lead", ["Alice <a@x.org>"]), ("alice", "set_contact", "Lead", ["a@x.org b@x.org"]),
          ("alice", "set_contact", "Lead", ["a\u00a0b@x.org"]), ("alice", "set_contact", "Lead", ["a\x85b@x.org"]),
          ("alice", "set_contact", "Lead", ["a\x7fb@x.org"]), ("alice", "set_contact", "Lead", ["a@b@x.org"]),
          ("alice", "set_contact", "Lead", ["@x.org"]), ("alice", "set_contact", "Lead", ["a;b@x.org"]),
          ("alice", "set_contact", "Lead", ["a@" + "x" * 251 + ".org"])], ["refused"] * 9),
    Case("addresses: the longest allowed, and not ASCII",
         [("alice", "set_contact", "Lead", ["a@" + "x" * 248 + ".org"]),
          ("alice", "set_contact", "Lead", ["jürgen@straße.de", "a\u0080b@x.org"])], ["ok", "ok"]),
    Case("sponsors: kept when not given, changed alone, removed with \"\" or with the contact; checked as addresses",
         [("alice", "set_contact", "Lead", ["a@x.org"], [" s@x.org", "S@X.ORG"]),
          ("alice", "set_contact", "Lead", ["b@x.org"]), ("alice", "set_contact", "Lead", ["b@x.org"], ["s@x.org"]),
          ("alice", "set_contact", "Lead", ["b@x.org"], ["t@x.org"]), ("alice", "set_contact", "Lead", ["b@x.org"], []),
          ("alice", "set_contact", "Lead", ["b@x.org"], ["Boss <s@x.org>"]),
          ("alice", "set_contact", "Lead", ["b@x.org"], ["s@x.org"]), ("alice", "set_contact", "Lead", []),
          ("alice", "set_contact", "Lead", ["b@x.org"])],
         ["ok", "ok", "unchanged", "ok", "ok", "refused", "ok", "ok", "ok"]),
    Case("reminders recorded first: marked sent or not sent once, only by who recorded them",
         [("alice", "record_pending_reminder", 1, [" a@x.org "], "Head of Policy", "smtp"),
          ("carol", "mark_reminder", 1, 2, True, None), ("alice", "mark_reminder", 1, 1, True, None),
          ("alice", "mark_reminder", 1, 2, True, None), ("alice", "mark_reminder", 1, 2, False, None),
          ("alice", "record_reminder", 1, ["a@x.org"], "Head of Policy", "outbox"),
          ("alice", "mark_reminder", 1, 4, True, None),
          ("alice", "record_pending_reminder", 1, ["a@x.org"], "Head of Policy", "pigeon"),
          ("alice", "record_pending_reminder", 1, ["a@x.org"], "Head of Policy", "outbox"),
          ("alice", "mark_reminder", 1, 5, False, "550 no such mailbox"), ("alice", "mark_reminder", 1, 5, True, None),
          ("alice", "mark_reminder", 1, 99, True, None)],
         ["ok", "refused", "refused", "ok", "conflict", "ok", "refused", "refused", "ok", "ok", "conflict", "refused"]),
    Case("reminders: recipients checked and trimmed; by smtp or to an outbox",
         [("alice", "record_reminder", 1, [" a@x.org "], "Head of Policy", "smtp"),
          ("alice", "record_reminder", 1, ["a@x.org"], "Head of Policy", "pigeon"),
          ("alice", "record_reminder", 1, [], "Head of Policy", "smtp"),
          ("alice", "record_reminder", 1, ["not an address"], "Head of Policy", "outbox"),
          ("alice", "record_reminder", 1, ["a@x.org", "a@x.org"], "Head of Policy", "outbox")],
         ["ok", "refused", "refused", "refused", "ok"]),
    # -- statuses: the same list; Verified only by a verdict -----------------------------------
    Case("statuses: each an officer sets; the same again changes nothing",
         [("alice", "set_status", 1, "in_progress", None), ("alice", "set_status", 1, "in_progress", None),
          ("alice", "set_status", 1, "in_progress", "still going"), ("alice", "set_status", 1, "blocked", None),
          ("alice", "set_status", 1, "done", None), ("alice", "set_status", 1, "dropped", None),
          ("alice", "set_status", 1, "dropped", "\u2003"), ("alice", "set_status", 1, "dropped", "superseded"),
          ("alice", "set_status", 1, "not_started", None)],
         ["ok", "unchanged", "ok", "ok", "ok", "refused", "refused", "ok", "ok"]),  # a drop needs its reason
    Case("statuses: unknown ones are refused",
         [("alice", "set_status", 1, "finished", None), ("alice", "set_status", 1, "", None)], ["refused"] * 2),
    Case("verified only by a verdict",
         [("alice", "set_status", 1, "verified", None), ("carol", "set_status", 1, "verified", None),
          ("carol", "verify", 1, True, None), ("alice", "set_status", 1, "done", None),
          ("carol", "verify", 1, False, "\u2003"), ("carol", "verify", 1, False, None),
          ("carol", "verify", 1, True, "good"), ("carol", "verify", 1, True, None),
          ("carol", "set_status", 1, "in_progress", "reopened")],  # out of Verified: an auditor only (issue 20)
         ["refused", "refused", "refused", "ok", "refused", "refused", "ok", "refused", "ok"]),
    Case("verdict: rejected with its reason goes back to in progress",
         [("alice", "set_status", 2, "done", None), ("carol", "verify", 2, False, "no evidence")], ["ok", "ok"]),
    Case("four eyes: no verdict by whoever set it done or dropped it; a drop agreed or sent back",
         [("carol", "set_status", 2, "done", None), ("carol", "verify", 2, True, "mine"),
          ("alice", "set_status", 1, "blocked", None), ("alice", "set_status", 1, "dropped", "superseded"),
          ("carol", "verify", 1, False, "still needed"), ("alice", "set_status", 1, "dropped", "superseded"),
          ("carol", "verify", 1, True, "agreed at PMG"), ("carol", "verify", 1, False, "again")],
         ["ok", "refused", "ok", "ok", "ok", "ok", "ok", "refused"]),
    # -- text: blank and too long, the same on both ---------------------------------------------
    Case("notes: blank in any Unicode space is refused",
         [("alice", "add_note", 1, "\u00a0"), ("alice", "add_note", 1, "\x0b\x0c\x1c"), ("alice", "add_note", 1, "\u2028"),
          ("alice", "set_status", 1, "blocked", " \u205f"), ("alice", "add_note", 1, "\u200b")],
         ["refused", "refused", "refused", "refused", "ok"]),
    Case("notes: the longest allowed, and one more",
         [("alice", "add_note", 1, "n" * TEXT_LIMIT), ("alice", "add_note", 1, "n" * (TEXT_LIMIT + 1)),
          ("alice", "set_milestone", 1, 1, True, "m" * (TEXT_LIMIT + 1))], ["ok", "refused", "refused"]),
    Case("deadlines: the same deadline in other spacing changes nothing; too long or no reason is refused",
         [("alice", "revise", 1, "June\u00a0 2010", "slipped"), ("alice", "revise", 1, "July 2010", "slipped"),
          ("alice", "revise", 1, " July\u30002010\t", "again"), ("alice", "revise", 1, "August 2010", "\u2003"),
          ("alice", "revise", 1, LONG_DEADLINE, "longest"), ("alice", "revise", 1, LONG_DEADLINE + " ", "longer")],
         ["unchanged", "ok", "unchanged", "refused", "ok", "refused"]),
    Case("owners: the same owner changes nothing; another case is another owner",
         [("alice", "set_owner", 1, "Head of Policy", None), ("alice", "set_owner", 1, "head of policy", None)],
         ["unchanged", "ok"]),
    # -- milestones and numbers -------------------------------------------------------------
    Case("milestones: by number from 1",
         [("alice", "set_milestone", 1, 1, True, None), ("alice", "set_milestone", 1, 1, True, None),
          ("alice", "set_milestone", 1, 0, True, None), ("alice", "set_milestone", 1, 3, True, None),
          ("alice", "set_milestone", 1, 2, False, "not yet")], ["ok", "unchanged", "not found", "not found", "ok"]),
    Case("items: numbers that are not in the plan",
         [("alice", "add_note", 3, "x"), ("alice", "add_note", 0, "x"), ("alice", "add_note", -1, "x")],
         ["not found"] * 3),
    Case("ids: the last history id is the last",
         [("alice", "add_note", 1, "fine"), ("alice", "add_note", 2, "one too many"),
          ("alice", "set_status", 2, "blocked", None)], ["ok", "conflict", "conflict"], last_id=MAX_ID),
    # -- undo: the same conflicts ---------------------------------------------------------------
    Case("undo: a status change, then again; a later change in between",
         [("alice", "set_status", 1, "in_progress", None), ("alice", "undo", 1, 2), ("alice", "undo", 1, 2),
          ("alice", "set_status", 1, "blocked", None), ("alice", "set_status", 1, "done", None),
          ("alice", "undo", 1, 4), ("alice", "undo", 1, 5), ("alice", "undo", 1, 6)],
         ["ok", "ok", "conflict", "ok", "ok", "conflict", "ok", "ok"]),
    Case("undo: notes, owners, milestones, deadlines",
         [("alice", "add_note", 1, "oops"), ("alice", "undo", 1, 2),
          ("alice", "set_owner", 1, "Director", None), ("alice", "set_owner", 1, "Chief", None),
          ("alice", "undo", 1, 4), ("alice", "undo", 1, 5),
          ("alice", "set_milestone", 1, 1, True, None), ("alice", "set_milestone", 1, 1, False, None),
          ("alice", "undo", 1, 7), ("alice", "undo", 1, 8),
          ("alice", "revise", 1, "July 2010", "slipped"), ("alice", "revise", 1, "August 2010", "again"),
          ("alice", "undo", 1, 10), ("alice", "undo", 1, 11), ("alice", "undo", 1, 10)],
         ["ok", "ok", "ok", "ok", "conflict", "ok", "ok", "ok", "conflict", "ok", "ok", "ok", "conflict", "ok", "ok"]),
    Case("undo: what cannot be undone, and what is not there",
         [("alice", "undo", 1, 1), ("alice", "record_reminder", 1, ["a@x.org"], "Head of Policy", "smtp"),
          ("alice", "undo", 1, 2), ("alice", "undo", 1, 99), ("alice", "undo", 1, 0)],
         ["refused", "ok", "refused", "not found", "not found"]),
    Case("undo: a rejected verdict; a status set again with only a note",
         [("alice", "set_status", 1, "done", None), ("carol", "verify", 1, False, "no evidence"),
          ("alice", "set_status", 1, "in_progress", "still at it"), ("alice", "undo", 1, 4),
          ("carol", "undo", 1, 3),  # a verdict is undone by an auditor only (issue 20)
          ("alice", "set_status", 1, "blocked", None), ("alice", "undo", 1, 2)],
         ["ok", "ok", "ok", "ok", "ok", "ok", "conflict"]),
    Case("undo: a milestone of another item's number, an entry of another item",
         [("alice", "set_milestone", 2, 2, True, None), ("alice", "undo", 1, 2), ("alice", "undo", 2, 2),
          ("alice", "undo", 2, 3), ("alice", "undo", 2, 3)],
         ["ok", "not found", "ok", "ok", "conflict"]),
    # -- evidence (issue 24): links attached and withdrawn; what a verdict rests on ------------------
    Case("evidence: a link attached, withdrawn once with its reason, never undone",
         [("alice", "attach_link", 1, "https://example.org/pmg/minutes", "PMG minutes"),
          ("alice", "attach_link", 1, "javascript:alert(1)", None), ("alice", "attach_link", 1, "https://x.org/a b", None),
          ("alice", "attach_link", 1, "https://x.org/\x1b]8;;", None), ("alice", "attach_link", 1, "mailto:a@x.org", "\u2003"),
          ("alice", "attach_link", 3, "https://x.org/", None), ("alice", "undo", 1, 2),
          ("alice", "withdraw", 1, 2, "\u00a0"), ("alice", "withdraw", 1, 2, "the wrong minutes"),
          ("alice", "withdraw", 1, 2, "again"), ("alice", "withdraw", 1, 1, "not evidence"),
          ("alice", "withdraw", 1, 99, "not there"), ("alice", "undo", 1, 3)],
         ["ok", "refused", "refused", "refused", "refused", "not found", "refused", "refused", "ok", "conflict",
          "not found", "not found", "refused"]),
    Case("evidence: a verdict records the links standing, oldest first; none when none stand",
         [("alice", "attach_link", 1, "https://x.org/one", None), ("alice", "attach_link", 1, "mailto:two@x.org", "sent"),
          ("alice", "attach_link", 1, "https://x.org/three", None), ("alice", "withdraw", 1, 3, "wrong one"),
          ("alice", "attach_link", 1, "https://x.org/one", "the same again"),
          ("alice", "set_status", 1, "done", None), ("carol", "verify", 1, True, "seen"),
          ("alice", "set_status", 2, "done", None), ("carol", "verify", 2, False, "nothing to see")],
         ["ok"] * 9),
    Case("evidence: copies kept once, their names checked; a verdict records their hashes",
         [("alice", "attach_copy", 1, "minutes.pdf", MINUTES, "PMG minutes"),
          ("alice", "attach_copy", 2, "same minutes.PDF", MINUTES, None),
          ("alice", "attach_copy", 1, "../minutes.pdf", MINUTES, None), ("alice", "attach_copy", 1, ".", MINUTES, None),
          ("alice", "attach_copy", 1, "min\x1b[2Jutes.pdf", MINUTES, None), ("alice", "attach_copy", 1, "\u00a0", MINUTES, None),
          ("alice", "attach_copy", 1, "n" * (LIMITS["file name"] + 1), MINUTES, None),
          ("alice", "attach_copy", 1, "n" * LIMITS["file name"], SCAN, None),
          ("alice", "attach_copy", 1, "empty", b"", "an empty file is a document too"),
          ("alice", "attach_copy", 3, "minutes.pdf", MINUTES, None), ("alice", "withdraw", 1, 4, "the wrong scan"),
          ("alice", "attach_copy", 1, "Протокол 28.05.odt", SCAN, "the scan again, by another name"),
          ("alice", "set_status", 1, "done", None), ("carol", "verify", 1, True, "minutes and scan seen")],
         ["ok", "ok", "refused", "refused", "refused", "refused", "refused", "ok", "ok", "not found", "ok", "ok",
          "ok", "ok"]),
    Case("undo: a verdict, and the undo of an undo",
         [("alice", "set_status", 1, "done", None), ("carol", "verify", 1, True, "minutes seen"), ("carol", "undo", 1, 3),
          ("carol", "undo", 1, 4), ("carol", "set_status", 1, "in_progress", None), ("carol", "undo", 1, 3)],
         ["ok", "ok", "ok", "ok", "ok", "conflict"]),
]


@pytest.fixture(scope="module")
def conformance_db(pg_cluster, pg_people):
    db = pg_cluster.create_database()
    conn = pgconnect.connect(pg_cluster.url(db, OWNER))
    try:
        pgschema.install(conn)
    finally:
        conn.close()
    return db


@pytest.fixture(scope="module")
def people_conns(pg_cluster, conformance_db):
    conns = {who: psycopg.connect(pg_cluster.url(conformance_db, who), autocommit=True) for who in ("alice", "carol")}
    yield conns
    for conn in conns.values():
        conn.close()


def run_case(case: Case, name: str, tmp_path: Path, pg_cluster, db: str, conns) -> None:
    plan = small_plan(case.last_id)
    store = Store(tmp_path / "plan.json", clock=lambda: AT)
    store.create(plan)
    server = PostgresBackend(pg_cluster.url(db, OWNER), plan=name)
    try:
        server.create(plan)
        done_file = [run_file(store, step) for step in case.steps]
        done_server = [run_sql(conns, name, step) for step in case.steps]
        file_end, server_end = state(store.load()), state(server.load_plan())
        file_copies, server_copies = sorted(store.backend.evidence.list()), sorted(server.evidence.list())
    finally:
        server.close()
    for step, (file_kind, file_why), (server_kind, server_why), expected in zip(
            case.steps, done_file, done_server, case.expect):
        assert (file_kind, server_kind) == (expected, expected), \
            f"{step}: on a file {file_kind} ({file_why}), on the server {server_kind} ({server_why})"
    assert server_end == file_end
    assert server_copies == file_copies


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_file_and_server_apply_the_same_rules(case, tmp_path, pg_cluster, conformance_db, people_conns):
    run_case(case, f"c{CASES.index(case)}", tmp_path, pg_cluster, conformance_db, people_conns)


REFUSED_DEADLINES = ["when pigs fly", "Ongoing", "31/02/2011", "March 11", "Q3 2010", "April 2011 - May 2010",
                     "April 2010 and whenever"]


@pytest.mark.parametrize("deadline", REFUSED_DEADLINES)
def test_a_deadline_the_commands_refuse_is_refused_by_the_server(deadline, tmp_path, pg_cluster, conformance_db,
                                                                 people_conns):
    """An unreadable deadline, and a dated one revised to no date ("Ongoing"), are refused by the
    commands and by hsp.revise called directly (test_deadline_conformance.py compares the grammar
    itself text by text)."""
    case = Case(f"deadline {deadline}", [("alice", "revise", 1, deadline, "why")], ["refused"])
    run_case(case, f"d{REFUSED_DEADLINES.index(deadline)}", tmp_path, pg_cluster, conformance_db, people_conns)


def test_deadlines_of_every_form_are_accepted_alike(tmp_path, pg_cluster, conformance_db, people_conns):
    """A month without a year (read against the plan's date), a quarter, a season, milestones; and
    after them still no way to no date."""
    steps = [("alice", "revise", 1, d, "why") for d in ("July", "from July", "Q2 2010/11", "Winter 2010/11",
                                                         "1/4/11; 31 March 2012", "2010 - 2012", "as required")]
    case = Case("deadlines of every form", steps, ["ok"] * 6 + ["refused"])
    run_case(case, "deadline-forms", tmp_path, pg_cluster, conformance_db, people_conns)


# -- the constants the schema spells in its tables, and the rules written from Python ---------------
def test_the_schema_holds_what_the_domain_declares(pg_cluster, conformance_db):
    """The tables' own checks (in hsp.sql's versioned sections, which never change once shipped)
    agree with the domain: the statuses, an owner's length, the ids' range."""
    from hsp_tui.domain.vocabulary import Status

    def one(sql):
        return pg_cluster.psql(sql, db=conformance_db, user=OWNER).stdout.strip()

    status_check = one("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'hsp.item'::regclass AND pg_get_constraintdef(oid) LIKE '%status%'")
    assert sorted(re.findall(r"'(\w+)'::text", status_check)) == sorted(s.value for s in Status)
    owner_check = one("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                      "WHERE conrelid = 'hsp.contact'::regclass AND pg_get_constraintdef(oid) LIKE '%length(owner)%'")
    assert re.findall(r"\d+", owner_check) == ["1", str(LIMITS["owner"])]
    id_types = one("SELECT string_agg(DISTINCT data_type, ',') FROM information_schema.columns "
                   "WHERE table_schema = 'hsp' AND column_name IN ('number', 'id', 'undoes') "
                   "AND table_name IN ('item', 'history', 'plan_history')")
    assert id_types == "integer" and MAX_ID == 2**31 - 1
    assert one("SELECT array_to_string(hsp._statuses(), ',')") == ",".join(s.value for s in Status)
    assert "verified" not in one("SELECT array_to_string(hsp._set_statuses(), ',')")


def test_owners_fold_alike_for_every_character_that_folds(pg_cluster, conformance_db):
    """Every character Python's case folding changes, and every space, through hsp._owner_key
    (as set_contact keys a contact) and through owner_key, in a few calls."""
    from hsp_tui.domain.rules import WHITESPACE, owner_key
    from hsp_tui.storage.postgres.rules_sql import fold_table

    single, multi = fold_table()
    chars = sorted(set(single) | set(multi) | set(single.values()) | set("".join(multi.values())))
    texts = ["|".join(chars[k:k + 400]) for k in range(0, len(chars), 400)]
    texts += [f"{WHITESPACE}a{WHITESPACE}B{WHITESPACE}", "Straße\u00a0\u00a0Lead\t", "İSTANBUL ıstanbul"]
    with psycopg.connect(pg_cluster.url(conformance_db, OWNER), autocommit=True) as conn:
        for text in texts:
            (folded,) = conn.execute("SELECT hsp._owner_key(%s)", [text]).fetchone()
            if folded != owner_key(text):
                wrong = [(c, f) for c, f in zip(text.split("|"), folded.split("|")) if owner_key(c) != f]
                raise AssertionError(f"folded otherwise on the server: {wrong[:10]}")


def test_the_tables_hold_every_field_the_records_declare(pg_cluster, conformance_db):
    """The server reads and writes the records' fields by their declared names (`rows`,
    `metachanges`): each table has a column for each."""
    from hsp_tui.storage.postgres.metachanges import CONTACT_FIELDS, PLAN_ENTRY_FIELDS
    from hsp_tui.storage.postgres.rows import HISTORY_FIELDS, ITEM_FIELDS

    def columns(table):
        out = pg_cluster.psql("SELECT string_agg(column_name, ',') FROM information_schema.columns "
                              f"WHERE table_schema = 'hsp' AND table_name = '{table}'", db=conformance_db, user=OWNER)
        return set(out.stdout.strip().split(","))

    assert "history" not in ITEM_FIELDS and set(ITEM_FIELDS) <= columns("item")
    assert set(HISTORY_FIELDS) <= columns("history") and "undoes" in HISTORY_FIELDS
    assert set(PLAN_ENTRY_FIELDS) <= columns("plan_history")
    assert set(CONTACT_FIELDS) <= columns("contact")


def test_the_text_rules_ignore_the_callers_search_path(pg_cluster, conformance_db):
    """The rules on text have no SET clause (so they are fast and inlined): every name in them is
    qualified, so a schema of look-alike functions put first on the path changes nothing."""
    from hsp_tui.storage.postgres.rules_sql import UNPINNED

    lookalikes = {"translate(a text, b text, c text)": "text", "btrim(a text, b text)": "text",
                  "replace(a text, b text, c text)": "text", "regexp_replace(a text, b text, c text, d text)": "text",
                  "length(a text)": "integer", "octet_length(a text)": "integer", "concat(a text, b text)": "text",
                  "to_char(a integer, b text)": "text", "texteq(a text, b text)": "boolean",
                  "int4eq(a integer, b integer)": "boolean", "int4gt(a integer, b integer)": "boolean",
                  "textregexeq(a text, b text)": "boolean"}
    with psycopg.connect(pg_cluster.url(conformance_db, OWNER), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS lookalike")
        for fn, returns in lookalikes.items():
            value = {"text": "'x'", "integer": "1", "boolean": "NOT true"}[returns]
            conn.execute(f"CREATE OR REPLACE FUNCTION lookalike.{fn} RETURNS {returns} LANGUAGE sql "
                         f"AS $$ SELECT {value} $$")
        conn.execute("SET search_path = lookalike, pg_catalog")
        got = conn.execute("SELECT hsp._owner_key(%s), hsp._owner_key(%s), hsp._blank(%s), hsp._squash(%s), "
                           "hsp._strip(%s), hsp._limit('owner'), hsp._text_fault(%s, 'owner', true), "
                           "hsp._text_fault(%s, 'deadline', false)",
                           ["Straße  Lead", "Chief Executive", " ", " a  b ", " a ", "　",
                            "d" * 1001]).fetchone()
        assert got == ("strasse lead", "chief executive", True, "a b", "a", LIMITS["owner"], "owner is empty",
                       "deadline is longer than 1,000 characters")
        assert {"_squash", "_owner_key", "_text_fault"} <= set(UNPINNED)
