"""The board pack (issue 23): the report in the order a board and its auditor read it, in Markdown and
in HTML alike (one document, two renderers, issue 19): how long each item has been overdue, what
awaits the auditor and what the auditor judged, drops, late revisions, reminders and escalation, then
the trend, and the weekly figures in an appendix. What a board member reads, as it stood on the date.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import date
from pathlib import Path

import pytest

from hsp_tui.domain.asof import as_it_stood
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import PlanMeta
from hsp_tui.domain.review import Review, review
from hsp_tui.formats.report import build_report, render_markdown
from hsp_tui.formats.report_html import render_html
from hsp_tui.storage.store import Store
from test_report import parse, rows_by_number
from test_report_html import Page
from printkit import needs_browser, pdf_pages, print_to_pdf, printed_words, words_split

ACE = "Assistant Chief Executive"
EXPORTED = "2011-03-31T10:00:00+01:00"
ORDER = ["Summary", "Overdue", "Due in the next 14 days", "Escalated", "Awaiting verification", "Verification log",
         "Evidence behind the verdicts", "Dropped", "Revised deadlines", "Progress over time", "By owner", "Recommendations by owner", "Notes",
         "Appendix: progress week by week"]


@pytest.fixture
def later(plan_path: Path) -> Store:
    """The seed plan with a year's history, each change on the day it happened (`on`), recorded later."""
    s = Store(plan_path, clock=lambda: "2011-03-31T09:00:00+01:00")
    s.set_status(1, "done", by="alice", note="Conference held", on=date(2010, 7, 1))
    s.verify(1, True, by="carol", note="Minutes of 1 July seen", on=date(2010, 8, 1))
    s.set_status(4, "done", by="alice", note="Protocol signed", on=date(2010, 11, 20))
    s.verify(4, False, by="carol", note="Only two partners signed", on=date(2011, 1, 10))
    s.set_status(9, "dropped", by="alice", note="Superseded by the new framework", on=date(2010, 8, 15))
    s.revise(3, "December 2010", reason="Waiting for the board", by="alice", on=date(2010, 6, 20))
    # Item 12 was due 31 Jul 2010; its deadline was moved on 17 Oct 2010, 78 days later.
    s.revise(12, "June 2011", reason="Private sector forum delayed", by="alice", on=date(2010, 10, 17))
    for day in (date(2010, 6, 1), date(2010, 9, 1), date(2010, 12, 1), date(2011, 3, 1)):
        s.record_reminder(2, ("ace@haringey.example",), ACE, by="pmo", on=day)
    s.set_status(8, "done", by="alice", note="Theme boards reviewed", on=date(2011, 3, 25))
    return s


def as_of(store: Store, day: date) -> Review:
    """The plan as it stood at the end of `day`, judged on that day (as `--as-of` gives it)."""
    return review(as_it_stood(store.load(), day), day)


def md(store: Store, day: date, **options) -> str:
    return render_markdown(as_of(store, day), exported_at=EXPORTED, **options)


def headings(text: str) -> list[str]:
    return [h for h in parse(text) if h != "_top"][1:]  # after the title


def test_the_sections_come_in_the_boards_order_in_markdown_and_in_html(later):
    rv = as_of(later, date(2011, 3, 31))
    assert headings(render_markdown(rv, exported_at=EXPORTED)) == ORDER
    page = render_html(rv, exported_at=EXPORTED)
    assert [html.unescape(h) for h in re.findall(r"<h[23]>(.*?)</h[23]>", page)] == ORDER
    # one document, two renderers: the same sections, the appendix last and marked as one
    doc = build_report(rv, exported_at=EXPORTED)
    ids = doc.section_ids()
    assert ids[-1] == "appendix-weekly" and doc.sections[-1].appendix
    opened = [a["id"] for t, a in Page(page).tags if t == "section" and "id" in a]
    assert [i for i in opened if i != "owner-items"] == ids
    assert '<section id="appendix-weekly" class="section appendix">' in page


def test_changes_since_the_last_board_follow_what_was_dropped_and_revised(later):
    order = headings(md(later, date(2011, 3, 31), since=date(2010, 12, 1)))
    at = order.index("Changes since 1 December 2010")
    assert order[at - 1] == "Revised deadlines" and order[at + 1] == "Progress over time"


