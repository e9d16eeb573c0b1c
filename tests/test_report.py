"""The Markdown board report and the CSV export for Excel: their content, not just that they exist.

The report is parsed with markdown-it (CommonMark + GFM tables, as rich ships it), so each check is
about what a reader of the rendered board paper sees: which items are in which section, and that
user text shows literally, whatever it holds.
"""

from __future__ import annotations

import csv
import json
import io
from datetime import date

import pytest
from markdown_it import MarkdownIt

from hsp_tui.formats.spreadsheets import export_csv, neutralise
from hsp_tui.domain.records import Status
from hsp_tui.formats.report import render_markdown
from hsp_tui.domain.review import review
from hsp_tui.domain.textsafe import visible

EXPORTED_AT = "2010-06-01T09:30:00+01:00"
AS_OF = date(2010, 6, 1)
HOSTILE = ("Board | paper\nok <script>x()</script> <img src=x onerror=y()> "
           "![p](http://t.example/p.png) [a](javascript:z()) **bold** _it_ `code` "
           "~~gone~~ $x$ &amp; OD&L \\ \x1b[31mred\x1b[0m \u202eevil")

_MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def report(store, as_of=AS_OF, days: int | None = None) -> str:
    rv = review(store.load(), as_of) if days is None else review(store.load(), as_of, days)
    return render_markdown(rv, exported_at=EXPORTED_AT)


def _plain(inline) -> str:
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


def parse(text: str) -> dict[str, dict]:
    """Sections by heading: {'Overdue': {'text': [...paragraphs], 'rows': [[cells], ...]}, ...}.

    Cells are the text a reader sees (escapes resolved). Row 0 of 'rows' is the header.
    """
    out: dict[str, dict] = {}
    section = "_top"
    out[section] = {"text": [], "rows": []}
    heading = paragraph = False
    row: list[str] | None = None
    for t in _MD.parse(text):
        if t.type == "heading_open":
            heading = True
        elif t.type == "paragraph_open":
            paragraph = True
        elif t.type == "paragraph_close":
            paragraph = False
        elif t.type == "tr_open":
            row = []
        elif t.type == "tr_close":
            out[section]["rows"].append(row)
            row = None
        elif t.type == "inline":
            if heading:
                section, heading = _plain(t), False
                out.setdefault(section, {"text": [], "rows": []})
            elif row is not None:
                row.append(_plain(t))
            elif paragraph:
                out[section]["text"].append(t.content)
    return out


def rows_by_number(section: dict) -> dict[str, dict[str, str]]:
    header, *rows = section["rows"]
    return {r[header.index("No.")]: dict(zip(header, r)) for r in rows}


def test_report_head_names_the_plan_and_the_review_date(store):
    text = report(store)
    assert text.startswith("# Partnership working in Haringey")
    top = " ".join(parse(text)["Partnership working in Haringey: progress on the action plan"]["text"])
    assert "Grant Thornton UK LLP, 16 March 2010" in top
    assert "**Position:** as it stood on 1 June 2010" in top
    assert "**Produced:** 1 June 2010, 09:30 (UTC+01:00)" in top  # in words, not a machine timestamp


def test_seed_as_of_june_2010_overdue_section(store):
    s = parse(report(store))
    overdue = rows_by_number(s["Overdue"])
    assert sorted(overdue, key=int) == ["1", "2", "4", "8", "9"]
    assert overdue["1"]["Days overdue"] == "32"
    assert overdue["1"]["Due"] == "30 Apr 2010"
    assert overdue["1"]["Owner"] == "Assistant Chief Executive"
    assert overdue["1"]["Recommendation"] == "The HSP Board needs to be free to focus on strategic issues"
    assert overdue["1"]["Ref"] == "3.2"
    # Item 2 is overdue by its first milestone (30 Apr 2010), not by its last date (October 2010).
    assert overdue["2"]["Due"] == "30 Apr 2010 (milestone 1 of 2: Revised performance management framework in place, streamli…)"
    assert overdue["2"]["Days overdue"] == "32"
    assert overdue["8"]["Due"] == "31 May 2010" and overdue["8"]["Days overdue"] == "1"
    assert overdue["9"]["Latest note"] == "—"
    assert "5 items are overdue as at 1 June 2010" in s["Overdue"]["text"][0]


