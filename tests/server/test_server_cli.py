"""The same commands on a PostgreSQL server, as officers on other machines run them.

alice is an officer, bob a reader, carol an auditor, mallory has no hsp-tui role; the database
was set up by its owner with `init` (the seed plan 'haringey-2010').
"""

from __future__ import annotations

import json
from datetime import datetime
import subprocess
import sys

import jsonschema
import pytest

from pgharness import OWNER

PLAN = "haringey-2010"


def history_count(cluster, db) -> str:
    return cluster.psql("SELECT count(*) FROM hsp.history", db=db).stdout.strip()


@pytest.fixture
def url(pg_cluster, pg_plan_db):
    return lambda user="alice": pg_cluster.url(pg_plan_db, user)


def test_an_officer_changes_the_plan_and_the_server_records_who(cli, url):
    res = cli("--db", url(), "set", "3", "in_progress", "--note", "kick-off held")
    assert res.code == 0, res.err
    assert "Not started -> In progress" in res.out
    res = cli("--db", url("bob"), "show", "3")
    assert res.code == 0 and "kick-off held" in res.out and "alice" in res.out


@pytest.mark.parametrize("command", [["set", "1", "done"], ["note", "1", "x"], ["assign", "1", "Me"],
                                     ["revise", "1", "July 2010", "--reason", "late"],
                                     ["milestone", "2", "1", "done"], ["undo", "1", "--entry", "1"]])
def test_a_reader_is_refused_every_change_in_one_line(cli, url, pg_cluster, pg_plan_db, command):
    before = history_count(pg_cluster, pg_plan_db)
    res = cli("--db", url("bob"), *command)
    assert res.code == 5, res.err  # refused: not "cannot be read" (3)
    assert len(res.err.strip().splitlines()) == 1 and "Traceback" not in res.err
    assert "may not change an item: changes need the hsp_officer role; nothing was changed" in res.err
    assert "lock_item" not in res.err and "function" not in res.err  # no internal names
    assert history_count(pg_cluster, pg_plan_db) == before


def test_someone_without_a_role_cannot_even_read(cli, url):
    res = cli("--db", url("mallory"), "list")
    assert res.code == 5 and len(res.err.strip().splitlines()) == 1
    assert "may not read hsp-tui's plans here" in res.err and "hsp_reader" in res.err


def test_list_export_and_summary_read_the_server(cli, url, tmp_path):
    res = cli("--db", url("bob"), "--as-of", "2010-06-01", "list", "--overdue")
    assert res.code == 0 and "OVERDUE" in res.out
    out = tmp_path / "plan.json"
    res = cli("--db", url("bob"), "export", "-o", str(out))
    assert res.code == 0, res.err
    assert len(json.loads(out.read_text())["recommendations"]) == 12


def test_an_export_from_the_server_validates_against_the_shipped_schema(cli, url):
    cli("--db", url(), "milestone", "2", "1", "done", "--note", "framework agreed")
    cli("--db", url(), "revise", "4", "September 2010", "--reason", "board moved")
    export = cli("--db", url("bob"), "export")
    schema = cli("schema")
    assert export.code == 0 and schema.code == 0
    jsonschema.validate(json.loads(export.out), json.loads(schema.out))


# -- many plans --------------------------------------------------------------------------------
def test_plans_lists_each_plan_with_its_counts_and_plan_picks_one(cli, url, tmp_path):
    exported = tmp_path / "seed.json"
    assert cli("--db", url(), "export", "-o", str(exported)).code == 0
    res = cli("--db", url(), "import", str(exported), "--plan", "second-audit")
    assert res.code == 0, res.err
    res = cli("--db", url("bob"), "--as-of", "2010-06-01", "plans")
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert lines[0].split() == ["Plan", "Title", "Items", "Open", "Overdue"]
    rows = {line.split()[0]: line.split()[-3:] for line in lines[2:]}
    assert set(rows) == {PLAN, "second-audit"}
    assert rows[PLAN][:2] == ["12", "12"] and int(rows[PLAN][2]) > 0
    # with two plans and none picked, the error lists them
    res = cli("--db", url("bob"), "list")
    assert res.code == 2 and PLAN in res.err and "second-audit" in res.err and "--plan" in res.err
    res = cli("--db", url(), "--plan", "second-audit", "note", "1", "on the second plan")
    assert res.code == 0, res.err
    res = cli("--db", url("bob"), "show", "1", env={"HSP_TUI_PLAN": "second-audit"})
    assert "on the second plan" in res.out
    res = cli("--db", url("bob"), "--plan", PLAN, "show", "1")
    assert "on the second plan" not in res.out
    res = cli("--db", url("bob"), "--plan", "nope", "list")
    assert res.code == 2 and "no plan named 'nope'" in res.err and PLAN in res.err  # as no plan picked


