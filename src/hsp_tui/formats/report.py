"""The board report (`hsp-tui export --format md|html`), as of the review date, built once as a
document (`document`: sections of typed blocks) which `report_markdown` writes as Markdown and
`report_html` as an HTML page; neither re-reads the other.

Written to be pasted into a board paper: a heading, the plan and review date, a summary of counts,
then in the order a board and its auditor read (`build_report`): overdue, due soon, escalated,
awaiting verification, the verification log, the evidence behind the verdicts, dropped, revised deadlines, (changes since), progress,
by owner, notes, and the weekly figures in an appendix. Every piece of user
text (titles, owners, notes, reasons, even the plan's title) is data: it enters the document as plain
text (`document.plain`: control characters spelled out, one line, cut to length) and each renderer
escapes it, so a note can neither break a table nor inject a link, an image or a tag.
"Due soon" is the review's own window (`Review.due_soon_days`: --due-soon-days, the settings file or
14 days), so the board reads the same items as `list --due-soon` and the app for the same date.
Pure code: the review date and the export time are passed in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Sequence

from hsp_tui import __version__
from hsp_tui.domain.progress import progress
from hsp_tui.domain.records import Recommendation, Status
from hsp_tui.domain.review import ItemReview, Review
from hsp_tui.domain.rules import DEFAULT_ESCALATE_AFTER
from hsp_tui.formats import charts
from hsp_tui.formats.document import (NONE, Chart, Document, Section, Span, bullets, cell, para, plain, section,
                                      strong, table)
from hsp_tui.formats.formatting import (due_words, is_ongoing, long_date, plural, reminder_words,
                                        status_words)
from hsp_tui.formats.reminders import is_escalated
from hsp_tui.formats.report_changes import dropped_section, late_by, numbers, revised_section, since_section
from hsp_tui.formats.report_verdicts import awaiting, awaiting_section, evidence_section, log_section
from hsp_tui.formats.report_markdown import to_markdown

NOTE_LIMIT = 200  # a latest note longer than this is cut in the tables (the JSON export has it whole)


def produced(at: str) -> str:
    """A timestamp as a board paper gives it: '26 November 2026, 01:34 (UTC+00:00)'."""
    try:
        t = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return plain(at)
    zone = t.strftime("%z")
    zone = f" (UTC{zone[:3]}:{zone[3:]})" if zone else ""
    return f"{long_date(t.date())}, {t:%H:%M}{zone}"


# -- what each item shows -------------------------------------------------------------------
def _milestone_driving(rec: Recommendation, reference: date | None, due: date | None) -> int | None:
    """The 1-based index of the open milestone that sets the due date, if one does."""
    if rec.revised or not rec.milestones or due is None:
        return None
    for k, m in enumerate(rec.milestones, start=1):
        if not m.done and m.parsed(reference).due == due:
            return k
    return None


def due_text(item: ItemReview, reference: date | None) -> str:
    """The due date in words, saying when a milestone or a revision sets it."""
    rec = item.rec
    base = due_words(item)
    k = _milestone_driving(rec, reference, item.due)
    if k is not None:
        label = rec.milestones[k - 1].label
        return f"{base} (milestone {k} of {len(rec.milestones)}: {plain(label, 60)})"
    if rec.revised:
        return f"{base} (revised; agreed {plain(rec.deadline)})"
    return base


def flag_text(item: ItemReview, days: int) -> Span:
    if item.overdue:
        return Span(f"OVERDUE ({plural(item.days_overdue, 'day')})", flag="overdue")
    if item.due_soon:
        return Span(f"due within {plural(days, 'day')}")
    return Span(NONE)


def shares(rv: Review) -> str:
    """'55% done, 45% verified': done (verified or not) and verified, each a share of every item."""
    return f"{rv.share_done:.0%} done, {rv.share_verified:.0%} verified"


def due_soon_heading(days: int) -> str:
    """The due-soon section's name: the window `list --due-soon` uses for the same review."""
    return f"Due in the next {plural(days, 'day')}"


