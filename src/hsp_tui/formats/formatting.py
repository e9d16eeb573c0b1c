"""Words and dates shared by the command line, the app and the reports.

One wording for each thing an officer reads in more than one place: a date ("1 Jun 2010"), a due
date or "Ongoing" / "no date", when a change was made ("29 Nov 2026 18:28"), what a history entry
did and whether it was undone, which revised deadlines still stand, and the detail of one
recommendation. Every piece of text from a file or a user goes through `textsafe.visible` here.

The detail is a list of (text, style) pieces: the app draws them as Rich text with the styles, the
command line prints the text alone. Pure code, no Textual or Rich.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable

from msgspec import Struct

from hsp_tui.domain.history import effective_day, size_words
from hsp_tui.domain.records import HistoryEntry, Recommendation, Revision, undone_ids
from hsp_tui.domain.review import ItemReview, Review
from hsp_tui.domain.textsafe import visible

ONGOING = "Ongoing"
NO_DATE = "no date"
ONGOING_OR_NO_DATE = "Ongoing / no date"
STALE_AFTER = timedelta(days=365)  # a plan whose every date is further back than this is "years past"


def fmt_date(d: date | None, missing: str = ONGOING) -> str:
    """'1 Jun 2010'; `missing` when there is no date."""
    return f"{d.day} {d:%b %Y}" if d else missing


def long_date(d: date) -> str:
    """'1 June 2010', as a board paper writes it."""
    return f"{d.day} {d:%B %Y}"


def month_label(month: str | None, fmt: str = "%B %Y") -> str:
    """A 'YYYY-MM' group label ('April 2010'), or 'Ongoing / no date' for the undated group."""
    return date(int(month[:4]), int(month[5:7]), 1).strftime(fmt) if month else ONGOING_OR_NO_DATE


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 day', '3 days'; `many` for irregular plurals ('1 item is', '2 items are')."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def is_ongoing(rec: Recommendation) -> bool:
    return rec.ongoing


def due_words(item: ItemReview) -> str:
    """The current due date ('30 Apr 2010'), 'Ongoing' when there is none, 'no date' when unreadable."""
    if item.due:
        return fmt_date(item.due)
    return ONGOING if is_ongoing(item.rec) else NO_DATE


def when_text(at: object) -> str:
    """A recorded timestamp as officers read it: '1 Jun 2010 09:00' (in the offset it was recorded
    in); anything that is not a timestamp is shown literally, control characters spelled out."""
    try:
        moment = datetime.fromisoformat(str(at))
    except (TypeError, ValueError):
        return visible(str(at))
    return f"{moment.day} {moment:%b %Y %H:%M}"


def day_text(at: object) -> str:
    """The day of a recorded timestamp ('1 Jun 2010'), or the text itself (spelled out) if not one."""
    try:
        return fmt_date(datetime.fromisoformat(str(at)).date())
    except (TypeError, ValueError):
        return visible(str(at))


def effective_text(entry) -> str:
    """The day a change took effect ('1 Sep 2010'; `history.effective_day`), else its time as recorded."""
    try:
        return fmt_date(date.fromisoformat(effective_day(entry)))
    except ValueError:
        return day_text(entry.at)


def entry_when(entry) -> str:
    """When a change was made, as the history shows it: '1 Jun 2010 09:00' (recorded), or, when it took
    effect on another day, 'on 1 Sep 2010, recorded 6 Dec 2026 09:00'."""
    recorded = when_text(entry.at)
    on = entry.on
    if on is None or str(entry.at)[:10] == on.isoformat():
        return recorded
    return f"on {fmt_date(on)}, recorded {recorded}"


def reminder_words(rec: Recommendation) -> str | None:
    """'reminded 4 times, first 1 Jun 2010, last 1 Mar 2011' ('reminded 1 time, last 20 May 2010'), and
    '1 reminder not confirmed sent (2 Jun 2010)' for one recorded to go and never marked sent (None:
    the owner was never reminded about this item)."""
    sent, unconfirmed = rec.reminders, rec.unconfirmed_reminders
    words = []
    if sent:
        first = f", first {effective_text(sent[0])}" if len(sent) > 1 else ""
        words.append(f"reminded {plural(len(sent), 'time')}{first}, last {effective_text(sent[-1])}")
    if unconfirmed:
        words.append(f"{plural(len(unconfirmed), 'reminder')} not confirmed sent "
                     f"({effective_text(unconfirmed[-1])})")
    return "; ".join(words) or None


# -- history and revisions --------------------------------------------------------------------------
def describe(entry: HistoryEntry, rec: Recommendation | None = None) -> str:
    """What a history entry did, in words, safe to show (a reminder as its item's history has it
    when `rec` is given: sent, not confirmed sent, not sent)."""
    if rec is not None and entry.action == "remind":
        return visible(entry.describe_reminder(rec.reminder_state(entry)))
    return visible(entry.describe())


def author_text(entry: HistoryEntry) -> str:
    """Who made an entry, safe to show: 'alice'; for an entry an import brought onto a server, its
    author as claimed, with who imported it and when: 'carol (as imported by mallory, 6 Dec 2026)'."""
    if not entry.imported:
        return visible(str(entry.by))
    return f"{visible(str(entry.by))} (as imported by {visible(str(entry.imported_by))}, {day_text(entry.imported_at)})"


def status_words(rec: Recommendation) -> str:
    """The status in full ('Done, awaiting verification'); 'Verified (imported)' for a verdict that
    no auditor on this server gave."""
    return "Verified (imported)" if rec.verdict_imported else rec.status.words


def status_label(rec: Recommendation) -> str:
    """The status's short name, as `status_words` says it."""
    return "Verified (imported)" if rec.verdict_imported else rec.status.label