def test_summary_counts_by_status_and_overdue(store):
    store.set_status(3, "in progress", by="t")
    store.set_status(4, "done", by="t")
    store.set_status(5, "dropped", by="t", note="superseded")
    s = parse(report(store))
    header, *rows = s["Summary"]["rows"]
    assert header == ["Status", "Items", "Overdue"]
    table = {r[0]: r[1:] for r in rows}
    assert table["Not started"] == ["9", "4"]
    assert table["In progress"] == ["1", "0"]
    assert table["Done, awaiting verification"] == ["1", "—"]
    assert table["Verified"] == ["0", "—"]
    assert table["Dropped"] == ["1", "—"]
    assert table["Total"] == ["12", "4"]
    text = " ".join(s["Summary"]["text"])
    assert "**Overdue:** 4 (items 1, 2, 8 and 9); over 90 days: 0, 31 to 90 days: 2, 1 to 30 days: 2." in text
    assert "**Done:** 1 of 12 done, 1 dropped (8% done, 0% verified); 0 verified by the auditor, 1 awaiting verification." in text


def test_revised_item_leaves_overdue_and_is_listed_as_revised(store, plan_path):
    store.revise(8, "July 2010", reason="PMG review of theme boards moved to July", by="alice",
                 reference=date(2010, 3, 16))
    text = report(store)
    s = parse(text)
    assert "8" not in rows_by_number(s["Overdue"])
    revised = rows_by_number(s["Revised deadlines"])
    assert list(revised) == ["8"]
    row = revised["8"]
    assert row["Agreed"] == "April – May 2010"
    assert row["Revised to"] == "July 2010"
    assert row["Now due"] == "31 Jul 2010"
    assert row["Reason"] == "PMG review of theme boards moved to July"
    assert row["Revised by"] == "alice"
    assert row["When"] == "1 Jun 2010"  # the store's clock in the tests: 2010-06-01T09:00+01:00
    # due 31 May 2010 (April – May), so the revision came when it was already overdue
    assert row["Made when overdue"] == "revised 1 day after it was due"
    by_owner = rows_by_number(s["Recommendations by owner"])
    assert by_owner["8"]["Due"] == "31 Jul 2010 (revised; agreed April – May 2010)"
    assert ("**Revised deadlines:** 1 (item 8); 1 revised after it was already overdue (item 8)."
            in " ".join(s["Summary"]["text"]))


def test_a_second_revision_shows_the_chain_and_every_reason(store):
    store.revise(8, "June 2010", reason="first slip", by="alice", reference=date(2010, 3, 16))
    store.revise(8, "September 2010", reason="second slip", by="bob", reference=date(2010, 3, 16))
    row = rows_by_number(parse(report(store))["Revised deadlines"])["8"]
    assert row["Revised to"] == "June 2010 → September 2010 (2 revisions)"
    assert row["Reason"] == "June 2010: first slip; September 2010: second slip"
    assert (row["Revised by"], row["Now due"]) == ("alice; bob", "30 Sep 2010")


def test_undone_revision_is_no_longer_listed_as_revised(store):
    change = store.revise(2, "July 2010", reason="hub delayed", by="alice", reference=date(2010, 3, 16))
    store.undo(2, change.entry.id, by="alice")
    s = parse(report(store))
    assert s["Revised deadlines"]["text"] == ["No deadlines have been revised."]
    assert rows_by_number(s["Overdue"])["2"]["Due"] == "30 Apr 2010 (milestone 1 of 2: Revised performance management framework in place, streamli…)"


