"""The command line as officers and their scripts use it (issue #12's command-line points).

Each test runs the real CLI in a subprocess (`cli`), or on a real pseudo-terminal (`terminal`).
"""

from __future__ import annotations

import csv
import io
import json

import pytest

AS_OF = ["--as-of", "2010-06-01"]
OWNERS = ["Assistant Chief Executive", "Interim Deputy Chief Executive"]


@pytest.fixture
def db(plan_path):
    return ["--db", str(plan_path), "--user", "alice"]


def exported(cli, db, *extra) -> dict:
    res = cli(*db, *AS_OF, *extra, "export")
    assert res.code == 0, res.err
    return {r["number"]: r for r in json.loads(res.out)["recommendations"]}


# -- piped `list` and machine-readable rows ---------------------------------------------------------
def test_piped_list_never_cuts_a_field_however_narrow_the_terminal_setting(cli, db):
    res = cli(*db, *AS_OF, "list", env={"COLUMNS": "60"})
    assert res.code == 0, res.err
    lines = [line for line in res.out.splitlines() if "Assistant Chief Executive" in line]
    assert len(lines) >= 2  # what `hsp-tui list | grep "Assistant Chief Executive"` finds
    recs = exported(cli, db)
    for number, rec in recs.items():
        row = next(line for line in res.out.splitlines() if line.lstrip().startswith(f"{number} "))
        assert rec["owner"] in row and rec["title"] in row and rec["ref"] in row


def test_list_on_a_terminal_still_fits_the_terminal(cli, terminal, db):
    # Several statuses: the summary line under the table was ~125 characters, and the terminal broke
    # it mid-word ("10 not started\n, 1 in progress"); the counts by status now start a line.
    for number, status in (("1", "done"), ("3", "in_progress"), ("5", "blocked")):
        assert cli(*db, *AS_OF, "set", number, status).code == 0
    res = terminal(*db, *AS_OF, "list", env={"COLUMNS": "80"})
    assert res.code == 0, res.err
    assert max(len(line) for line in res.out.splitlines()) <= 80
    assert "…" in res.out  # long titles are cut to fit, on a terminal only
    assert res.out.splitlines()[-1] == "9 not started, 1 in progress, 1 blocked, 1 done, awaiting verification"


@pytest.mark.parametrize("filters", [[], ["--overdue"], ["--due-soon"], ["--owner", "assistant"],
                                     ["--status", "blocked"], ["--overdue", "--owner", "chief"]],
                         ids=lambda f: " ".join(f) or "all")
def test_list_formats_give_the_same_rows_under_the_same_filters(cli, db, filters):
    db = [*db, "--due-soon-days", "70"]  # July and August 2010 are then due soon
    assert cli(*db, *AS_OF, "set", "7", "blocked").code == 0
    recs = exported(cli, db)

    def wanted(r: dict) -> bool:
        if "--overdue" in filters and not r["overdue"]:
            return False
        if "--due-soon" in filters and not r["due_soon"]:
            return False
        if "--owner" in filters and filters[filters.index("--owner") + 1] not in r["owner"].casefold():
            return False
        return not ("--status" in filters and r["status"] != filters[filters.index("--status") + 1])

    expected = [n for n, r in sorted(recs.items()) if wanted(r)]
    assert expected  # each filter here selects something in the seed plan

    js = cli(*db, *AS_OF, "list", *filters, "--format", "json")
    assert js.code == 0, js.err
    rows = json.loads(js.out)
    assert [r["number"] for r in rows] == expected
    for r in rows:
        rec = recs[r["number"]]
        assert (r["owner"], r["status"], r["due"], r["deadline"]) == (
            rec["owner"], rec["status"], rec["due"], rec["current_deadline"])
        assert r["flag"] == ("OVERDUE" if rec["overdue"] else "due soon" if rec["due_soon"] else "")

    tsv = cli(*db, *AS_OF, "list", *filters, "--format", "tsv")
    assert tsv.code == 0, tsv.err
    lines = tsv.out.splitlines()
    header = lines[0].split("\t")
    assert header[:4] == ["number", "ref", "title", "owner"]
    assert [int(line.split("\t")[0]) for line in lines[1:]] == expected
    assert all(line.split("\t")[3] == recs[int(line.split("\t")[0])]["owner"] for line in lines[1:])

    cs = cli(*db, *AS_OF, "list", *filters, "--format", "csv")
    assert cs.code == 0, cs.err
    table = list(csv.DictReader(io.StringIO(cs.out)))
    assert [int(r["number"]) for r in table] == expected
    assert [r["owner"] for r in table] == [r["owner"] for r in rows]


