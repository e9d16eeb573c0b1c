"""The Markdown board report (`hsp-tui export --format md`), as of the review date.

Written to be pasted into a board paper: a heading, the plan and review date, a summary of counts,
then Overdue, Due in the next N days, Revised deadlines, and a table by owner. Every piece of user
text (titles, owners, notes, reasons, even the plan's title) is data: control characters are spelled
out (`textsafe.visible`), Markdown table and inline metacharacters are escaped and HTML is turned
into entities, so a note can neither break a table nor inject a link, an image or a tag.
"Due soon" is the review's own window (`Review.due_soon_days`: --due-soon-days, the settings file or
14 days), so the board reads the same items as `list --due-soon` and the app for the same date.
Pure code: the review date and the export time are passed in.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Iterable, Sequence

from hsp_tui import __version__
from hsp_tui.domain.records import Recommendation, Status
from hsp_tui.domain.review import ItemReview, Review
from hsp_tui.formats.formatting import (day_text, due_words, fmt_date, is_ongoing, long_date, plural, reminder_words, standing_revisions, status_words)
from hsp_tui.domain.textsafe import visible
from hsp_tui.formats.report_changes import day_words, dropped_section, since_section

NOTE_LIMIT = 200  # a latest note longer than this is cut in the tables (the JSON export has it whole)
NONE = "—"

# Characters that start Markdown (CommonMark/GFM) inline constructs or end a table cell.
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~#$])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def md(text: str | None, limit: int | None = None) -> str:
    """User text made safe for one line of Markdown (a table cell or a sentence).

    Newlines and tabs become spaces, control/bidi characters are spelled out, long text is cut
    (before escaping, so an escape is never cut in half), then Markdown and HTML are neutralised.
    """
    flat = re.sub(r" {2,}", " ", visible(text or "")).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    flat = _MD_PUNCT.sub(r"\\\1", flat)
    flat = _ENTITY.sub("&amp;", flat)
    return flat.replace("<", "&lt;").replace(">", "&gt;")


def cell(text: str | None, limit: int | None = None) -> str:
    out = md(text, limit)
    return out if out else NONE


def when(at: str) -> str:
    """The day of a timestamp (as recorded, in its own offset), or the text itself if it is not one."""
    return md(day_text(at))


def produced(at: str) -> str:
    """A timestamp as a board paper gives it: '26 November 2026, 01:34 (UTC+00:00)'."""
    try:
        t = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return md(at)
    zone = t.strftime("%z")
    zone = f" (UTC{zone[:3]}:{zone[3:]})" if zone else ""
    return f"{long_date(t.date())}, {t:%H:%M}{zone}"


def numbers(items: Sequence[ItemReview]) -> str:
    """'item 8', 'items 1, 2 and 4'."""
    nums = [str(i.number) for i in items]
    if not nums:
        return ""
    if len(nums) == 1:
        return f"item {nums[0]}"
    return f"items {', '.join(nums[:-1])} and {nums[-1]}"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> list[str]:
    """A GFM table; `align` has one letter per column: l (default) or r."""
    seps = ["---:" if (align[k:k + 1] == "r") else "---" for k in range(len(headers))]
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join(seps) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


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
        return f"{base} (milestone {k} of {len(rec.milestones)}: {md(label, 60)})"
    if rec.revised:
        return f"{base} (revised; agreed {md(rec.deadline)})"
    return base


def flag_text(item: ItemReview, days: int) -> str:
    if item.overdue:
        return f"OVERDUE ({plural(item.days_overdue, 'day')})"
    if item.due_soon:
        return f"due within {plural(days, 'day')}"
    return ""


def shares(rv: Review) -> str:
    """'55% done, 45% verified': done (verified or not) and verified, each a share of every item."""
    return f"{rv.share_done:.0%} done, {rv.share_verified:.0%} verified"


def due_soon_heading(days: int) -> str:
    """The due-soon section's name: the window `list --due-soon` uses for the same review."""
    return f"Due in the next {plural(days, 'day')}"


# -- the report ------------------------------------------------------------------------------
def progress_section(rv: Review) -> list[str]:
    """Progress over time: the Mermaid chart and the same figures as a table (see `charts`)."""
    from hsp_tui.formats import charts
    from hsp_tui.domain.progress import progress

    points, step = charts.figures(progress(rv.plan, rv.as_of))
    first = points[0].day
    out = ["## Progress over time", "",
           "The chart and the table below count the items open, overdue, done and verified "
           f"{charts.step_words(step, long_date(first), long_date(rv.as_of))}, as rebuilt from each item's "
           "history.",
           ""]
    out += charts.mermaid(points)
    out.append("")
    out += table(charts.TABLE_HEADERS, charts.table_rows(points), "lrrrrr")
    out.append("")
    return out