# -- the report ------------------------------------------------------------------------------
class Parts:
    """What the sections share: the review, its lists of items and the options."""

    def __init__(self, rv: Review, escalate_after: int) -> None:
        self.rv = rv
        self.escalate_after = escalate_after
        self.ref = rv.plan.meta.date
        self.days = rv.due_soon_days
        as_of = rv.as_of
        # Capped at the last date there is: any review date the command line accepts must work.
        self.window_end = (as_of + timedelta(days=self.days) if date.max - as_of > timedelta(days=self.days)
                           else date.max)
        self.items = list(rv.items)
        # The longest overdue first: a board reads the worst first.
        self.overdue = sorted((i for i in self.items if i.overdue), key=lambda i: (-i.days_overdue, i.number))
        self.soon = sorted((i for i in self.items if i.due_soon), key=lambda i: (i.due, i.number))
        self.revised = [i for i in self.items if i.rec.revised]
        # The items whose next reminder goes to the owner's sponsor too (`reminders.is_escalated`).
        self.escalated = [i for i in self.items
                          if not i.rec.status.closed and is_escalated(i.rec, i.rec.owner, escalate_after)]
        self.late_revised = [i for i in self.revised
                             if any(late_by(i.rec, k, self.ref) for k in range(len(i.rec.revisions)))]
        self.awaiting, self.drops_awaiting = awaiting(rv)


def head(rv: Review, exported_at: str) -> list:
    meta = rv.plan.meta
    about = plain(meta.title)
    extra = [plain(x) for x in (meta.author,) if x.strip()]
    if meta.date:
        extra.append(long_date(meta.date))
    if extra:
        about += f" ({', '.join(extra)})"
    lines = [(strong("Plan:"), Span(f" {about}"))]
    if meta.prepared_for.strip():
        lines.append((strong("Prepared for:"), Span(f" {plain(meta.prepared_for)}")))
    lines.append((strong("Position:"), Span(f" as it stood on {long_date(rv.as_of)}")))
    lines.append((strong("Produced:"), Span(f" {produced(exported_at)} by hsp-tui {__version__}")))
    return [para(*lines)]


def summary_section(p: Parts) -> Section:
    rv, items, overdue, soon = p.rv, p.items, p.overdue, p.soon
    counts = rv.by_status()
    overdue_by_status = {s: sum(1 for i in overdue if i.rec.status is s) for s in Status}
    rows: list = []
    for s in Status:
        od = NONE if s.closed else str(overdue_by_status[s])
        rows.append((s.words, str(counts[s]), od))
    rows.append((strong("Total"), strong(str(len(items))), strong(str(len(overdue)))))
    done = sum(1 for i in items if i.rec.status.finished)
    verified = sum(1 for i in items if i.rec.status is Status.VERIFIED)
    dropped = sum(1 for i in items if i.rec.status is Status.DROPPED)
    named = lambda xs: f" ({numbers(sorted(xs, key=lambda i: i.number))})" if xs else ""  # noqa: E731
    by_band = ", ".join(f"{words}: {len(xs)}" for words, xs in bands(overdue))
    late = (f"; {len(p.late_revised)} revised after {'it was' if len(p.late_revised) == 1 else 'they were'} "
            f"already overdue{named(p.late_revised)}" if p.late_revised else "")
    drops = (f"; {plural(len(p.drops_awaiting), 'drop awaits', 'drops await')} the auditor's agreement"
             f"{named(p.drops_awaiting)}" if p.drops_awaiting else "")
    points = [
        (strong("Overdue:"), Span(f" {len(overdue)}{named(overdue)}" + (f"; {by_band}." if overdue else "."))),
        (strong(due_soon_heading(p.days)), Span(f" (to {long_date(p.window_end)}): {len(soon)}{named(soon)}.")),
        (strong("Escalated"), Span(f" (reminded {plural(p.escalate_after, 'time')} or more): "
                                   f"{len(p.escalated)}{named(p.escalated)}.")),
        (strong("Awaiting verification:"), Span(f" {len(p.awaiting)}{named(p.awaiting)}{drops}.")),
        (strong("Revised deadlines:"), Span(f" {len(p.revised)}{named(p.revised)}{late}.")),
        (strong("Done:"), Span(f" {done} of {len(items)} done" + (f", {dropped} dropped" if dropped else "")
                                + f" ({shares(rv)}); {verified} verified by the auditor, "
                                  f"{done - verified} awaiting verification.")),
    ]
    ongoing = [i for i in items if i.due is None and is_ongoing(i.rec)]
    unreadable = [i for i in items if i.due is None and not is_ongoing(i.rec)]
    if ongoing:
        points.append((strong("Ongoing, with no fixed date:"), Span(f" {len(ongoing)} ({numbers(ongoing)}).")))
    if unreadable:
        points.append((strong("Deadline could not be read, so no due date:"),
                       Span(f" {len(unreadable)} ({numbers(unreadable)}).")))
    return section("summary", "Summary", table(("Status", "Items", "Overdue"), rows, "lrr"), bullets(points))