def test_machine_rows_keep_a_tab_or_newline_in_a_field_from_splitting_the_row(cli, db):
    assert cli(*db, *AS_OF, "assign", "3", "Head of\tPolicy\nand Performance").code == 0
    tsv = cli(*db, *AS_OF, "list", "--format", "tsv")
    lines = tsv.out.splitlines()
    assert len(lines) == 13 and all(line.count("\t") == 8 for line in lines)
    row = next(line.split("\t") for line in lines if line.startswith("3\t"))
    assert row[3] == "Head of Policy and Performance"
    js = json.loads(cli(*db, *AS_OF, "list", "--format", "json").out)
    assert js[2]["owner"] == "Head of\tPolicy\nand Performance"  # JSON keeps the data exact


# -- revising a dated deadline to no date -----------------------------------------------------------
def test_a_dated_deadline_cannot_be_revised_to_ongoing(cli, db, plan_path):
    before = plan_path.read_bytes()
    res = cli(*db, *AS_OF, "revise", "9", "Ongoing", "--reason", "x")
    assert res.code == 2 and "Traceback" not in res.err
    assert "cannot be revised to no date" in res.err and "hsp-tui set 9 dropped --note" in res.err
    assert len(res.err.strip().splitlines()) == 1
    assert plan_path.read_bytes() == before
    assert exported(cli, db)[9]["overdue"] is True
    # What the message advises works, and the report shows it.
    assert cli(*db, *AS_OF, "set", "9", "dropped", "--note", "Superseded by the new framework").code == 0
    md = cli(*db, *AS_OF, "export", "--format", "md").out
    rows = [line for line in md.splitlines() if line.startswith("| ") and "| 9 |" in line]
    assert any("Dropped" in row for row in rows)
    dropped = md.split("## Dropped")[1].split("\n## ")[0]  # with its reason, awaiting the auditor
    assert "Superseded by the new framework" in dropped and "awaiting the auditor's agreement" in dropped


def test_an_ongoing_item_can_still_be_given_a_date(cli, db):
    res = cli(*db, *AS_OF, "revise", "5", "July 2010", "--reason", "now dated")
    assert res.code == 0, res.err
    assert exported(cli, db)[5]["due"] == "2010-07-31"