def test_plans_on_a_file_shows_its_one_plan(cli, tmp_path):
    db = tmp_path / "team.json"
    res = cli("--db", str(db), "--as-of", "2010-06-01", "plans")
    assert res.code == 0, res.err
    rows = res.out.splitlines()[2:]
    assert len(rows) == 1 and rows[0].startswith("team ") and rows[0].split()[-3:][:2] == ["12", "12"]
    assert cli("--db", str(db), "--plan", "x", "list").code == 2


def test_import_on_a_server_needs_a_plan_name_and_never_overwrites(cli, url, tmp_path, pg_cluster, pg_plan_db):
    exported = tmp_path / "seed.json"
    assert cli("--db", url(), "export", "-o", str(exported)).code == 0
    res = cli("--db", url(), "import", str(exported))
    assert res.code == 2 and "--plan" in res.err
    before = history_count(pg_cluster, pg_plan_db)
    res = cli("--db", url(), "import", str(exported), "--plan", PLAN)
    assert res.code == 2 and "already exists" in res.err
    res = cli("--db", url(), "import", str(exported), "--plan", PLAN, "--replace")
    assert res.code == 5 and len(res.err.strip().splitlines()) == 1
    assert "only the database's owner may replace a whole plan" in res.err
    assert "hsp_officer" not in res.err  # one reason, not two that contradict each other
    assert history_count(pg_cluster, pg_plan_db) == before


# -- moving a plan -----------------------------------------------------------------------------
@pytest.mark.slow
def test_a_plan_moved_from_a_file_to_the_server_keeps_everything(cli, url, tmp_path):
    plan = tmp_path / "team.json"
    for who, args in [("sam", ["set", "1", "in_progress", "--note", "started"]),
                      ("sam", ["milestone", "2", "1", "done"]),
                      ("kim", ["revise", "3", "December 2010", "--reason", "consultation ran late"]),
                      ("kim", ["note", "4", "[bold]evidence[/] filed"]),
                      ("kim", ["assign", "5", "Head of Policy"]),
                      ("sam", ["set", "6", "done"]),
                      ("sam", ["undo", "6"])]:
        assert cli("--db", str(plan), "--user", who, *args).code == 0
    first = tmp_path / "from-file.json"
    assert cli("--db", str(plan), "export", "-o", str(first)).code == 0
    res = cli("--db", url(), "import", str(first), "--plan", "moved")
    assert res.code == 0, res.err
    second = tmp_path / "from-server.json"
    assert cli("--db", url("bob"), "--plan", "moved", "export", "-o", str(second)).code == 0
    before = {r["number"]: r for r in json.loads(first.read_text())["recommendations"]}
    after = {r["number"]: r for r in json.loads(second.read_text())["recommendations"]}
    assert set(before) == set(after)
    for number, old in before.items():
        new = after[number]
        for key in ("status", "owner", "deadline", "current_deadline", "milestones", "revisions", "recommendation",
                    "management_response", "ref"):
            assert new[key] == old[key], (number, key)
        # every entry, original authors and times, each marked by the server as imported (by whom, when)
        assert [{k: v for k, v in h.items() if not k.startswith("imported_")} for h in new["history"][:-1]] \
            == old["history"], number
        last = new["history"][-1]
        assert (last["action"], last["by"], last["id"]) == ("import", "alice", old["history"][-1]["id"] + 1)
        assert "imported_by" not in last  # the import entry is the server's own
        assert {(h["imported_by"], h["imported_at"]) for h in new["history"][:-1]} == {("alice", last["at"])}
    assert {h["by"] for r in after.values() for h in r["history"][:-1]} >= {"sam", "kim"}
    # every view shows an imported entry's author as claimed, with who imported it and when
    shown = cli("--db", url("bob"), "--plan", "moved", "show", "4").out
    day = datetime.fromisoformat(after[4]["history"][-1]["at"])
    assert f"kim (as imported by alice, {day.day} {day:%b %Y})" in shown, shown