def test_overdue_comes_first_longest_first_in_bands(store):
    s = parse(md(store, date(2010, 9, 1)))
    overdue = s["Overdue"]
    header, *rows = overdue["rows"]
    assert [r[0] for r in rows] == ["1", "2", "4", "8", "9", "7", "12", "3"]  # 124 (1, 2, 4), 93 (8, 9), 32 (7, 12), 1
    by = rows_by_number(overdue)
    assert [by[n]["How long"] for n in ("2", "9", "7", "3")] == ["over 90 days", "over 90 days", "31 to 90 days",
                                                                   "1 to 30 days"]
    bullets = [line for line in md(store, date(2010, 9, 1)).split("## Overdue")[1].split("##")[0].splitlines()
               if line.startswith("- ")]
    assert bullets == ["- Overdue over 90 days: 5 (items 1, 2, 4, 8 and 9).", "- Overdue 31 to 90 days: 2 (items 7 and 12).",
                       "- Overdue 1 to 30 days: 1 (item 3)."]
    summary = " ".join(s["Summary"]["text"])
    assert "**Overdue:** 8 (items 1, 2, 3, 4, 7, 8, 9 and 12); over 90 days: 5, 31 to 90 days: 2, 1 to 30 days: 1." in summary
    # the band is flagged in the HTML as the overdue flag is
    assert '<span class="overdue">over 90 days</span>' in render_html(review(store.load(), date(2010, 9, 1)),
                                                                      exported_at=EXPORTED)


def test_what_awaits_the_auditor_is_named_by_number(later):
    s = parse(md(later, date(2011, 3, 31)))
    waiting = rows_by_number(s["Awaiting verification"])
    assert list(waiting) == ["8", "9"]
    assert (waiting["8"]["Awaiting"], waiting["8"]["Claimed by"], waiting["8"]["On"], waiting["8"]["Officer's note"]) == (
        "verification of Done", "alice", "25 Mar 2011", "Theme boards reviewed")
    assert waiting["9"]["Awaiting"] == "agreement to the drop"
    assert s["Awaiting verification"]["text"] == [
        "1 item is done and awaiting verification (item 8); 1 drop awaits the auditor's agreement (item 9)."]
    assert ("**Awaiting verification:** 1 (item 8); 1 drop awaits the auditor's agreement (item 9)."
            in " ".join(s["Summary"]["text"]))
    # as it stood on 1 December 2010: item 4 awaited its verdict, item 8 was not done yet
    before = parse(md(later, date(2010, 12, 1)))
    assert list(rows_by_number(before["Awaiting verification"])) == ["4", "9"]


def test_the_verification_log_gives_every_verdict_with_the_auditors_reason_who_and_when(later):
    s = parse(md(later, date(2011, 3, 31)))
    header, *rows = s["Verification log"]["rows"]
    assert header == ["On", "No.", "Recommendation", "Verdict", "Auditor", "Auditor's reason"]
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in rows] == [
        ("1 Aug 2010", "1", "accepted: Verified", "carol", "Minutes of 1 July seen"),
        ("10 Jan 2011", "4", "rejected: back to In progress", "carol", "Only two partners signed")]
    assert "2 verdicts, 1 accepting and 1 rejecting" in s["Verification log"]["text"][0]
    # nothing later than the review date
    dec = parse(md(later, date(2010, 12, 1)))
    assert [r[1] for r in dec["Verification log"]["rows"][1:]] == ["1"]
    assert parse(md(later, date(2010, 7, 1)))["Verification log"]["text"] == [
        "No verdicts were recorded up to 1 July 2010."]


def test_each_verified_item_lists_what_its_verdict_rests_on(later):
    minutes = b"PMG minutes, 28 September 2010\n"
    later.set_status(7, "done", by="alice", note="Phase 2 scoped", on=date(2010, 9, 10))
    later.attach_copy(7, "pmg-minutes.pdf", minutes, by="alice", on=date(2010, 9, 12))
    wrong = later.attach_copy(7, "wrong.txt", b"not this one", by="alice", on=date(2010, 9, 12))
    later.withdraw(7, wrong.entry.id, reason="Wrong file", by="alice", on=date(2010, 9, 13))
    later.attach_link(7, "https://intranet.example/jsna/phase2", by="alice", note="the plan", on=date(2010, 9, 14))
    later.verify(7, True, by="carol", note="Minutes and plan seen", on=date(2010, 10, 1))
    # attached after the verdict: not what it rests on
    later.attach_link(7, "https://intranet.example/later", by="alice", note="more", on=date(2010, 10, 5))
    s = parse(md(later, date(2011, 3, 31)))
    header, *rows = s["Evidence behind the verdicts"]["rows"]
    assert header == ["No.", "Recommendation", "Verified on", "Evidence", "Attached on", "SHA-256"]
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("1", "1 Aug 2010", "none: the verdict rests on the officer's note", "—", "—"),
        ("7", "1 Oct 2010", "pmg-minutes.pdf", "12 Sep 2010", hashlib.sha256(minutes).hexdigest()[:8]),
        ("7", "1 Oct 2010", "https://intranet.example/jsna/phase2", "14 Sep 2010", "link")]
    assert "1 verified item rests on no attachment." in s["Evidence behind the verdicts"]["text"][0]
    page = Page(render_html(as_of(later, date(2011, 3, 31)), exported_at=EXPORTED))
    assert "a" not in {t for t, _a in page.tags}  # a link is shown, never followed or linked
    assert "https://intranet.example/jsna/phase2" in "".join(page.text)
    # a copy withdrawn after the verdict stays listed, marked; the report as of before then does not mark it
    copy_id = next(h.id for h in later.load().get(7).history if h.action == "attach")
    later.withdraw(7, copy_id, reason="Superseded minutes", by="alice", on=date(2011, 2, 1))
    rows = rows_by_number_all(parse(md(later, date(2011, 3, 31)))["Evidence behind the verdicts"], "7")
    assert rows[0]["Evidence"] == "pmg-minutes.pdf (withdrawn 1 Feb 2011)"
    rows = rows_by_number_all(parse(md(later, date(2010, 12, 1)))["Evidence behind the verdicts"], "7")
    assert rows[0]["Evidence"] == "pmg-minutes.pdf"
    # before the verdict, item 7 is not verified and not listed
    assert "7" not in {r[0] for r in parse(md(later, date(2010, 9, 30)))["Evidence behind the verdicts"]["rows"]}