def test_milestone_done_moves_item_2_out_of_overdue_without_finishing_it(store):
    store.set_milestone(2, 1, True, by="alice")
    s = parse(report(store))
    assert "2" not in rows_by_number(s["Overdue"])
    row = rows_by_number(s["Recommendations by owner"])["2"]
    assert row["Due"] == "31 Oct 2010 (milestone 2 of 2: New data platform bringing all the information together in…)"
    assert row["Status"] == "Not started"


def test_due_in_the_next_30_days(store):
    store.set_status(12, "done", by="t")
    s = parse(report(store, date(2010, 7, 5), days=30))
    soon = rows_by_number(s["Due in the next 30 days"])
    # Item 7 is due 31 Jul 2010 (26 days on); 12 is due then too but done; 3 (31 Aug) is beyond 30 days.
    assert list(soon) == ["7"]
    assert soon["7"]["Due"] == "31 Jul 2010"
    assert rows_by_number(s["Recommendations by owner"])["7"]["Flag"] == "due within 30 days"
    assert "3" not in soon and "12" not in soon


def test_the_window_is_the_reviews_own_14_days_by_default(store):
    # The app and `list --due-soon` use the review's window (14 days unless set): so does the report.
    s = parse(report(store, date(2010, 7, 17)))  # 31 Jul 2010 is exactly 14 days on; 31 Aug is not
    assert "Due in the next 30 days" not in s
    assert set(rows_by_number(s["Due in the next 14 days"])) == {"7", "12"}
    assert rows_by_number(s["Recommendations by owner"])["7"]["Flag"] == "due within 14 days"
    assert s["By owner"]["rows"][0][4] == "Due in 14 days"
    s = parse(report(store, date(2010, 7, 16)))  # 15 days before: not due soon
    assert s["Due in the next 14 days"]["text"] == ["No items are due in the next 14 days."]


def test_window_is_inclusive_of_its_30th_day(store):
    s = parse(report(store, date(2010, 7, 1), days=30))  # 31 Jul 2010 is exactly 30 days on
    assert set(rows_by_number(s["Due in the next 30 days"])) == {"7", "12"}


def test_empty_sections_say_so_in_words(store):
    for n in range(1, 13):
        store.set_status(n, "done", by="t")
    s = parse(report(store, days=30))
    assert s["Overdue"]["text"] == ["No items are overdue."]
    assert s["Overdue"]["rows"] == []
    assert s["Due in the next 30 days"]["text"] == ["No items are due in the next 30 days."]
    assert s["Revised deadlines"]["text"] == ["No deadlines have been revised."]


def test_table_by_owner(store):
    store.set_status(3, "done", by="t")
    s = parse(report(store, days=30))
    header, *rows = s["By owner"]["rows"]
    assert header == ["Owner", "Items", "Open", "Overdue", "Due in 30 days", "Done"]
    table = {r[0]: r[1:] for r in rows}
    assert table["Assistant Chief Executive"] == ["5", "4", "3", "0", "1"]
    assert table["Interim Deputy Chief Executive"] == ["2", "2", "2", "0", "0"]
    assert table["Head of OD&L"] == ["1", "1", "0", "0", "0"]
    listing = s["Recommendations by owner"]["rows"]
    assert [r[0] for r in listing[1:]] == sorted((r[0] for r in listing[1:]), key=str.casefold)
    assert rows_by_number(s["Recommendations by owner"])["1"]["Flag"] == "OVERDUE (32 days)"


def test_latest_note_is_shown_and_withdrawn_note_is_not(store):
    store.add_note(1, "Board paper drafted", by="alice")
    c = store.add_note(1, "Wrong item, sorry", by="alice")
    store.undo(1, c.entry.id, by="alice")
    row = rows_by_number(parse(report(store))["Overdue"])["1"]
    assert row["Latest note"] == "Board paper drafted"