def progress_section(rv: Review) -> tuple[Section, Section]:
    """Progress over time: the chart, and (in an appendix) the same figures as a table (see `charts`)."""
    points, step = charts.figures(progress(rv.plan, rv.as_of))
    words = charts.step_words(step, long_date(points[0].day), long_date(rv.as_of))
    chart = section("progress", "Progress over time", para(
        "The chart counts the items open, overdue, done and verified "
        f"{words}, as rebuilt from each item's history. The figures are in the appendix."),
        Chart(points, "The figures are in the appendix, week by week."))
    appendix = section("appendix-weekly", "Appendix: progress week by week", para(
        f"The items open, overdue, done and verified {words}: the figures the chart draws."),
        table(charts.TABLE_HEADERS, charts.table_rows(points), "lrrrrr"), appendix=True)
    return chart, appendix


# How long an item has been overdue, in the bands a board reads: (the most days in the band, words).
BANDS = ((30, "1 to 30 days"), (90, "31 to 90 days"), (None, "over 90 days"))


def band(days: int) -> str:
    return next(words for most, words in BANDS if most is None or days <= most)


def bands(overdue: Sequence[ItemReview]) -> list[tuple[str, list[ItemReview]]]:
    """The overdue items by band, the longest overdue band first."""
    return [(words, [i for i in overdue if band(i.days_overdue) == words]) for _most, words in reversed(BANDS)]


def overdue_section(p: Parts) -> Section:
    overdue = p.overdue
    if not overdue:
        return section("overdue", "Overdue", para("No items are overdue."))
    return section("overdue", "Overdue", para(
        f"{plural(len(overdue), 'item is', 'items are')} overdue as at {long_date(p.rv.as_of)}: "
        "not done or dropped, and past the date now due. The longest overdue first."),
        bullets(f"Overdue {words}: {len(xs)}" + (f" ({numbers(xs)})." if xs else ".") for words, xs in bands(overdue)),
        table(("No.", "Ref", "Recommendation", "Owner", "Due", "Days overdue", "How long", "Status", "Latest note",
               "Reminders"),
              ((str(i.number), cell(i.rec.ref), cell(i.rec.title), cell(i.rec.owner), due_text(i, p.ref),
                str(i.days_overdue), Span(band(i.days_overdue), flag="overdue"), status_words(i.rec),
                cell(i.rec.latest_note, NOTE_LIMIT), reminder_words(i.rec) or "not reminded") for i in overdue),
              "rllllrllll"))


def sponsor_words(rv: Review, owner: str) -> str:
    """The owner's sponsor as the plan stood on the review date: the addresses, "none set", or "not
    recorded" (the plan's history from before contacts' entries recorded the sponsor cannot say)."""
    contact = rv.plan.meta.contact(owner)
    if contact is not None and contact.sponsor is None:
        return "not recorded"
    if contact is None or not contact.sponsor:
        return "none set"
    return plain(", ".join(contact.sponsor))


def escalated_section(p: Parts) -> Section:
    """The open items whose owner has had escalate_after reminders about them or more, each with the
    owner's sponsor as it stood on the review date (the one the next reminder is copied to)."""
    title, after = "Escalated", plural(p.escalate_after, "reminder")
    if not p.escalated:
        return section("escalated", title, para(f"No open item has had {after} or more."))
    sponsors = [sponsor_words(p.rv, i.rec.owner) for i in p.escalated]
    rows = [(str(i.number), cell(i.rec.title), cell(i.rec.owner), sponsor, due_text(i, p.ref),
             plural(i.days_overdue, "day") if i.overdue else NONE, reminder_words(i.rec) or "not reminded")
            for i, sponsor in zip(p.escalated, sponsors)]
    blocks = [para(
        f"{plural(len(p.escalated), 'open item has', 'open items have')} had {after} or more "
        f"({numbers(p.escalated)}): each further reminder about one is copied to its owner's sponsor, "
        "when one is set."),
        table(("No.", "Recommendation", "Owner", "Sponsor", "Due", "Overdue by", "Reminders"), rows, "r")]
    if "not recorded" in sponsors:
        blocks.append(para("Sponsor not recorded: the contact was last changed before hsp-tui recorded sponsors "
                           "in the plan's history, so who it was on that day is not known."))
    return section("escalated", title, *blocks)