# -- many writers at once ----------------------------------------------------------------------
WRITER = r"""
import sys
from hsp_tui.storage.store import Store
url, number, n, name = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
store = Store(url)
for i in range(n):
    store.add_note(number, f"note {i} from {name}", by="ignored")
store.set_status(number + 4, "in_progress", by="ignored")
"""


@pytest.mark.slow
def test_sixteen_concurrent_writers_lose_nothing(url, pg_cluster, pg_plan_db):
    n, writers = 5, [(1 + k % 4, f"w{k}") for k in range(16)]
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url(), str(number), str(n), name],
                              stderr=subprocess.PIPE, text=True) for number, name in writers]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0] * 16, results
    rows = pg_cluster.psql("SELECT number, id, note, by FROM hsp.history WHERE action = 'note' ORDER BY number, id",
                           db=pg_plan_db).stdout.splitlines()
    notes = [line.split("|") for line in rows]
    for number, name in writers:
        mine = [note for num, _, note, _ in notes if int(num) == number and note.endswith(f"from {name}")]
        assert mine == [f"note {i} from {name}" for i in range(n)]
    assert {by for *_, by in notes} == {"alice"}
    for number in range(1, 9):
        ids = pg_cluster.psql(f"SELECT string_agg(id::text, ',' ORDER BY id) FROM hsp.history WHERE number = {number}",
                              db=pg_plan_db).stdout.strip().split(",")
        assert ids == [str(i) for i in range(1, len(ids) + 1)]  # one id each, none twice, none skipped


@pytest.mark.slow
def test_the_owner_url_is_never_needed_by_officers(cli, url):
    """An officer's every command works without the owner's rights (init aside)."""
    for args in (["list"], ["summary"], ["show", "2"], ["note", "2", "x"], ["undo", "2"], ["plans"], ["where"]):
        res = cli("--db", url(), *args)
        assert res.code == 0, (args, res.err)
    assert OWNER not in cli("--db", url(), "where").out


@pytest.mark.slow
def test_only_an_auditor_gives_a_verdict(cli, url, pg_cluster, pg_plan_db):
    assert cli("--db", url(), "set", "6", "done", "--note", "evidence filed").code == 0
    assert cli("--db", url("carol"), "set", "7", "done", "--note", "JSNA published").code == 0
    before = history_count(pg_cluster, pg_plan_db)
    res = cli("--db", url("alice"), "verify", "7", "accepted", "--note", "seen")  # an officer, not an auditor
    assert res.code == 5 and len(res.err.strip().splitlines()) == 1
    assert "only an auditor (database role hsp_auditor) may record the auditor's verdict" in res.err
    assert "function" not in res.err and "hsp.verify" not in res.err  # no internal names
    res = cli("--db", url("carol"), "verify", "7", "accepted", "--note", "mine")  # four eyes: not her own Done
    assert res.code == 2 and "someone else (four eyes)" in res.err and len(res.err.strip().splitlines()) == 1
    assert history_count(pg_cluster, pg_plan_db) == before
    res = cli("--db", url("carol"), "verify", "6", "accepted", "--note", "checked the minutes")
    assert res.code == 0, res.err
    shown = cli("--db", url("bob"), "show", "6").out
    assert "Verified" in shown and "carol" in shown
    # only an auditor moves an item out of Verified (issue 20): the officer's undo is refused
    res = cli("--db", url(), "undo", "6")
    assert res.code == 5 and "only an auditor" in res.err, res.err
    assert cli("--db", url("carol"), "undo", "6").code == 0