# -- undone revisions in the board report and the detail -----------------------------------------------
def test_report_and_detail_show_only_the_revisions_that_stand(cli, db):
    assert cli(*db, *AS_OF, "revise", "8", "July 2010", "--reason", "board met late").code == 0
    assert cli(*db, *AS_OF, "revise", "8", "April - May 2010", "--reason", "typed by mistake").code == 0
    assert cli(*db, *AS_OF, "undo", "8").code == 0
    md = cli(*db, *AS_OF, "export", "--format", "md").out
    row = next(line for line in md[md.index("## Revised deadlines"):].splitlines() if line.startswith("| 8 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[5] == "July 2010" and cells[7] == "board met late"
    assert "undo of change" not in md and "revisions)" not in md and "typed by mistake" not in md
    shown = cli(*db, *AS_OF, "show", "8").out
    assert "Deadline: agreed April – May 2010, revised to July 2010\n" in shown
    assert "undo of change" not in shown and "Revised to April - May 2010" not in shown
    # The JSON export keeps every revision, the undone one too.
    assert [r["deadline"] for r in exported(cli, db)[8]["revisions"]] == [
        "July 2010", "April - May 2010", "July 2010"]


def test_undoing_the_only_revision_leaves_no_revision_standing(cli, db):
    assert cli(*db, *AS_OF, "revise", "8", "July 2010", "--reason", "r").code == 0
    assert cli(*db, *AS_OF, "undo", "8").code == 0
    md = cli(*db, *AS_OF, "export", "--format", "md").out
    assert "No deadlines have been revised." in md
    assert "Deadline: April – May 2010\n" in cli(*db, *AS_OF, "show", "8").out


# -- `show` reads as the app does -----------------------------------------------------------------
def test_show_marks_undone_changes_and_gives_times_as_the_app_does(cli, db):
    assert cli(*db, *AS_OF, "set", "3", "blocked", "--note", "waiting").code == 0
    assert cli(*db, *AS_OF, "undo", "3").code == 0
    shown = cli(*db, *AS_OF, "show", "3").out
    history = shown[shown.index("History"):].splitlines()
    blocked = next(line for line in history if "status Not started -> Blocked" in line)
    assert blocked.endswith("(undone)")
    assert "(undone)" not in next(line for line in history if "undid change" in line)
    assert "T" not in " ".join(history).replace("Tester", "")  # no ISO 'T' timestamps
    import re

    # the seed's creation, as the app shows it: effective on the plan's date, recorded when the file was made
    assert re.search(r"#1 {2}on 16 Mar 2010, recorded 1 Jun 2010 09:00 {2}tester", shown)


def test_show_is_the_text_of_the_apps_detail_pane(cli, db, plan_path):
    pytest.importorskip("textual")
    from hsp_tui.storage.file.planfile import plan_from_data
    from hsp_tui.domain.review import review
    from hsp_tui.tui.widgets.detail import render_detail
    from datetime import date

    assert cli(*db, *AS_OF, "revise", "8", "July 2010", "--reason", "late").code == 0
    plan = plan_from_data(plan_path, json.loads(plan_path.read_text(encoding="utf-8")))
    rv = review(plan, date(2010, 6, 1))
    pane = render_detail(rv.item(8), plan.meta.date).plain
    shown = cli(*db, *AS_OF, "show", "8").out
    assert shown.rstrip("\n") == pane.replace("  (m then the number marks one done/open)", "")


# -- a plan whose every date is years past ---------------------------------------------------------
@pytest.mark.parametrize("command", ["list", "summary", "show 2"])
def test_a_plan_years_past_gets_one_hint_on_stderr_not_stdout(cli, db, command):
    # `show 2` says the item is OVERDUE by thousands of days: the hint says how to see it as it stood.
    res = cli(*db, *command.split())  # no --as-of: judged against today, years after the 2010 seed's dates
    assert res.code == 0, res.err
    hint = [line for line in res.err.splitlines() if "--as-of" in line]
    assert len(hint) == 1 and f"hsp-tui --as-of 2010-03-16 {command}" in hint[0]
    assert "--as-of" not in res.out
    assert "--as-of" not in cli(*db, *AS_OF, *command.split()).err  # a review date given: no hint
    assert "--as-of" not in cli(*db, "list", "--format", "tsv").err  # scripts asked for rows


# -- an export written to a terminal --------------------------------------------------------------
NOTE = "\x1b[31mred alert\x1b[0m bell\x07 \u202eevil.exe\u202c"


@pytest.mark.parametrize("fmt", ["csv", "json", "md"])
def test_an_export_on_a_terminal_spells_out_control_characters(cli, terminal, db, fmt):
    assert cli(*db, *AS_OF, "note", "4", NOTE).code == 0
    res = terminal(*db, *AS_OF, "export", "--format", fmt)
    assert res.code == 0, res.err
    for raw in ("\x1b", "\x07", "\u202e", "\u202c"):
        assert raw not in res.out
    assert "red alert" in res.out and "evil.exe" in res.out
    if fmt == "csv":
        assert "\\x1b[31mred alert\\x1b[0m bell\\x07 \\u202eevil.exe\\u202c" in res.out
        assert "\ufeff" not in res.out


def test_a_csv_export_to_a_pipe_or_a_file_keeps_the_note_exactly(cli, db, tmp_path):
    assert cli(*db, *AS_OF, "note", "4", NOTE).code == 0
    piped = cli(*db, *AS_OF, "export", "--format", "csv").out
    out = tmp_path / "plan.csv"
    assert cli(*db, *AS_OF, "export", "--format", "csv", "-o", str(out)).code == 0
    for text in (piped, out.read_text(encoding="utf-8-sig")):
        row = next(r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))) if r["number"] == "4")
        assert NOTE in row.values()


def test_undoing_an_undo_brings_the_revision_back_in_the_report_and_the_detail(cli, db):
    assert cli(*db, *AS_OF, "revise", "8", "July 2010", "--reason", "first slip").code == 0
    assert cli(*db, *AS_OF, "revise", "8", "September 2010", "--reason", "second slip").code == 0
    assert cli(*db, *AS_OF, "undo", "8").code == 0  # entry 4 undoes entry 3 (September)
    shown = cli(*db, *AS_OF, "show", "8").out
    assert "revised to July 2010\n" in shown and "Revised to September" not in shown
    assert cli(*db, *AS_OF, "undo", "8", "--entry", "4").code == 0  # September stands again
    shown = cli(*db, *AS_OF, "show", "8").out
    assert "Deadline: agreed April – May 2010, revised to July 2010, then to September 2010\n" in shown
    md = cli(*db, *AS_OF, "export", "--format", "md").out
    row = next(line for line in md[md.index("## Revised deadlines"):].splitlines() if line.startswith("| 8 |"))
    assert "July 2010 → September 2010 (2 revisions)" in row and "undo of change" not in row


def test_set_to_an_unknown_status_lists_only_the_statuses_an_officer_may_set(cli):
    r = cli("set", "1", "bogus")
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1
    assert "not_started, in_progress, blocked, done, dropped" in r.err
    assert "verified" not in r.err  # an auditor's verdict, refused by `set`


def test_export_to_a_file_says_what_it_wrote_in_words(cli, tmp_path):
    out = tmp_path / "board.md"
    r = cli("export", "--format", "md", "-o", str(out))
    assert r.code == 0 and out.exists()
    assert "wrote a Markdown report of 12 recommendations" in r.err