def rows_by_number_all(section: dict, number: str) -> list[dict[str, str]]:
    header, *rows = section["rows"]
    return [dict(zip(header, r)) for r in rows if r[0] == number]


def test_a_revision_made_when_the_item_was_already_overdue_is_flagged(later):
    s = parse(md(later, date(2011, 3, 31)))
    revised = rows_by_number(s["Revised deadlines"])
    assert revised["12"]["Made when overdue"] == "revised 78 days after it was due"
    assert revised["3"]["Made when overdue"] == "—"  # moved in June, before it was due in August
    assert ("**Revised deadlines:** 2 (items 3 and 12); 1 revised after it was already overdue (item 12)."
            in " ".join(s["Summary"]["text"]))
    dropped = rows_by_number(s["Dropped"])
    assert dropped["9"]["Reason"] == "Superseded by the new framework"


def test_reminders_say_how_many_first_and_last_and_escalated_items_are_listed(later):
    s = parse(md(later, date(2011, 3, 31)))
    assert rows_by_number(s["Overdue"])["2"]["Reminders"] == "reminded 4 times, first 1 Jun 2010, last 1 Mar 2011"
    escalated = rows_by_number(s["Escalated"])
    assert list(escalated) == ["2"]
    assert (escalated["2"]["Reminders"], escalated["2"]["Overdue by"]) == (
        "reminded 4 times, first 1 Jun 2010, last 1 Mar 2011", "335 days")
    assert "**Escalated** (reminded 3 times or more): 1 (item 2)." in " ".join(s["Summary"]["text"])
    # as it stood on 1 September 2010: two reminders, not escalated yet
    sept = parse(md(later, date(2010, 9, 1)))
    assert rows_by_number(sept["Overdue"])["2"]["Reminders"] == "reminded 2 times, first 1 Jun 2010, last 1 Sep 2010"
    assert sept["Escalated"]["text"] == ["No open item has had 3 reminders or more."]
    # the escalate_after setting is the one the reminders use
    assert parse(md(later, date(2011, 3, 31), escalate_after=5))["Escalated"]["rows"] == []


def test_the_escalated_items_name_the_sponsor_of_the_day_the_report_is_for(later):
    """The sponsor the next reminder goes to, as the plan stood on the review date: changed alone on
    1 Feb 2011, the report for 31 Jan names the one before and the report for 1 Feb the new one."""
    later.set_contact(ACE, ["ace@haringey.example"], sponsor=["ce@haringey.example"], by="alice", on=date(2010, 5, 1))
    later.set_contact(ACE, ["ace@haringey.example"], sponsor=["deputy@haringey.example"], by="alice",
                      on=date(2011, 2, 1))
    for day, sponsor in ((date(2011, 1, 31), "ce@haringey.example"), (date(2011, 2, 1), "deputy@haringey.example")):
        escalated = parse(md(later, day))["Escalated"]
        assert rows_by_number(escalated)["2"]["Sponsor"] == sponsor
        page = render_html(as_of(later, day), exported_at=EXPORTED).replace("<wbr>", "")  # (break points)
        assert f"<td>{sponsor}</td>" in page.split('id="escalated"')[1].split("</section>")[0]
    later.set_contact(ACE, ["ace@haringey.example"], sponsor=[], by="alice", on=date(2011, 3, 2))
    assert rows_by_number(parse(md(later, date(2011, 3, 31)))["Escalated"])["2"]["Sponsor"] == "none set"
    later.remove_contact(ACE, by="alice", on=date(2011, 3, 3))
    assert rows_by_number(parse(md(later, date(2011, 3, 31)))["Escalated"])["2"]["Sponsor"] == "none set"


