"""A CSV export opened in Excel and imported again gives every item the due date it had: the year of
'From July' (the plan's date), a revised deadline and milestones marked done all come back."""

from __future__ import annotations

import csv
import io
import json

AS_OF = "2010-09-01"


def dues(cli, db) -> list[tuple[int, str | None, str]]:
    res = cli("--db", str(db), "--as-of", AS_OF, "list", "--format", "json")
    assert res.code == 0, res.err
    return [(r["number"], r["due"], r["status"]) for r in json.loads(res.out)]


def test_csv_export_then_import_keeps_every_due_date(cli, tmp_path):
    plan, again, sheet = tmp_path / "plan.json", tmp_path / "again.json", tmp_path / "plan.csv"
    base = ("--db", str(plan), "--as-of", AS_OF)
    assert cli(*base, "list").code == 0  # the seed plan, dated 2010: item 12 is due 'From July'
    assert cli(*base, "revise", "3", "December 2010", "--reason", "board asked").code == 0
    assert cli(*base, "milestone", "2", "1", "done").code == 0
    assert cli(*base, "set", "7", "in-progress").code == 0
    before = dues(cli, plan)
    assert (12, "2010-07-31", "not_started") in before and (3, "2010-12-31", "not_started") in before
    assert (2, "2010-10-31", "not_started") in before

    assert cli(*base, "export", "--format", "csv", "-o", str(sheet)).code == 0
    res = cli("--db", str(again), "import", str(sheet))
    assert res.code == 0 and "could not be read" not in res.err, res.err
    assert dues(cli, again) == before
    shown = cli("--db", str(again), "show", "3").out
    assert "'August 2010' -> 'December 2010'" in shown and "current_deadline column of plan.csv" in shown


def write_rows(path, rows: list[dict[str, str]]) -> None:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


ROW = {"number": "1", "ref": "3.2", "recommendation": "Board to focus", "management_response": "Agreed",
       "deadline": "From July", "owner": "ACE"}


def test_the_plan_date_column_gives_the_year_and_the_option_wins(cli, tmp_path):
    sheet = tmp_path / "actions.csv"
    write_rows(sheet, [{**ROW, "plan_date": "2011-03-01"}, {**ROW, "number": "2", "plan_date": ""}])
    assert cli("--db", str(tmp_path / "a.json"), "import", str(sheet)).code == 0
    assert [d for _n, d, _s in dues(cli, tmp_path / "a.json")] == ["2011-07-31", "2011-07-31"]
    assert cli("--db", str(tmp_path / "b.json"), "import", str(sheet), "--plan-date", "2012-01-01").code == 0
    assert [d for _n, d, _s in dues(cli, tmp_path / "b.json")] == ["2012-07-31", "2012-07-31"]


def test_disagreeing_or_bad_date_cells_are_refused_naming_the_line(cli, tmp_path):
    sheet, db = tmp_path / "actions.csv", tmp_path / "a.json"
    cases = [
        ([{**ROW, "plan_date": "2011-03-01"}, {**ROW, "number": "2", "plan_date": "2012-03-01"}],
         "line 3: plan_date 2012-03-01 differs from 2011-03-01"),
        ([{**ROW, "plan_date": "March 2011"}], "line 2: plan_date 'March 2011' is not a date"),
        ([{**ROW, "plan_date": "3/16/2011"}], "line 2: plan_date '3/16/2011' is not a date"),
        ([{**ROW, "current_deadline": "soonish"}], "line 2: current_deadline 'soonish'"),
        ([{**ROW, "deadline": "April 2010", "milestones_done": "1"}],
         "line 2: milestones_done '1': the deadline 'April 2010' names no milestones"),
    ]
    for rows, message in cases:
        write_rows(sheet, rows)
        res = cli("--db", str(db), "import", str(sheet))
        assert res.code == 2 and message in res.err and len(res.err.strip().splitlines()) == 1, res.err
        assert not db.exists()


def test_a_plan_date_that_excel_saved_day_first_is_read(cli, tmp_path):
    # Excel turns 2011-03-01 into a date cell and, in a UK locale, saves it back as 01/03/2011.
    sheet = tmp_path / "actions.csv"
    write_rows(sheet, [{**ROW, "plan_date": "01/03/2011"}, {**ROW, "number": "2", "plan_date": "2011-03-01"}])
    res = cli("--db", str(tmp_path / "a.json"), "import", str(sheet))
    assert res.code == 0, res.err
    assert [d for _n, d, _s in dues(cli, tmp_path / "a.json")] == ["2011-07-31", "2011-07-31"]
