"""What the app says when a change is saved or changes nothing, from the change itself; the hint
for a plan long past, judged as of today; and what Help says about saving to a file."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hsp_tui.formats.formatting import fmt_date, stale_dates
from hsp_tui.domain.records import Status

if TYPE_CHECKING:
    from hsp_tui.domain.review import Review
    from hsp_tui.storage.store import Change

# Help's last lines for a plan file (a server's are access_words.help_footnote's).
HELP_FOOTNOTE = ("\nChanges are saved to the file at once; u undoes your last change (the undo is kept in "
                 "the history).\nThe file is re-read when someone else changes it.")


def saved_words(change: Change) -> str:
    """What a saved change did, as the app says it: 'No. 3: Not started → In progress'."""
    entry, n = change.entry, change.number
    if entry is None or entry.action == "note":
        return f"No. {n}: note added"
    if entry.action == "verify":
        return (f"No. {n}: verified (accepted)" if entry.new == Status.VERIFIED.value
                else f"No. {n}: verification rejected, back to In progress")
    if entry.field == "status":
        reopened = " (reopened after verification)" if entry.old == Status.VERIFIED.value else ""
        return f"No. {n}: {status_word(entry.old)} → {status_word(entry.new)}{reopened}"
    if entry.field == "owner":
        return f"No. {n}: owner is now {entry.new}"
    if entry.field == "deadline":
        return f"No. {n}: deadline revised to {entry.new}"
    if entry.field == "milestone":
        return f"No. {n}: milestone {entry.new['index']} {'done' if entry.new['done'] else 'open again'}"
    return f"No. {n}: {change.summary}"


def undone_words(change: Change) -> str:
    """What an undo put back, as the app says it: the store's '3: owner back to 'X' (undoing change #5)'
    as 'No. 3: owner back to 'X'' (the app adds which history entry keeps the undo)."""
    text = re.sub(r" \((undoing change #\d+|kept in history)\)$", "", change.summary.strip())
    number, sep, rest = text.partition(": ")
    return f"No. {number}: {rest}" if sep and number.isdigit() else text


def status_word(value: object) -> str:
    """A stored status ('in_progress') as the app says it ('In progress')."""
    try:
        return Status(value).label
    except ValueError:
        return str(value)


def unchanged_words(summary: str) -> str:
    """The store's '1: already Done; nothing changed' as 'No. 1 is already Done'."""
    text = summary.strip().removesuffix("; nothing changed")
    number, sep, rest = text.partition(": ")
    if not sep or not number.isdigit():
        return text
    return f"No. {number} is {rest}" if rest.startswith("already ") else f"No. {number}: {rest}"


def long_past_hint(rv: Review, as_of_given: bool) -> str | None:
    """The words for a plan whose latest due date is more than a year before the review date, when
    that date is today's by default (not asked for); None otherwise. Said in the review date dialog
    (`r`); the header says it in short (LONG_PAST_SHORT) until a review date is given."""
    found = None if as_of_given else stale_dates(rv)  # the rule `list` and `summary` hint by too
    if found is None:
        return None
    latest, plan_date = found
    return (f"Every date in this plan is long past (the last was due {fmt_date(latest)}), so it is "
            f"judged as of today, {fmt_date(rv.as_of)}. To see it as it stood, give a review date here "
            f"(e.g. {plan_date.isoformat()}), or start the app with --as-of {plan_date.isoformat()}.")


LONG_PAST_SHORT = "today: plan long past, press r"  # in the header, after the review date


def heard_words(changed, lead: str = "Changed by a colleague") -> str:
    """A colleague's changes as the app says them: which item, who, what ('No. 4, by carol: status
    Not started -> Blocked'); the first three, then how many more."""
    from hsp_tui.formats.formatting import describe  # noqa: PLC0415

    parts = []
    for item in changed[:3]:
        history = item.rec.history
        if history:
            parts.append(f"No. {item.rec.number}, by {history[-1].by}: {describe(history[-1])}")
        else:
            parts.append(f"No. {item.rec.number}")
    more = f"; and {len(changed) - 3} more" if len(changed) > 3 else ""
    return f"{lead}: " + "; ".join(parts) + more


# The way back from a plan as it stood to the plan as it is, as every change key says it.
BACK_TO_TODAY = "r, clear the date (or type today), Enter"
REVIEW_DATE_RULE = ("\nA review date in the past (r) shows the plan as it stood at the end of that day. If changes "
                    "took effect after it, that plan is read-only (for today's plan: r, clear the date, Enter); "
                    "otherwise changes are allowed and take effect on the review date.")


def stood_refusal(day) -> str:
    """Why a change key does nothing while the plan is shown as it stood on `day`, and the way back."""
    return (f"Read-only: the plan as it stood on {fmt_date(day)} (changes took effect after it). "
            f"To change the plan, go back to today's: {BACK_TO_TODAY}")