class HistoryLine(Struct, frozen=True):
    id: int
    when: str
    by: str
    what: str
    undone: bool
    note: str | None  # multi-line, spelled out


def history_lines(rec: Recommendation) -> list[HistoryLine]:
    """The item's history, newest first, every field made safe to show."""
    undone = undone_ids(rec.history)
    return [HistoryLine(h.id, entry_when(h), author_text(h), describe(h, rec), h.id in undone,
                        visible(str(h.note), multiline=True) if h.note else None)
            for h in reversed(rec.history)]


def standing_revisions(rec: Recommendation) -> list[Revision]:
    """The revised deadlines that stand: a revision an undo reversed is left out, and so is the
    revision an undo appended to restore the earlier deadline (the JSON export keeps them all).

    Each revision was appended by one history entry (a revise, or an undo of one), in order; where
    the history does not account for every revision (a plan imported without it), all are shown.
    """
    revs = list(rec.revisions)
    makers = [h for h in rec.history
              if h.action == "revise" or (h.action == "undo" and h.field == "deadline")]
    if len(makers) != len(revs):
        return revs
    by_id = {h.id: h for h in rec.history}
    standing: set[int] = set()
    for h in makers:
        if h.action == "revise":
            standing.add(h.id)
            continue
        # An undo reverses a revise; an undo of that undo brings the revise back, and so on.
        target, depth = by_id.get(h.undoes) if h.undoes is not None else None, 1
        while target is not None and target.action == "undo" and depth <= len(rec.history):
            target, depth = (by_id.get(target.undoes) if target.undoes is not None else None), depth + 1
        if target is not None and target.action == "revise":
            if depth % 2:
                standing.discard(target.id)
            else:
                standing.add(target.id)
    return [r for r, h in zip(revs, makers) if h.action == "revise" and h.id in standing]


def deadline_story(rec: Recommendation) -> str:
    """'April – May 2010' or 'agreed April – May 2010, revised to July 2010' (then 'then to ...')."""
    agreed = visible(rec.deadline) or "none given"
    steps = [visible(r.deadline) for r in standing_revisions(rec)] if rec.revised else []
    if not steps:
        return agreed
    story = f"agreed {agreed}, revised to {steps[0]}"
    for step in steps[1:]:
        story += f", then to {step}"
    return story


# -- one recommendation in full ---------------------------------------------------------------------
Piece = tuple[str, str]  # (text, style: "" or a Rich style name)


