"""Sections of the board report about the auditor's verdicts: what awaits one (named by number), the
verification log (every verdict and rejection with the auditor's reason, who and when), and what each
verified item's verdict rests on (the evidence it recorded, issue 24).
Sections of the report's document (`document`). Pure code: the review (the plan as it stood on the
review date, its history ending that day) is passed in.
"""

from __future__ import annotations

import re

from hsp_tui.domain.history import HistoryEntry, effective_day, evidence_key, undone_ids
from hsp_tui.domain.records import Recommendation, Status
from hsp_tui.domain.review import ItemReview, Review
from hsp_tui.domain.verdicts import awaiting_verdict, claim
from hsp_tui.domain.vocabulary import Action
from hsp_tui.formats.document import NONE, Section, cell, para, section, table
from hsp_tui.formats.formatting import author_text, long_date, plural
from hsp_tui.formats.report_changes import day_words, numbers

SHORT_HASH = 8  # as `evidence list` and the history show a copy's hash


def awaiting(rv: Review) -> tuple[list[ItemReview], list[ItemReview]]:
    """The items done and awaiting verification, and those dropped and awaiting the auditor's agreement."""
    waiting = [i for i in rv.items if awaiting_verdict(i.rec)]
    return ([i for i in waiting if i.rec.status is Status.DONE],
            [i for i in waiting if i.rec.status is Status.DROPPED])


def awaiting_section(rv: Review, limit: int) -> Section:
    done, drops = awaiting(rv)
    title = "Awaiting verification"
    if not done and not drops:
        return section("awaiting-verification", title, para("Nothing awaits the auditor's verdict."))
    words = []
    if done:
        words.append(f"{plural(len(done), 'item is', 'items are')} done and awaiting verification ({numbers(done)})")
    if drops:
        words.append(f"{plural(len(drops), 'drop awaits', 'drops await')} the auditor's agreement ({numbers(drops)})")
    rows = []
    for i in (*done, *drops):
        rec = i.rec
        entry = claim(rec)
        what = "verification of Done" if rec.status is Status.DONE else "agreement to the drop"
        rows.append((str(rec.number), cell(rec.ref), cell(rec.title), cell(rec.owner), what,
                     cell(author_text(entry) if entry else None), day_words(entry) if entry else NONE,
                     cell(entry.note if entry else None, limit)))
    return section("awaiting-verification", title, para("; ".join(words) + "."), table(
        ("No.", "Ref", "Recommendation", "Owner", "Awaiting", "Claimed by", "On", "Officer's note"), rows, "r"))


def verdict_words(h: HistoryEntry) -> str:
    """A verdict in words: 'accepted: Verified', 'rejected: back to In progress', 'drop agreed'..."""
    def label(value: object) -> str:
        try:
            return Status(value).label
        except ValueError:
            return str(value)

    if h.old == Status.DROPPED.value:
        return "drop agreed" if h.new == Status.DROPPED.value else f"drop rejected: back to {label(h.new)}"
    return "accepted: Verified" if h.new == Status.VERIFIED.value else f"rejected: back to {label(h.new)}"


def verdicts(rv: Review) -> list[tuple[Recommendation, HistoryEntry]]:
    """Every verdict recorded up to the review date, oldest first (by the day it took effect)."""
    found = [(r.rec, h) for r in rv.items for h in r.rec.history if h.action == Action.VERIFY]
    return sorted(found, key=lambda x: (effective_day(x[1]), x[0].number, x[1].id))


def log_section(rv: Review, limit: int) -> Section:
    title = "Verification log"
    found = verdicts(rv)
    if not found:
        return section("verification-log", title, para(f"No verdicts were recorded up to {long_date(rv.as_of)}."))
    undone = {(rec.number, k) for rec, _h in found for k in undone_ids(rec.history)}
    accepted = sum(1 for _r, h in found if h.new in (Status.VERIFIED.value, Status.DROPPED.value))
    rows = []
    for rec, h in found:
        words = verdict_words(h) + (" (since undone)" if (rec.number, h.id) in undone else "")
        rows.append((day_words(h), str(rec.number), cell(rec.title), words, cell(author_text(h)),
                     cell(h.note, limit)))
    return section("verification-log", title, para(
        f"Every verdict the auditor recorded up to {long_date(rv.as_of)}, oldest first: "
        f"{plural(len(found), 'verdict')}, {accepted} accepting and {len(found) - accepted} rejecting."),
        table(("On", "No.", "Recommendation", "Verdict", "Auditor", "Auditor's reason"), rows, "lr"))


def standing_verdict(rec: Recommendation) -> HistoryEntry | None:
    """The verdict that made a verified item Verified: its latest accepting verdict not undone."""
    if rec.status is not Status.VERIFIED:
        return None
    undone = undone_ids(rec.history)
    return next((h for h in reversed(rec.history) if h.action == Action.VERIFY
                 and h.new == Status.VERIFIED.value and h.id not in undone), None)


def rests_on(rec: Recommendation, verdict: HistoryEntry) -> list[tuple[str, HistoryEntry | None]]:
    """What the verdict recorded (a copy's sha256 or a link's URL, oldest first), each with the
    attachment it was (the latest one before the verdict with that hash or URL; None if none is)."""
    attached = [h for h in rec.history if h.action == Action.ATTACH and h.id < verdict.id]
    return [(key, next((h for h in reversed(attached) if evidence_key(h) == key), None)) for key in verdict.evidence]


def _evidence_cells(key: str, entry: HistoryEntry | None, withdrawn: dict[int, HistoryEntry]) -> tuple[str, str, str]:
    """(what: a copy's name or a link, attached on, short hash or 'link')."""
    new = entry.new if entry is not None else {}
    is_link = "url" in new or (entry is None and not re.fullmatch(r"[0-9a-f]{64}", key))
    what = cell(new.get("url") if is_link and new else new.get("name") if new else key)
    if entry is not None and entry.id in withdrawn:
        what += f" (withdrawn {day_words(withdrawn[entry.id])})"
    return what, day_words(entry) if entry is not None else NONE, "link" if is_link else key[:SHORT_HASH]


def evidence_section(rv: Review) -> Section:
    """For each verified item, what its verdict rests on: name, when attached, short hash."""
    title = "Evidence behind the verdicts"
    verified = [(i.rec, v) for i in rv.items if (v := standing_verdict(i.rec)) is not None]
    if not verified:
        return section("evidence", title, para("No item is verified."))
    rows = []
    for rec, verdict in verified:
        withdrawn = rec.withdrawn_ids
        lead = (str(rec.number), cell(rec.title), day_words(verdict))
        pieces = rests_on(rec, verdict)
        if not pieces:
            rows.append((*lead, "none: the verdict rests on the officer's note", NONE, NONE))
        rows += [(*lead, *_evidence_cells(key, entry, withdrawn)) for key, entry in pieces]
    bare = [rec for rec, v in verified if not v.evidence]
    return section("evidence", title, para(
        "For each verified item, the evidence attached when the auditor accepted it, oldest first: a copy "
        f"by its file name and the first {SHORT_HASH} characters of its SHA-256 (the command "
        "\"hsp-tui evidence list N\" shows them whole), or a link. "
        + (f"{plural(len(bare), 'verified item rests', 'verified items rest')} on no attachment." if bare
           else "Every verified item rests on an attachment.")),
        table(("No.", "Recommendation", "Verified on", "Evidence", "Attached on", "SHA-256"), rows, "r"))
