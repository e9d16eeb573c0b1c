"""The CLI contract, exercised through a subprocess like a user or a cron job would."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest


def test_help_and_version(cli):
    r = cli("--help")
    assert r.code == 0
    for word in ("list", "set", "note", "export", "import", "revise", "milestone", "--as-of", "--db"):
        assert word in r.out
    r = cli("--version")
    assert r.code == 0 and r.out.startswith("hsp-tui ")


def test_first_use_seeds_the_file_given_by_env_then_db_option(cli, tmp_path):
    env_path = tmp_path / "env" / "plan.json"
    r = cli("--as-of", "2010-06-01", "list", env={"HSP_TUI_DB": str(env_path)})
    assert r.code == 0, r.err
    assert env_path.exists()
    db_path = tmp_path / "opt.json"
    r = cli("--db", str(db_path), "where", env={"HSP_TUI_DB": str(env_path)})
    assert r.out.strip() == str(db_path)  # --db beats the environment


def test_default_file_lives_in_the_user_data_folder(cli, tmp_path):
    r = cli("where")
    assert r.out.strip() == str(tmp_path / "home" / "data" / "hsp-tui" / "plan.json")


def test_list_shows_the_plan_with_overdue_in_words(cli, plan_path):
    r = cli("--db", str(plan_path), "--as-of", "2010-06-01", "list")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    row1 = next(line for line in lines if line.lstrip().startswith("1 "))
    assert "30 Apr 2010" in row1 and "OVERDUE" in row1 and "Not started" in row1
    row5 = next(line for line in lines if line.lstrip().startswith("5 "))
    assert "Ongoing" in row5 and "OVERDUE" not in row5
    assert "5 overdue" in r.out


def test_list_filters(cli, plan_path):
    db = ["--db", str(plan_path), "--as-of", "2010-06-01"]
    r = cli(*db, "list", "--overdue")
    numbers = [int(line.split()[0]) for line in r.out.splitlines() if line.strip()[:1].isdigit() and "OVERDUE" in line]
    assert numbers == [1, 2, 4, 8, 9]
    r = cli(*db, "list", "--owner", "havco")
    assert "Chief Executive, HAVCO" in r.out and "Head of OD&L" not in r.out
    assert cli(*db, "set", "7", "blocked").code == 0
    r = cli(*db, "list", "--status", "blocked")
    assert "1 of 12 shown" in r.out and "JSNA" in r.out


def test_set_and_note_change_one_item_and_say_what_changed(cli, plan_path):
    db = ["--db", str(plan_path), "--as-of", "2010-06-01", "--user", "Wayne"]
    r = cli(*db, "set", "1", "done", "--note", "Standing Leadership Conference met")
    assert r.code == 0 and "Not started -> Done" in r.out
    r = cli(*db, "note", "3", "Secretariat options paper drafted")
    assert r.code == 0 and "note added" in r.out
    r = cli(*db, "show", "1")
    assert "Standing Leadership Conference met" in r.out and "Wayne" in r.out
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    assert data["recommendations"]["1"]["status"] == "done"
    assert data["recommendations"]["3"]["history"][-1]["note"] == "Secretariat options paper drafted"


def test_user_comes_from_env_when_not_given(cli, plan_path):
    cli("--db", str(plan_path), "note", "2", "x", env={"HSP_TUI_USER": "Duncan"})
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    assert data["recommendations"]["2"]["history"][-1]["by"] == "Duncan"


@pytest.mark.parametrize("args, message", [
    (["set", "99", "done"], "no recommendation 99"),
    (["set", "1", "finished"], "unknown status 'finished'"),
    (["set", "one", "done"], "'one' is not a whole number"),
    (["--as-of", "1 June", "list"], "--as-of '1 June' is not a date"),
    # written as asked, but no such day: the words say why, not "use YYYY-MM-DD" again
    (["--as-of", "2010-02-30", "list"], "--as-of '2010-02-30' is not a date: February 2010 has 28 days"),
    (["note", "1", "x", "--on", "2010-04-31"], "--on '2010-04-31' is not a date: April 2010 has 30 days"),
    # a day as the app's dialogs take it: the command says how it wants it
    (["--as-of", "31/12/2026", "list"], "--as-of '31/12/2026': write the date as YYYY-MM-DD, here 2026-12-31"),
    (["revise", "8", "31/09/2010", "--reason", "x"],
     "cannot read deadline '31/09/2010': not a calendar date: September 2010 has 30 days"),
    (["note", "1", "  "], "note is empty"),
    (["revise", "8", "July 2010"], "needs a reason"),
    (["revise", "8", "someday", "--reason", "x"], "cannot read deadline 'someday'"),
    (["milestone", "1", "1", "done"], "has no milestone 1"),
    # no --on given: the day refused is the review date, and the words name the option typed
    (["--as-of", "2009-06-01", "note", "5", "x"],
     "--as-of 2009-06-01 (the day a change takes effect without --on) is before the plan's date (2010-03-16)"),
    (["undo", "5", "--entry", "1"], "change #1 on recommendation 5 (create) cannot be undone"),  # as the server says it
    (["import", "nowhere.csv", "--replace"], "nowhere.csv: file not found"),
])
def test_bad_input_is_one_clear_line_nonzero_and_changes_nothing(cli_process, plan_path, args, message):
    """The real process: one line, a non-zero exit status, no traceback (the other tests run the
    commands in process)."""
    before = plan_path.read_bytes()
    r = cli_process("--db", str(plan_path), *args)
    assert r.code != 0
    assert message in r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err
    assert plan_path.read_bytes() == before


def test_a_foreign_file_is_refused_and_left_untouched(cli, tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"_default": {"1": {"name": "not ours"}}}', encoding="utf-8")
    before = path.read_bytes()
    for args in (["list"], ["set", "1", "done"], []):
        r = cli("--db", str(path), *args)
        assert r.code != 0 and "not an hsp-tui plan file" in r.err and str(path) in r.err
        assert "Traceback" not in r.err
    assert path.read_bytes() == before


def test_export_json_shape(cli, plan_path):
    cli("--db", str(plan_path), "set", "1", "done", "--on", "2010-05-20")
    r = cli("--db", str(plan_path), "--as-of", "2010-06-01", "export")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["plan"]["title"] == "Partnership working in Haringey" and doc["plan"]["date"] == "2010-03-16"
    assert doc["plan"]["source"]
    assert doc["as_of"] == "2010-06-01" and doc["exported_at"]
    recs = {r["number"]: r for r in doc["recommendations"]}
    assert set(recs) == set(range(1, 13))
    for key in ("number", "ref", "recommendation", "management_response", "owner", "deadline", "due",
                "milestones", "status", "overdue", "history"):
        assert key in recs[2]
    assert recs[1]["status"] == "done" and recs[1]["overdue"] is False
    assert recs[2]["due"] == "2010-04-30" and recs[2]["overdue"] is True
    assert recs[2]["milestones"][1] == {"label": recs[2]["milestones"][1]["label"], "deadline": "October 2010",
                                        "due": "2010-10-31", "done": False}
    assert recs[5]["due"] is None and recs[5]["deadline"] == "Ongoing"
    assert recs[12]["due"] == "2010-07-31" and recs[12]["deadline"] == "From July"


def test_export_csv_to_a_file(cli, plan_path, tmp_path):
    out = tmp_path / "plan.csv"
    r = cli("--db", str(plan_path), "--as-of", "2010-06-01", "export", "--format", "csv", "-o", str(out))
    assert r.code == 0, r.err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the en dash right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 12
    assert rows[7]["deadline"] == "April – May 2010" and rows[7]["overdue"] == "yes"
    assert rows[0]["number"] == "1" and rows[0]["due"] == "2010-04-30"


CSV_PLAN = (
    "number,ref,recommendation,management_response,deadline,owner\r\n"
    "1,2.1,Agree the data sharing protocol,Agreed,April 2011,Head of Policy\r\n"
    "2,2.2,\"Publish the performance framework, with targets\",Agreed,Q3 2011/12,Performance Manager\r\n"
    "3,3.1,Review the board's terms of reference,Agreed,Ongoing,Partnership Manager\r\n"
    "4,3.4,Deliver the two training events,Agreed,June 2011 November 2011,OD&L\r\n"
    "5,4.2,Something unreadable,Agreed,when possible,Someone\r\n"
)


def test_import_csv_into_a_new_file_then_export_and_reimport_gives_the_same_plan(cli, tmp_path):
    src = tmp_path / "plan.csv"
    src.write_bytes(b"\xef\xbb\xbf" + CSV_PLAN.encode("utf-8"))
    db = tmp_path / "new.json"
    r = cli("--db", str(db), "import", str(src), "--title", "Audit 2011", "--plan-date", "2011-03-01")
    assert r.code == 0, r.err
    assert "created" in r.out and "5 recommendations" in r.out
    assert "line 6" in r.err and "when possible" in r.err  # the unreadable deadline is reported
    cli("--db", str(db), "set", "2", "in_progress", "--note", "Draft to PMG", "--on", "2011-06-01")
    cli("--db", str(db), "milestone", "4", "1", "done", "--on", "2011-06-01")
    exported = cli("--db", str(db), "--as-of", "2011-07-01", "export").out
    first = json.loads(exported)
    assert first["plan"]["title"] == "Audit 2011"
    recs = {r["number"]: r for r in first["recommendations"]}
    assert recs[2]["due"] == "2011-12-31" and recs[4]["milestones"][0]["done"] is True
    assert recs[5]["due"] is None and recs[5]["deadline"] == "when possible"

    export_file = tmp_path / "export.json"
    export_file.write_text(exported, encoding="utf-8")
    db2 = tmp_path / "again.json"
    assert cli("--db", str(db2), "import", str(export_file)).code == 0
    second = json.loads(cli("--db", str(db2), "--as-of", "2011-07-01", "export").out)

    def comparable(doc):
        out = []
        for rec in doc["recommendations"]:
            rec = dict(rec)
            rec["history"] = [h for h in rec["history"] if h["action"] != "import"]
            out.append(rec)
        return doc["plan"], out

    assert comparable(first) == comparable(second)


def test_import_into_an_existing_file_needs_replace_and_keeps_a_backup(cli, plan_path, tmp_path):
    src = tmp_path / "plan.csv"
    src.write_text(CSV_PLAN, encoding="utf-8")
    before = plan_path.read_bytes()
    r = cli("--db", str(plan_path), "import", str(src))
    assert r.code != 0 and "--replace" in r.err
    assert plan_path.read_bytes() == before
    r = cli("--db", str(plan_path), "import", str(src), "--replace", "--plan-date", "2011-03-01")
    assert r.code == 0, r.err
    assert plan_path.with_name("plan.json.bak").read_bytes() == before
    assert "5 of 5 shown" in cli("--db", str(plan_path), "list").out


def test_import_refuses_a_bad_row_and_writes_nothing(cli, tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text(CSV_PLAN + "5,9.9,Duplicate,Agreed,May 2011,X\r\n", encoding="utf-8")
    db = tmp_path / "new.json"
    r = cli("--db", str(db), "import", str(src))
    assert r.code != 0
    assert "line 7" in r.err and "number 5 is already used" in r.err
    assert not db.exists()


def test_summary_by_status_owner_and_month(cli, plan_path):
    db = ["--db", str(plan_path), "--as-of", "2010-06-01"]
    cli(*db, "set", "1", "done")
    r = cli(*db, "summary")
    assert r.code == 0, r.err
    assert "4 overdue" in r.out and "8% done, 0% verified" in r.out
    owner = next(line for line in r.out.splitlines() if "Interim Deputy Chief Executive" in line)
    assert owner.split()[-4:] == ["2", "2", "0", "2"]  # open, overdue, done, total
    assert "Ongoing / no date     4" in r.out


def test_setting_the_status_it_already_has_says_so_and_saves_nothing(cli, plan_path):
    before = plan_path.read_bytes()
    r = cli("--db", str(plan_path), "set", "1", "not_started")
    assert r.code == 0 and "already Not started; nothing changed" in r.out
    assert plan_path.read_bytes() == before


def test_a_read_only_plan_file_gives_one_line_and_exit_3(cli, plan_path):
    plan_path.chmod(0o444)
    r = cli("--db", str(plan_path), "set", "1", "done")
    assert r.code == 3 and "read-only" in r.err and "internal error" not in r.err
    assert cli("--db", str(plan_path), "list").code == 0


@pytest.mark.parametrize("target", ["plan.json", "plan.json.bak", "./plan.json"])
def test_export_never_writes_over_the_plan_file(cli, plan_path, target):
    cli("--db", str(plan_path), "set", "1", "done")  # makes plan.json.bak
    before = plan_path.read_bytes(), plan_path.with_name("plan.json.bak").read_bytes()
    r = cli("--db", str(plan_path), "export", "--format", "md", "-o", str(plan_path.parent / target))
    assert r.code == 2 and "choose another name" in r.err
    assert (plan_path.read_bytes(), plan_path.with_name("plan.json.bak").read_bytes()) == before


def test_the_settings_file_due_soon_window_applies_to_commands_too(cli, plan_path, tmp_path):
    cfg = tmp_path / "settings.toml"
    cfg.write_text("due_soon_days = 60\n", encoding="utf-8")
    db = ["--db", str(plan_path), "--as-of", "2010-06-01"]
    assert "0 due within 14 days" in cli(*db, "list").out
    assert "2 due within 60 days" in cli("--config", str(cfg), *db, "list").out  # 7 and 12, due 31 Jul
    assert "0 due within 14 days" in cli("--config", str(cfg), "--due-soon-days", "14", *db, "list").out
    cfg.write_text("due_soon_days = 'soon'\n", encoding="utf-8")
    r = cli("--config", str(cfg), *db, "list")
    assert r.code == 2 and str(cfg) in r.err and "due_soon_days" in r.err


def test_undo_says_in_words_what_it_reversed(cli, plan_path):
    db = ["--db", str(plan_path)]
    cli(*db, "set", "1", "done")
    r = cli(*db, "undo", "1")
    assert r.code == 0 and "status back to Not started" in r.out
    assert "undid change #2: status Done -> Not started" in cli(*db, "show", "1").out
    r = cli(*db, "undo", "1", "--entry", "1")  # the entry that created the item
    assert r.code == 2 and "cannot be undone" in r.err


def test_import_accepts_appendix_a_headings(cli, tmp_path):
    src = tmp_path / "appendix.csv"
    src.write_text("No.,Ref.,Recommendation,Management response,Deadline,Owner\n"
                   "1.,3.2,Focus the board on strategy,Agreed,April 2010,Assistant Chief Executive\n", encoding="utf-8")
    db = tmp_path / "a.json"
    r = cli("--db", str(db), "import", str(src), "--plan-date", "2010-03-16")
    assert r.code == 0, r.err
    assert "created" in r.out and "1 recommendation from" in r.out
    bad = tmp_path / "merged.csv"
    bad.write_text("No.,Ref.,Recommendation,Management response,Implementation details\n", encoding="utf-8")
    r = cli("--db", str(tmp_path / "b.json"), "import", str(bad))
    assert r.code == 2 and "split the 'Implementation details' column" in r.err


def test_a_plan_made_at_a_path_given_says_so_once_and_the_default_plan_does_not(cli, tmp_path):
    """`--db /srv/team/plna.json set 3 done` (a typo, or a share not mounted) made a new plan from the
    seed without a word: the change went into it, unseen by the team. It is still made (README: a
    file that does not exist is created), and the run now says so on stderr, naming the path."""
    typo = tmp_path / "team" / "plna.json"
    r = cli("--db", str(typo), "--as-of", "2010-06-01", "note", "3", "Options paper drafted")
    assert r.code == 0 and "3: note added" in r.out
    assert r.err.strip() == (f"hsp-tui: note: there was no plan at {typo}: a new one was made from the embedded "
                             "seed plan (check the path if you meant an existing plan)")
    again = cli("--db", str(typo), "--as-of", "2010-06-01", "list")
    assert again.code == 0 and "no plan at" not in again.err
    by_env = cli("--as-of", "2010-06-01", "list", env={"HSP_TUI_DB": str(tmp_path / "other.json")})
    assert by_env.code == 0 and "there was no plan at" in by_env.err
    first_use = cli("--as-of", "2010-06-01", "list")  # the user data folder's plan: made on first use, as documented
    assert first_use.code == 0 and "no plan at" not in first_use.err


def test_an_export_or_a_csv_given_as_the_plan_says_how_to_make_a_plan_of_it(cli, plan_path, tmp_path):
    """An officer handed a JSON export or a CSV opened it with --db: refused as no plan file (its
    'meta' record, its BOM), without a word on what to do. The one line now says it, and the file
    is left as it was."""
    for fmt, what in (("json", "a JSON export"), ("csv", "a CSV")):
        out = tmp_path / f"board.{fmt}"
        assert cli("--db", str(plan_path), "export", "--format", fmt, "-o", str(out)).code == 0
        before = out.read_bytes()
        r = cli("--db", str(out), "list")
        assert r.code == 3 and len(r.err.strip().splitlines()) == 1, r.err
        assert r.err.strip().endswith(f"(it is {what}: make a plan file of it with hsp-tui --db NEW.json "
                                      f"import {out})"), r.err
        assert out.read_bytes() == before
        made = cli("--db", str(tmp_path / f"from-{fmt}.json"), "import", str(out))
        assert made.code == 0, made.err  # as the line says
    other = tmp_path / "other.json"
    other.write_text('{"a": 1}', encoding="utf-8")
    r = cli("--db", str(other), "list")
    assert r.code == 3 and "not an hsp-tui plan file" in r.err and "import" not in r.err


@pytest.mark.parametrize("command", [("list",), ("summary",), ("show", "2")])
def test_a_review_date_before_the_plan_existed_says_so_on_stderr(cli, plan_path, command):
    """`--as-of 2009-01-01 list` showed the 2010 plan's twelve items as if they stood then, without a
    word; the table stays what scripts parse, and one line on stderr says the plan did not exist yet."""
    early = cli("--db", str(plan_path), "--as-of", "2009-01-01", *command)
    assert early.code == 0 and early.out
    assert early.err.strip() == ("hint: 1 Jan 2009 is before the plan's date (16 Mar 2010): the plan did not exist "
                                 "yet; it is shown as first written")
    on_the_day = cli("--db", str(plan_path), "--as-of", "2010-03-16", *command)
    assert on_the_day.code == 0 and on_the_day.err == ""


@pytest.mark.parametrize("fmt", ["md", "html", "csv", "json"])
def test_an_export_as_of_a_day_before_the_plan_existed_says_so_on_stderr(cli, plan_path, tmp_path, fmt):
    """As `list`, `summary` and `show` do: the board paper as of 2009 would show the 2010 plan as if it
    stood then, without a word. The export itself is unchanged (stdout or the file)."""
    out = tmp_path / f"early.{fmt}"
    early = cli("--db", str(plan_path), "--as-of", "2009-01-01", "export", "--format", fmt, "-o", str(out))
    assert early.code == 0 and out.stat().st_size > 0
    assert ("hint: 1 Jan 2009 is before the plan's date (16 Mar 2010): the plan did not exist yet; it is shown "
            "as first written") in early.err
    on_the_day = cli("--db", str(plan_path), "--as-of", "2010-03-16", "export", "--format", fmt)
    assert on_the_day.code == 0 and on_the_day.err == ""