def test_hostile_note_cannot_break_the_table_or_inject_anything(store):
    store.add_note(1, HOSTILE, by="mallory")
    store.set_owner(4, "Evil | Owner <b>x</b>\nsecond line", by="mallory")
    store.revise(9, "July 2010", reason="[x](http://phish.example) | <iframe>", by="<b>mallory</b>",
                 reference=date(2010, 3, 16))
    text = report(store)
    tokens = _MD.parse(text)
    # Nothing but our own text: no raw HTML, no links or images, no code spans, no strikethrough.
    kinds = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
    assert not kinds & {"html_inline", "link_open", "image", "code_inline", "s_open", "em_open"}
    assert not any(t.type == "html_block" for t in tokens)
    # Every row of every table has as many cells as its header.
    for name, sec in parse(text).items():
        for r in sec["rows"]:
            assert len(r) == len(sec["rows"][0]), name
    # The note shows literally, on one line, with control and bidi characters spelled out.
    row = rows_by_number(parse(text)["Overdue"])["1"]
    expected = visible(HOSTILE)
    assert len(expected) <= 200
    assert row["Latest note"] == expected
    assert "\\x1b[31mred" in row["Latest note"] and "\\u202eevil" in row["Latest note"]
    assert "\x1b" not in text and "\u202e" not in text
    assert rows_by_number(parse(text)["Overdue"])["4"]["Owner"] == "Evil | Owner <b>x</b> second line"
    rev = rows_by_number(parse(text)["Revised deadlines"])["9"]
    assert rev["Reason"] == "[x](http://phish.example) | <iframe>"
    assert rev["Revised by"] == "<b>mallory</b>"
    assert "<iframe>" not in text and "<script>" not in text


def test_hostile_plan_title_is_text_in_the_heading(tmp_path, cli):
    src = tmp_path / "plan.csv"
    src.write_text("number,ref,recommendation,management_response,deadline,owner\n"
                   "1,2.1,Do the thing,Agreed,April 2010,Clerk\n", encoding="utf-8")
    db = str(tmp_path / "p.json")
    assert cli("--db", db, "--user", "alice", "import", str(src), "--plan-date", "2010-03-01",
               "--title", "# Plan <script>x</script> | ![i](http://t)").code == 0
    res = cli("--db", db, "--as-of", "2010-06-01", "export", "--format", "md")
    assert res.code == 0, res.err
    first = _MD.parse(res.out)[1]
    assert _plain(first) == "# Plan <script>x</script> | ![i](http://t): progress on the action plan"
    assert "<script>" not in res.out
    assert rows_by_number(parse(res.out)["Overdue"])["1"]["Days overdue"] == "32"


def test_long_note_is_cut_in_the_report(store):
    store.add_note(1, "word " * 100, by="alice")
    cell = rows_by_number(parse(report(store))["Overdue"])["1"]["Latest note"]
    assert len(cell) == 200 and cell.endswith("…")


def test_cli_export_md_to_stdout_and_to_a_file(tmp_path, cli):
    db = str(tmp_path / "p.json")
    base = ("--db", db, "--as-of", "2010-06-01", "--user", "alice")
    assert cli(*base, "revise", "8", "July 2010", "--reason", "PMG review moved").code == 0
    res = cli(*base, "export", "--format", "md")
    assert res.code == 0, res.err
    s = parse(res.out)
    assert sorted(rows_by_number(s["Overdue"]), key=int) == ["1", "2", "4", "9"]
    row = rows_by_number(s["Revised deadlines"])["8"]
    assert (row["Agreed"], row["Revised to"], row["Reason"], row["Revised by"]) == (
        "April – May 2010", "July 2010", "PMG review moved", "alice")
    out = tmp_path / "board.md"
    res2 = cli(*base, "export", "--format", "md", "-o", str(out))
    assert res2.code == 0 and res2.out == ""
    written = out.read_text(encoding="utf-8")
    # Same report but for the moment it was produced.
    strip = lambda t: [ln for ln in t.splitlines() if not ln.startswith("**Produced:**")]  # noqa: E731
    assert strip(written) == strip(res.out)


