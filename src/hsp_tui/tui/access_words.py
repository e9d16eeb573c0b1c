"""Where the plan is and what this user may do there, as the app says it: the header's place, the
refusal a key gives before any dialog opens (its key is left out of the footer too), and Help's
words on saving. From `storage.contract.Access`, asked of the backend once, at start."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hsp_tui.tui.words import HELP_FOOTNOTE

if TYPE_CHECKING:
    from hsp_tui.storage.contract import Access

# The right each key's action needs (an `Access` field); the other keys need none.
ACTION_RIGHTS = {"set_status": "change", "note": "change", "edit": "change", "milestone": "change",
                 "undo": "change", "verify": "verify", "remind": "remind"}
REFUSED_WORDS = {
    "change": "may read this plan only: changes need the hsp_officer role",
    "verify": "may not record the auditor's verdict: that needs the hsp_auditor role",
    "contacts": "may not change the owners' addresses or sponsors: that needs the hsp_officer role",
    "remind": "may not send reminders (each one is recorded on the plan): that needs the hsp_officer role",
}


# The keys that change the plan (none works on the plan as it stood under later changes). `c` is
# not one: it shows the contacts as they stood then, read-only (tui/contact_actions.py).
CHANGE_ACTIONS = frozenset(ACTION_RIGHTS)


def changes(action: str) -> bool:
    """Whether the key `action` (e.g. 'set_status(2)') changes the plan."""
    return action.split("(", 1)[0] in CHANGE_ACTIONS


# A plan file this user may not write (`Access` of a file allows all or nothing).
FILE_READ_ONLY = "This plan file is read-only for you: nothing can be saved to it (its owner can make it writable)"


def refusal(access: "Access", action: str) -> str | None:
    """Why this user may not do what the key `action` (e.g. 'set_status(2)') does here, or None."""
    right = ACTION_RIGHTS.get(action.split("(", 1)[0])
    if right is None or getattr(access, right):
        return None
    return refused(access, right)


def refused(access: "Access", right: str) -> str:
    """Why this user lacks `right` (an `Access` field): a read-only file, or a database role's rights."""
    if access.kind == "file":
        return FILE_READ_ONLY
    return f"Your database role ({access.user}) {REFUSED_WORDS[right]}"


def place(access: "Access") -> str | None:
    """Where the plan is, for the header: on a server, the server, database user and plan's name
    ('db.example:5432, database hsp · alice · plan haringey-2010'); a file: None (its title says),
    or that it is read-only for this user."""
    if access.kind == "file":
        return None if access.change else "read-only file"
    return f"{access.where} · {access.user} · plan {access.plan}"


def help_footnote(access: "Access") -> str:
    """What Help says about saving and colleagues' changes, for the backend in use."""
    if access.kind == "file":
        return HELP_FOOTNOTE if access.change else f"{HELP_FOOTNOTE}\n{FILE_READ_ONLY}: the change keys are left out."
    a = access
    may = "" if a.change else f"\nYour database role ({a.user}) may read this plan only: changes need hsp_officer."
    verdict = "" if a.verify or not a.change else "\nThe auditor's verdict (v) needs the hsp_auditor role."
    return (f"\nChanges are saved on the server ({a.where}, plan {a.plan}) at once, under your database "
            f"user {a.user}; u undoes your last change (the undo is kept in the history).\nColleagues' "
            "changes show as soon as they are saved; if the server goes away the header says so and "
            f"changes are refused until it is back.{may}{verdict}")