def test_a_sponsor_an_older_entry_did_not_record_is_said_to_be_not_recorded(later):
    """A plan whose contact entries were made before entries carried the sponsor (the addresses
    alone; the second one a change of the sponsor alone): as of a day before that change, who the
    sponsor was is not known, and the report says so rather than name today's."""
    plan = later.load()
    meta = PlanMeta.from_dict({**plan.meta.to_dict(), "contacts": [
        {"owner": ACE, "addresses": ["ace@haringey.example"], "sponsor": ["deputy@haringey.example"]}], "history": [
        {"id": 1, "at": "2010-05-01T09:00:00+01:00", "by": "alice", "action": "contact", "field": ACE, "old": None,
         "new": ["ace@haringey.example"], "note": None},
        {"id": 2, "at": "2011-02-01T09:00:00+01:00", "by": "alice", "action": "contact", "field": ACE,
         "old": ["ace@haringey.example"], "new": ["ace@haringey.example"], "note": None}]})
    old = Plan(meta, plan.recommendations)
    assert [h.describe() for h in meta.history][1] == f"contact for {ACE}: ace@haringey.example (its sponsor changed: not recorded)"

    def report_on(day: date) -> dict:
        return parse(render_markdown(review(as_it_stood(old, day), day), exported_at=EXPORTED))["Escalated"]

    january = report_on(date(2011, 1, 31))
    assert rows_by_number(january)["2"]["Sponsor"] == "not recorded"
    assert any("Sponsor not recorded" in t for t in january["text"])
    today = report_on(date(2011, 3, 31))  # the contact as it is: its sponsor is known
    assert rows_by_number(today)["2"]["Sponsor"] == "deputy@haringey.example"
    assert not any("not recorded" in t for t in today["text"])


def test_the_command_line_report_uses_the_escalate_after_setting(cli, plan_path, later):
    config = Path(str(plan_path) + ".toml")
    config.write_text("escalate_after = 5\n", encoding="utf-8")
    args = ("--db", str(plan_path), "--as-of", "2011-03-31", "export", "--format", "md")
    assert "| 2 |" in cli(*args).out.split("## Escalated")[1].split("\n## ")[0]
    quiet = cli("--config", str(config), *args)
    assert quiet.code == 0, quiet.err
    assert "No open item has had 5 reminders or more." in quiet.out


def test_text_in_the_new_sections_is_data(later):
    later.set_status(7, "done", by="<b>mallory</b>", note="done | <script>x()</script> **bold**", on=date(2011, 3, 30))
    out = render_html(as_of(later, date(2011, 3, 31)), exported_at=EXPORTED)
    page = Page(out)
    assert "script" not in {t for t, _a in page.tags} and "<b>mallory" not in out
    text = "".join(page.text)
    assert "done | <script>x()</script> **bold**" in text and "<b>mallory</b>" in text
    row = rows_by_number(parse(md(later, date(2011, 3, 31)))["Awaiting verification"])["7"]
    assert (row["Claimed by"], row["Officer's note"]) == ("<b>mallory</b>", "done | <script>x()</script> **bold**")


@pytest.mark.slow
@needs_browser
def test_the_full_board_pack_prints_on_a4_every_section_with_no_word_cut(later, tmp_path):
    later.set_status(7, "done", by="alice", note="Phase 2 scoped", on=date(2010, 9, 10))
    later.attach_copy(7, "pmg-minutes-28-september-2010.pdf", b"minutes", by="alice", on=date(2010, 9, 12))
    later.attach_link(7, "https://intranet.example/jsna/phase2", by="alice", note="plan", on=date(2010, 9, 14))
    later.verify(7, True, by="carol", note="Minutes and plan seen", on=date(2010, 10, 1))
    page = render_html(as_of(later, date(2011, 3, 31)), exported_at=EXPORTED, since=date(2010, 12, 1))
    html_path, pdf = tmp_path / "pack.html", tmp_path / "pack.pdf"
    html_path.write_text(page, encoding="utf-8")
    assert print_to_pdf(html_path, pdf) == []
    header = "Partnership working in Haringey, as it stood on 31 March 2011"
    assert words_split(page, pdf, extra=f"Page of {' '.join(map(str, range(1, 40)))} {header}") == []
    text = " ".join(" ".join(pdf_pages(pdf)).split())
    at = 0
    for heading in ORDER:  # each section's heading after the one before it
        at = text.find(heading, at)
        assert at >= 0, heading
    # (a cell's words wrap within its column, so the PDF's text is read word by word)
    words = printed_words(pdf)
    for word in ("pmg-minutes-28-september-2010.pdf", "https://intranet.example/jsna/phase2", "78"):
        assert word in words or word in text, word