def detail_pieces(item: ItemReview, reference: date | None, *, keys: bool = False) -> list[Piece]:
    """One recommendation in full: status, owner, deadline, milestones, texts and history.

    Every piece of text from the file is spelled out. `keys` adds the app's key hints.
    """
    rec = item.rec
    out: list[Piece] = []

    def add(text: str, style: str = "") -> None:
        out.append((text, style))

    head = "bold"
    add(f"No. {rec.number}", head)
    add(f"  Ref {visible(rec.ref)}  ·  {status_words(rec)}")
    if item.overdue:
        add("  ·  ")
        add(f"OVERDUE by {plural(item.days_overdue, 'day')}", "bold red")
    elif item.due_soon:
        add("  ·  ")
        add("due soon", "bold yellow")
    add("\nOwner: ", head)
    add(visible(rec.owner))
    add("\nDeadline: ", head)
    add(deadline_story(rec))
    add("\nDue: ", head)
    add(due_words(item))
    reminded = reminder_words(rec)
    if reminded:
        add("\nReminders: ", head)
        add(reminded)
    warning = rec.current(reference).warning
    if warning:
        add(f"\nWarning: {visible(warning)}", "yellow")
    for r in (standing_revisions(rec) if rec.revised else ()):
        when = entry_when(r)
        add(f"\n  Revised to {visible(r.deadline)} {'' if when.startswith('on ') else 'on '}{when} by {visible(r.by)}: {visible(r.reason)}")
    if rec.milestones:
        add("\n\nMilestones", head)
        if rec.revised:
            add("  (for reference: the revised deadline now sets the due date)", "italic")
        if keys:
            add("  (m then the number marks one done/open)", "dim")
        for k, m in enumerate(rec.milestones, start=1):
            due = m.parsed(reference).due
            add(f"\n  {k}. [{'x' if m.done else ' '}] {'done' if m.done else 'open'}  {visible(m.label)}"
                f" — {visible(m.deadline)}")
            add(f" (due {fmt_date(due, NO_DATE)})", "dim")
    if rec.attachments:
        add("\n\nEvidence", head)
        if keys:
            add("  (E lists it; Enter there opens one)", "dim")
        for h in rec.evidence:
            add(f"\n  {attachment_line(h)}")
        if rec.withdrawn_ids:
            add(f"\n  ({plural(len(rec.withdrawn_ids), 'attachment')} withdrawn, kept in the history)", "dim")
    add("\n\nRecommendation\n", head)
    add(visible(rec.recommendation, multiline=True))
    add("\n\nManagement response\n", head)
    add(visible(rec.management_response, multiline=True))
    add("\n\nHistory", head)
    add("  (newest first)", "dim")
    lines = history_lines(rec)
    if not lines:
        add("\n  none yet")
    for h in lines:
        add(f"\n  #{h.id}  {h.when}  ")
        add(h.by, "bold")
        add(f"  {h.what}")
        if h.undone:
            add("  (undone)", "dim")
        if h.note:
            add("\n      " + h.note.replace("\n", "\n      "), "italic")
    return out


SHORT_HASH = 8  # hex digits of a SHA-256 shown where a line has no room for all 64


def evidence_label(evidence: dict) -> str:
    """'minutes.txt · 70 bytes · sha256 1a2b3c4d · text/plain', or 'link https://...' (never
    fetched); every text spelled out safe to show."""
    if "url" in evidence:
        return f"link {visible(str(evidence['url']))}"
    return (f"{visible(str(evidence.get('name')))} · {size_words(evidence.get('size'))} · "
            f"sha256 {str(evidence.get('sha256'))[:SHORT_HASH]} · {visible(str(evidence.get('media_type')))}")


def attachment_line(h: HistoryEntry) -> str:
    """'#7  minutes.txt · 70 bytes · sha256 1a2b3c4d · text/plain — alice, 1 Jun 2010 09:00'."""
    return f"#{h.id}  {evidence_label(h.new)} — {author_text(h)}, {entry_when(h)}"


def detail_text(rv: Review, number: int) -> str | None:
    """The detail of recommendation `number` as plain text (None when the plan has no such item)."""
    item = rv.item(number)
    if item is None:
        return None
    return "".join(text for text, _ in detail_pieces(item, rv.plan.meta.date))


def join(pieces: Iterable[Piece]) -> str:
    return "".join(text for text, _ in pieces)


# -- a plan reviewed long after its dates -----------------------------------------------------------
def stale_dates(rv: Review) -> tuple[date, date] | None:
    """(latest due date, a review date to suggest) when every due date in the plan is more than a
    year before the review date (e.g. the 2010 seed plan judged today); None otherwise."""
    dues = [i.due for i in rv.items if i.due]
    if not dues or rv.as_of - max(dues) <= STALE_AFTER:
        return None
    suggest = rv.plan.meta.date or min(dues)
    return max(dues), suggest


def before_plan_hint(rv: Review) -> str | None:
    """One line saying the review date is before the plan's date (the plan did not exist yet: it is
    shown as first written), or None."""
    if rv.plan.meta.date is None or rv.as_of >= rv.plan.meta.date:
        return None
    return (f"hint: {fmt_date(rv.as_of)} is before the plan's date ({fmt_date(rv.plan.meta.date)}): the plan did "
            "not exist yet; it is shown as first written")


def stale_hint(rv: Review, command: str) -> str | None:
    """One line saying how to review a plan whose every date is years past, as of a date."""
    found = stale_dates(rv)
    if found is None:
        return None
    latest, suggest = found
    return (f"hint: every date in this plan is more than a year before {fmt_date(rv.as_of)} "
            f"(the latest is {fmt_date(latest)}); to see it as it stood on a date, give --as-of, "
            f"e.g. hsp-tui --as-of {suggest.isoformat()} {command}")