# -- CSV for Excel ---------------------------------------------------------------------------
REQUIRED_CSV = ["number", "ref", "recommendation", "owner", "deadline", "due", "status", "overdue",
                "revised", "latest_note"]


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # BOM, so Excel reads it as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_csv_has_one_row_per_recommendation_with_the_issue_columns(store):
    store.revise(8, "July 2010", reason="moved", by="alice", reference=date(2010, 3, 16))
    store.add_note(1, "Café paper drafted – see José", by="alice")
    text = export_csv(review(store.load(), AS_OF))
    assert "\r\n" in text
    rows = read_csv(text)
    assert set(REQUIRED_CSV) <= set(rows[0])
    assert [r["number"] for r in rows] == [str(n) for n in range(1, 13)]
    by = {r["number"]: r for r in rows}
    assert (by["1"]["due"], by["1"]["overdue"], by["1"]["status"]) == ("2010-04-30", "yes", "Not started")
    assert by["1"]["latest_note"] == "Café paper drafted – see José"
    assert (by["8"]["deadline"], by["8"]["due"], by["8"]["revised"], by["8"]["overdue"]) == (
        "April – May 2010", "2010-07-31", "yes", "no")
    assert by["5"]["due"] == "" and by["5"]["overdue"] == "no"
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbfnumber,")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_formula_looking_cells(store, start):
    payload = start + "HYPERLINK(\"http://evil.example\",\"x\")"
    store.add_note(3, payload, by="mallory")
    store.set_owner(3, start + "1+1", by="mallory")
    by = {r["number"]: r for r in read_csv(export_csv(review(store.load(), AS_OF)))}
    assert by["3"]["latest_note"] == "'" + payload
    assert by["3"]["owner"] == "'" + start + "1+1"
    assert neutralise("plain text") == "plain text" and neutralise(5) == 5


def test_csv_keeps_newlines_and_quotes_inside_one_cell(store):
    store.add_note(1, 'line one\nline "two", with comma', by="alice")
    rows = read_csv(export_csv(review(store.load(), AS_OF)))
    assert len(rows) == 12
    assert rows[0]["latest_note"] == 'line one\nline "two", with comma'


@pytest.mark.parametrize("as_of, words", [
    (date(2010, 9, 1), "each week from 16 March 2010 to 1 September 2010"),
    (date(2011, 9, 1), "every 4 weeks from 16 March 2010, and on the review date, 1 September 2011"),
])
def test_the_progress_section_says_in_a_full_sentence_which_weeks_it_counts(store, as_of, words):
    s = parse(report(store, as_of))
    sentence, key = s["Progress over time"]["text"]
    assert sentence == ("The chart counts the items open, overdue, done and verified "
                        f"{words}, as rebuilt from each item's history. The figures are in the appendix.")
    assert key.startswith("**Key to the chart:**")  # the Mermaid chart's key in words, under it
    [sentence] = s["Appendix: progress week by week"]["text"]
    assert sentence == f"The items open, overdue, done and verified {words}: the figures the chart draws."


@pytest.mark.parametrize("as_of, window", [("2010-07-17", []), ("2010-07-05", []), ("2010-07-05", ["--due-soon-days", "30"]),
                                           ("2010-09-20", [])])
def test_the_boards_due_soon_list_is_the_officers(cli, plan_path, as_of, window):
    # The board reads the report; the officer runs `list --due-soon`: same review date, same items.
    args = ("--db", str(plan_path), "--as-of", as_of, *window)
    listed = cli(*args, "list", "--due-soon", "--format", "json")
    assert listed.code == 0, listed.err
    numbers = {str(row["number"]) for row in json.loads(listed.out)}
    md = cli(*args, "export", "--format", "md")
    assert md.code == 0, md.err
    days = window[1] if window else "14"
    s = parse(md.out)
    assert [h for h in s if h.startswith("Due in the next")] == [f"Due in the next {days} days"]
    section = s[f"Due in the next {days} days"]
    assert (set(rows_by_number(section)) if section["rows"] else set()) == numbers
    if not numbers:
        assert section["text"] == [f"No items are due in the next {days} days."]
    flagged = {n for n, row in rows_by_number(s["Recommendations by owner"]).items() if row["Flag"].startswith("due")}
    assert flagged == numbers