def render_markdown(review: Review, *, exported_at: str, since: date | None = None, names_typed: bool = False) -> str:
    """The board report: the plan as it stood at the end of the review date (`review` is of that plan).
    `since`: add the changes that took effect after it; `names_typed`: the plan is a file, where the
    names in its history are as typed (a server records its own users), and the report says so."""
    rv = review
    plan = rv.plan
    meta = plan.meta
    ref = meta.date
    as_of = rv.as_of
    days = rv.due_soon_days
    soon_heading = due_soon_heading(days)
    # Capped at the last date there is: any review date the command line accepts must work.
    window_end = as_of + timedelta(days=days) if date.max - as_of > timedelta(days=days) else date.max
    items = list(rv.items)
    overdue = [i for i in items if i.overdue]
    soon = sorted((i for i in items if i.due_soon), key=lambda i: (i.due, i.number))
    soon_numbers = {i.number for i in soon}
    revised = [i for i in items if i.rec.revised]
    ongoing = [i for i in items if i.due is None and is_ongoing(i.rec)]
    unreadable = [i for i in items if i.due is None and not is_ongoing(i.rec)]

    out: list[str] = [f"# {md(meta.title)}: progress on the action plan", ""]
    about = md(meta.title)
    extra = [md(x) for x in (meta.author,) if x.strip()]
    if meta.date:
        extra.append(long_date(meta.date))
    if extra:
        about += f" ({', '.join(extra)})"
    out.append(f"**Plan:** {about}  ")
    if meta.prepared_for.strip():
        out.append(f"**Prepared for:** {md(meta.prepared_for)}  ")
    out.append(f"**Position:** as it stood on {long_date(as_of)}  ")
    out.append(f"**Produced:** {produced(exported_at)} by hsp-tui {__version__}")
    out.append("")

    # Summary
    out += ["## Summary", ""]
    counts = rv.by_status()
    overdue_by_status = {s: sum(1 for i in overdue if i.rec.status is s) for s in Status}
    rows = []
    for s in Status:
        od = NONE if s.closed else str(overdue_by_status[s])
        rows.append((s.words, str(counts[s]), od))
    rows.append(("**Total**", f"**{len(items)}**", f"**{len(overdue)}**"))
    out += table(("Status", "Items", "Overdue"), rows, "lrr")
    out.append("")
    done = sum(1 for i in items if i.rec.status.finished)
    verified = sum(1 for i in items if i.rec.status is Status.VERIFIED)
    dropped = sum(1 for i in items if i.rec.status is Status.DROPPED)
    bullets = [
        f"**Overdue:** {len(overdue)}" + (f" ({numbers(overdue)})." if overdue else "."),
        f"**{soon_heading}** (to {long_date(window_end)}): {len(soon)}"
        + (f" ({numbers(soon)})." if soon else "."),
        f"**Revised deadlines:** {len(revised)}" + (f" ({numbers(revised)})." if revised else "."),
        f"**Done:** {done} of {len(items)} done" + (f", {dropped} dropped" if dropped else "")
        + f" ({shares(rv)}); {verified} verified by the auditor, {done - verified} awaiting verification.",
    ]
    if ongoing:
        bullets.append(f"**Ongoing, with no fixed date:** {len(ongoing)} ({numbers(ongoing)}).")
    if unreadable:
        bullets.append(f"**Deadline could not be read, so no due date:** {len(unreadable)} ({numbers(unreadable)}).")
    out += [f"- {b}" for b in bullets]
    out.append("")

    out += progress_section(rv)
    if since is not None:
        out += since_section(rv, since, md, cell, table, NOTE_LIMIT)

    # Overdue
    out += ["## Overdue", ""]
    if overdue:
        out.append(f"{plural(len(overdue), 'item is', 'items are')} overdue as at {long_date(as_of)}: "
                   "not done or dropped, and past the date now due.")
        out.append("")
        out += table(
            ("No.", "Ref", "Recommendation", "Owner", "Due", "Days overdue", "Status", "Latest note", "Reminders"),
            ((str(i.number), cell(i.rec.ref), cell(i.rec.title), cell(i.rec.owner), due_text(i, ref),
              str(i.days_overdue), status_words(i.rec), cell(i.rec.latest_note, NOTE_LIMIT),
              reminder_words(i.rec) or "not reminded") for i in overdue),
            "rllllrlll",
        )
    else:
        out.append("No items are overdue.")
    out.append("")

    # Due in the next N days
    out += [f"## {soon_heading}", ""]
    if soon:
        out.append(f"{plural(len(soon), 'item is', 'items are')} due from {long_date(as_of)} "
                   f"to {long_date(window_end)}.")
        out.append("")
        out += table(
            ("No.", "Ref", "Recommendation", "Owner", "Due", "Status", "Latest note"),
            ((str(i.number), cell(i.rec.ref), cell(i.rec.title), cell(i.rec.owner), due_text(i, ref),
              status_words(i.rec), cell(i.rec.latest_note, NOTE_LIMIT)) for i in soon),
            "rl",
        )
    else:
        out.append(f"No items are due in the next {plural(days, 'day')}.")
    out.append("")

    # Revised deadlines
    out += ["## Revised deadlines", ""]
    if revised:
        out.append("The deadline agreed in the plan is kept; the revised one is the one now tracked. "
                   "Revisions since undone are left out (the JSON export keeps them).")
        out.append("")
        rows = []
        for i in revised:
            rec = i.rec
            revisions = standing_revisions(rec) or list(rec.revisions)
            chain = " → ".join(md(r.deadline) for r in revisions)
            if len(revisions) > 1:
                chain = f"{chain} ({len(revisions)} revisions)"
                # Every revision's reason, who and when: an audit committee asks why each extension.
                reasons = "; ".join(f"{cell(r.deadline)}: {cell(r.reason, NOTE_LIMIT)}" for r in revisions)
                by = "; ".join(cell(r.by) for r in revisions)
                at = "; ".join(day_words(r) for r in revisions)
            else:
                only = revisions[0]
                reasons, by, at = cell(only.reason, NOTE_LIMIT), cell(only.by), day_words(only)
            rows.append((str(rec.number), cell(rec.ref), cell(rec.title), cell(rec.owner), cell(rec.deadline),
                         chain, fmt_date(i.due, NONE), reasons, by, at))
        out += table(("No.", "Ref", "Recommendation", "Owner", "Agreed", "Revised to", "Now due", "Reason",
                      "Revised by", "When"), rows, "r")
    else:
        out.append("No deadlines have been revised.")
    out.append("")

    out += dropped_section(rv, md, cell, table, NOTE_LIMIT)

    # By owner
    out += ["## By owner", ""]
    if items:
        rows = []
        for o in rv.by_owner():
            mine = [i for i in items if i.rec.owner == o.owner]
            rows.append((cell(o.owner), str(o.total), str(o.open), str(o.overdue),
                         str(sum(1 for i in mine if i.number in soon_numbers)), str(o.done)))
        out += table(("Owner", "Items", "Open", "Overdue", f"Due in {plural(days, 'day')}", "Done"), rows, "lrrrrr")
        out += ["", "### Recommendations by owner", ""]
        ordered = sorted(items, key=lambda i: (i.rec.owner.casefold(), i.rec.owner, i.number))
        out += table(
            ("Owner", "No.", "Ref", "Recommendation", "Due", "Status", "Flag"),
            ((cell(i.rec.owner), str(i.number), cell(i.rec.ref), cell(i.rec.title), due_text(i, ref),
              status_words(i.rec), flag_text(i, days) or NONE) for i in ordered),
            "lr",
        )
    else:
        out.append("The plan has no recommendations.")
    out.append("")

    out += [
        "## Notes",
        "",
        "- A deadline naming a month or a period is due on its last day (\"April – May 2010\" is due on 31 May 2010).",
        "- Where an item has milestones, it is due on its earliest open milestone; finishing a milestone does not "
        "finish the item.",
        "- A revised deadline replaces the agreed one for what is due and overdue; the agreed deadline is kept "
        "and shown.",
        f"- Overdue: not done or dropped, and due before {long_date(as_of)}. Full history is in the JSON export.",
        f"- Everything here is the plan as it stood at the end of {long_date(as_of)}: changes that took effect "
        "later are left out, whenever they were recorded.",
    ]
    if names_typed:
        out.append("- The plan is kept in a file: the names in its history (who set an item done, who gave a "
                   "verdict) are as typed by whoever recorded each change, not checked logins.")
    out.append("")
    return "\n".join(out)