def due_soon_section(p: Parts) -> Section:
    soon, title = p.soon, due_soon_heading(p.days)
    if not soon:
        return section("due-soon", title, para(f"No items are due in the next {plural(p.days, 'day')}."))
    return section("due-soon", title, para(
        f"{plural(len(soon), 'item is', 'items are')} due from {long_date(p.rv.as_of)} "
        f"to {long_date(p.window_end)}."), table(
        ("No.", "Ref", "Recommendation", "Owner", "Due", "Status", "Latest note"),
        ((str(i.number), cell(i.rec.ref), cell(i.rec.title), cell(i.rec.owner), due_text(i, p.ref),
          status_words(i.rec), cell(i.rec.latest_note, NOTE_LIMIT)) for i in soon),
        "rl"))


def owner_section(p: Parts) -> Section:
    rv, items = p.rv, p.items
    if not items:
        return section("by-owner", "By owner", para("The plan has no recommendations."))
    soon_numbers = {i.number for i in p.soon}
    rows = []
    for o in rv.by_owner():
        mine = [i for i in items if i.rec.owner == o.owner]
        rows.append((cell(o.owner), str(o.total), str(o.open), str(o.overdue),
                     str(sum(1 for i in mine if i.number in soon_numbers)), str(o.done)))
    ordered = sorted(items, key=lambda i: (i.rec.owner.casefold(), i.rec.owner, i.number))
    listing = section("owner-items", "Recommendations by owner", table(
        ("Owner", "No.", "Ref", "Recommendation", "Due", "Status", "Flag"),
        ((cell(i.rec.owner), str(i.number), cell(i.rec.ref), cell(i.rec.title), due_text(i, p.ref),
          status_words(i.rec), flag_text(i, p.days)) for i in ordered),
        "lr"), level=3)
    return section("by-owner", "By owner", table(
        ("Owner", "Items", "Open", "Overdue", f"Due in {plural(p.days, 'day')}", "Done"), rows, "lrrrrr"), listing)


def notes_section(rv: Review, names_typed: bool) -> Section:
    as_of = long_date(rv.as_of)
    notes = [
        "A deadline naming a month or a period is due on its last day (\"April – May 2010\" is due on 31 May 2010).",
        "Where an item has milestones, it is due on its earliest open milestone; finishing a milestone does not "
        "finish the item.",
        "A revised deadline replaces the agreed one for what is due and overdue; the agreed deadline is kept "
        "and shown.",
        f"Overdue: not done or dropped, and due before {as_of}. Full history is in the JSON export.",
        f"Everything here is the plan as it stood at the end of {as_of}: changes that took effect "
        "later are left out, whenever they were recorded.",
    ]
    if names_typed:
        notes.append("The plan is kept in a file: the names in its history (who set an item done, who gave a "
                     "verdict) are as typed by whoever recorded each change, not checked logins.")
    return section("notes", "Notes", bullets(notes))


def build_report(review: Review, *, exported_at: str, since: date | None = None, names_typed: bool = False,
                 escalate_after: int = DEFAULT_ESCALATE_AFTER) -> Document:
    """The board report: the plan as it stood at the end of the review date (`review` is of that plan).
    `since`: add the changes that took effect after it; `names_typed`: the plan is a file, where the
    names in its history are as typed (a server records its own users), and the report says so;
    `escalate_after`: the setting of that name (reminders before an item is escalated).

    In the order a board and its auditor read (issue 23): what is late and what is coming, what the
    auditor has judged and what awaits, what was dropped or moved, then the trend, the owners, the
    notes, and the weekly figures in an appendix."""
    p = Parts(review, escalate_after)
    chart, weekly = progress_section(review)
    sections = [summary_section(p), overdue_section(p), due_soon_section(p), escalated_section(p),
                awaiting_section(review, NOTE_LIMIT), log_section(review, NOTE_LIMIT), evidence_section(review),
                dropped_section(review, NOTE_LIMIT), revised_section(p.revised, p.ref, NOTE_LIMIT)]
    if since is not None:
        sections.append(since_section(review, since, NOTE_LIMIT))
    sections += [chart, owner_section(p), notes_section(review, names_typed), weekly]
    title = f"{plain(review.plan.meta.title)}: progress on the action plan"
    return Document(title, tuple(head(review, exported_at)), tuple(sections))


def render_markdown(review: Review, *, exported_at: str, **options) -> str:
    """The board report in Markdown; `options`: those of `build_report`."""
    return to_markdown(build_report(review, exported_at=exported_at, **options))
