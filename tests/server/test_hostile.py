"""The server under a hostile colleague (issue 20): nobody forges the record, names a plan to look
like another, moves an item into or out of Verified without being an auditor, or plants a plan
that breaks `plans` for everyone. Tried with psql and with hsp-tui, as each person would.

eve is a hostile officer (hsp_officer); bob a reader; carol an auditor; alice an officer.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from sampling import sampled

from hsp_tui.domain import limits
from pgharness import OWNER

PLAN = "haringey-2010"


@pytest.fixture
def url(pg_cluster, pg_plan_db):
    return lambda user="alice": pg_cluster.url(pg_plan_db, user)


def sql(cluster, db, query: str, user: str = "postgres") -> str:
    return cluster.psql(query, db=db, user=user).stdout.strip()


def one_line(res, code: int) -> None:
    assert res.code == code, (res.code, res.err)
    assert len(res.err.strip().splitlines()) == 1 and "Traceback" not in res.err, res.err


def day(at: str) -> str:
    moment = datetime.fromisoformat(at)
    return f"{moment.day} {moment:%b %Y}"


META = {"title": "Forged plan", "date": "2010-03-01", "author": "", "prepared_for": "", "source": "", "notes": "",
        "contacts": [{"owner": "Chief Executive", "addresses": ["eve@evil.example"]}],
        "history": [{"id": 1, "at": "2010-05-30T10:00:00+01:00", "by": "carol", "action": "contact",
                     "field": "Chief Executive", "old": None, "new": ["eve@evil.example"], "note": None}]}


def forged_item(number: int = 1) -> dict:
    return {"number": number, "ref": "1", "recommendation": "Do it", "management_response": "Agreed",
            "deadline": "April 2010", "owner": "Chief Executive", "status": "verified", "milestones": [],
            "revisions": [], "repairs": [],
            "history": [{"id": 1, "at": "2010-04-01T09:00:00+01:00", "by": "alice", "action": "set", "field": "status",
                         "old": "in_progress", "new": "done", "note": None},
                        {"id": 2, "at": "2010-04-02T09:00:00+01:00", "by": "carol", "action": "verify",
                         "field": "status", "old": "done", "new": "verified", "note": "accepted by the auditor"}]}


def add_plan_sql(name: str, meta: dict, items: list, action: str = "NULL") -> str:
    return (f"SELECT hsp.add_plan('{name}', '{json.dumps(meta)}', '{json.dumps(items)}', {action}, NULL)")


# -- nobody forges the record ------------------------------------------------------------------------
def test_a_plan_forged_with_psql_is_marked_imported_by_its_officer_everywhere(cli, url, pg_cluster, pg_plan_db, eve):
    pg_cluster.psql(add_plan_sql("forged", META, [forged_item()]), db=pg_plan_db, user=eve)
    # the server marked every entry it was handed: who imported it and when (its own clock)
    marks = sql(pg_cluster, pg_plan_db, "SELECT DISTINCT imported_by, imported_at = to_char(recorded_at AT TIME ZONE "
                                        "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+00:00' FROM hsp.history h JOIN hsp.plan p "
                                        "ON p.id = h.plan_id WHERE p.name = 'forged'")
    assert marks == "eve|t"
    assert sql(pg_cluster, pg_plan_db, "SELECT imported_by FROM hsp.plan_history") == "eve"
    shown = cli("--db", url("bob"), "--plan", "forged", "show", "1")
    assert shown.code == 0, shown.err
    at = sql(pg_cluster, pg_plan_db, "SELECT DISTINCT imported_at FROM hsp.history WHERE imported_by = 'eve'")
    assert f"carol (as imported by eve, {day(at)})" in shown.out
    assert f"alice (as imported by eve, {day(at)})" in shown.out
    assert "Verified (imported)" in shown.out
    listed = cli("--db", url("bob"), "--plan", "forged", "list")
    assert "Verified (imported)" in listed.out
    exported = json.loads(cli("--db", url("bob"), "--plan", "forged", "export").out)
    history = [h for r in exported["recommendations"] for h in r["history"]]
    assert {(h["by"], h["imported_by"], h["imported_at"]) for h in history} == {("alice", "eve", at), ("carol", "eve", at)}


def test_the_callers_own_import_marks_are_never_taken(pg_cluster, pg_plan_db, eve):
    item = forged_item()
    for h in item["history"]:
        h["imported_by"], h["imported_at"] = "carol", "2010-01-01T00:00:00+00:00"
    pg_cluster.psql(add_plan_sql("claims", META, [item]), db=pg_plan_db, user=eve)
    assert sql(pg_cluster, pg_plan_db, "SELECT DISTINCT imported_by FROM hsp.history h JOIN hsp.plan p "
                                       "ON p.id = h.plan_id WHERE p.name = 'claims'") == "eve"


def test_an_imported_verdict_counts_only_once_an_auditor_here_confirms_it(cli, url, pg_cluster, pg_plan_db, eve,
                                                                           tmp_path):
    doc = tmp_path / "edited.json"
    assert cli("--db", url("bob"), "export", "-o", str(doc)).code == 0
    data = json.loads(doc.read_text())
    rec = data["recommendations"][0]
    last = rec["history"][-1]["id"]
    rec["history"] += [
        {"id": last + 1, "at": "2010-04-01T09:00:00+01:00", "by": "alice", "action": "set", "field": "status",
         "old": rec["status"], "new": "done", "note": None},
        {"id": last + 2, "at": "2010-04-02T09:00:00+01:00", "by": "carol", "action": "verify", "field": "status",
         "old": "done", "new": "verified", "note": "accepted by the auditor"}]
    rec["status"] = "verified"
    doc.write_text(json.dumps(data))
    res = cli("--db", url(eve), "import", str(doc), "--plan", "edited")
    assert res.code == 0, res.err
    shown = cli("--db", url("bob"), "--plan", "edited", "show", "1").out
    assert "Verified (imported)" in shown and "carol (as imported by eve," in shown
    # an officer cannot confirm it, nor move it out of Verified
    one_line(cli("--db", url(eve), "--plan", "edited", "verify", "1", "accepted", "--note", "seen"), 5)
    one_line(cli("--db", url(eve), "--plan", "edited", "set", "1", "in_progress"), 5)
    # the auditor here confirms it: then it is Verified, by carol on this server
    res = cli("--db", url("carol"), "--plan", "edited", "verify", "1", "accepted", "--note", "seen the minutes")
    assert res.code == 0, res.err
    shown = cli("--db", url("bob"), "--plan", "edited", "show", "1").out
    assert "Verified (imported)" not in shown and "Verified" in shown


# -- plan names ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sampled(["h\u0430ringey-2010", "Haringey", "a" * 65, "", "two words", "semi;colon"], 2))
def test_a_plan_name_the_server_does_not_take_is_refused_in_one_line(cli, url, pg_cluster, pg_plan_db, eve,
                                                                       tmp_path, name):
    proc = pg_cluster.psql(add_plan_sql(name.replace("'", "''"), META, [forged_item()]), db=pg_plan_db, user=eve,
                           check=False)
    assert proc.returncode != 0 and "plan name" in proc.stderr and "a-z" in proc.stderr
    doc = tmp_path / "plan.json"
    assert cli("--db", url("bob"), "export", "-o", str(doc)).code == 0
    if name:
        one_line(cli("--db", url(eve), "import", str(doc), "--plan", name), 2)
    assert sql(pg_cluster, pg_plan_db, "SELECT string_agg(name, ',') FROM hsp.plan") == PLAN


def test_the_plan_name_rule_is_written_once(pg_cluster, pg_plan_db):
    """The numbers and the name pattern in Python (`domain.limits`) are the server's."""
    got = json.loads(sql(pg_cluster, pg_plan_db, "SELECT hsp._bounds()"))
    assert got == {"plan_name": limits.PLAN_NAME_PATTERN, "items_per_plan": limits.ITEMS_PER_PLAN,
                   "item_chars": limits.ITEM_CHARS, "plan_chars": limits.PLAN_CHARS,
                   "evidence_file_bytes": limits.EVIDENCE_FILE_BYTES, "evidence_plan_bytes": limits.EVIDENCE_PLAN_BYTES}


# -- only an auditor moves an item into or out of Verified --------------------------------------------
def entries(cluster, db, number: int) -> list[list[str]]:
    out = sql(cluster, db, f"SELECT h.id, by, action, coalesce(new::text, '') FROM hsp.history h JOIN hsp.plan p "
                           f"ON p.id = h.plan_id WHERE p.name = '{PLAN}' AND number = {number} ORDER BY h.id")
    return [line.split("|") for line in out.splitlines()]


def status(cluster, db, number: int) -> str:
    return sql(cluster, db, f"SELECT status FROM hsp.item WHERE number = {number}")


def test_an_officer_cannot_undo_a_verdict_or_move_an_item_out_of_verified(pg_cluster, pg_plan_db, eve):
    pg_cluster.psql(f"SELECT hsp.set_status('{PLAN}', 5, 'done')", db=pg_plan_db, user="alice")
    pg_cluster.psql(f"SELECT hsp.verify('{PLAN}', 5, true, 'seen')", db=pg_plan_db, user="carol")
    verdict = entries(pg_cluster, pg_plan_db, 5)[-1][0]
    before = entries(pg_cluster, pg_plan_db, 5)
    for call in (f"hsp.undo('{PLAN}', 5, {verdict})", f"hsp.set_status('{PLAN}', 5, 'done')",
                 f"hsp.set_status('{PLAN}', 5, 'in_progress', 'reopened')"):
        proc = pg_cluster.psql(f"SELECT {call}", db=pg_plan_db, user=eve, check=False)
        assert proc.returncode != 0 and "only an auditor" in proc.stderr, (call, proc.stderr)
    assert entries(pg_cluster, pg_plan_db, 5) == before and status(pg_cluster, pg_plan_db, 5) == "verified"
    # the auditor may: undo, and undoing that undo (redo) is the auditor's too
    pg_cluster.psql(f"SELECT hsp.undo('{PLAN}', 5, {verdict})", db=pg_plan_db, user="carol")
    undo = entries(pg_cluster, pg_plan_db, 5)[-1][0]
    proc = pg_cluster.psql(f"SELECT hsp.undo('{PLAN}', 5, {undo})", db=pg_plan_db, user=eve, check=False)
    assert proc.returncode != 0 and "only an auditor" in proc.stderr
    assert status(pg_cluster, pg_plan_db, 5) == "done"


def test_an_officer_cannot_undo_an_auditors_rejection(pg_cluster, pg_plan_db, eve):
    pg_cluster.psql(f"SELECT hsp.set_status('{PLAN}', 6, 'done')", db=pg_plan_db, user="alice")
    pg_cluster.psql(f"SELECT hsp.verify('{PLAN}', 6, false, 'no evidence')", db=pg_plan_db, user="carol")
    rejection = entries(pg_cluster, pg_plan_db, 6)[-1][0]
    proc = pg_cluster.psql(f"SELECT hsp.undo('{PLAN}', 6, {rejection})", db=pg_plan_db, user=eve, check=False)
    assert proc.returncode != 0 and "only an auditor" in proc.stderr
    assert status(pg_cluster, pg_plan_db, 6) == "in_progress"


# -- documents the client could not read --------------------------------------------------------------
@pytest.mark.parametrize("meta, items", sampled([
    ({"title": "x"}, []),
    ({**META, "date": "June 2010"}, []),
    (META, [{**forged_item(), "status": "finished"}]),
    (META, [{**forged_item(), "number": "1"}]),
    (META, [{**forged_item(), "history": [{"id": 1, "at": "yesterday", "by": "x", "action": "note", "field": None,
                                            "old": None, "new": None, "note": "x"}]}]),
    (META, [{**forged_item(), "extra": 1}]),
    (META, [forged_item(1), forged_item(1)]),
], 2, multi=True))
def test_a_plan_document_that_does_not_decode_is_refused_by_the_server(pg_cluster, pg_plan_db, eve, meta, items):
    proc = pg_cluster.psql(add_plan_sql("zz", meta, items), db=pg_plan_db, user=eve, check=False)
    assert proc.returncode != 0 and "HS400" not in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if line.startswith("ERROR")]) == 1
    assert sql(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.plan WHERE name = 'zz'") == "0"


def test_a_damaged_plan_is_reported_in_one_line_and_the_others_listed(cli, url, pg_cluster, pg_plan_db):
    # planted past the functions (as only the owner could), the way an older server might have kept it
    pg_cluster.psql("INSERT INTO hsp.plan (name, meta) VALUES ('zz', '{\"title\": \"x\"}')", db=pg_plan_db, user=OWNER)
    res = cli("--db", url("bob"), "--as-of", "2010-06-01", "plans")
    assert res.code == 0, res.err
    assert len(res.err.strip().splitlines()) == 1 and "'zz' is damaged" in res.err
    assert PLAN in res.out and "zz" in res.out


def test_plans_counts_from_sql_without_reading_history(cli, url, pg_cluster, pg_plan_db, expected):
    """`plans` reads no item's history (a history row no client can read does not matter to it) and
    counts as `list` does."""
    before = cli("--db", url("bob"), "--as-of", "2010-06-01", "plans")
    assert before.code == 0, before.err
    pg_cluster.psql("UPDATE hsp.history SET action = 'unreadable' WHERE number = 1", db=pg_plan_db, user=OWNER)
    assert cli("--db", url("bob"), "list").code != 0  # the whole plan does not read now
    after = cli("--db", url("bob"), "--as-of", "2010-06-01", "plans")
    assert after.code == 0 and after.out == before.out, after.err
    row = [line.split() for line in after.out.splitlines() if line.startswith(PLAN)][0]
    assert row[-3:] == [str(n) for n in expected]


@pytest.fixture
def expected(pg_cluster, pg_plan_db):
    """The seed plan's items, open and overdue counts as of 1 Jun 2010, as the review makes them."""
    from datetime import date

    from hsp_tui.domain.review import review
    from hsp_tui.storage.store import Store

    rv = review(Store(pg_cluster.url(pg_plan_db, "bob")).load(), date(2010, 6, 1), 14)
    return len(rv.items), sum(1 for i in rv.items if not i.rec.status.closed), len(rv.overdue)


# -- volume -------------------------------------------------------------------------------------------
def test_an_items_history_is_bounded_by_the_server(pg_cluster, pg_plan_db, eve):
    """Notes as long as a note may be, until the item holds as much history as one item may: the
    next is refused (HS400, one line: the command line's exit 2), nothing of it kept."""
    import psycopg

    from hsp_tui.domain.rules import limit_of

    note = "x" * limit_of("note")
    conn = psycopg.connect(pg_cluster.url(pg_plan_db, eve), autocommit=True)
    try:
        added = 0
        with pytest.raises(psycopg.Error, match="holds the most history one item may") as refused:
            for _ in range(limits.ITEM_CHARS // len(note) + 2):
                conn.execute("SELECT hsp.add_note(%s, 8, %s)", [PLAN, note])
                added += 1
        assert refused.value.sqlstate == "HS400"
    finally:
        conn.close()
    assert 1 <= added <= limits.ITEM_CHARS // len(note)
    assert sql(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.history WHERE number = 8 AND action = 'note'") \
        == str(added)


def test_a_plan_of_more_items_than_the_server_takes_is_refused(pg_cluster, pg_plan_db, eve):
    import psycopg
    from psycopg.types.json import Jsonb

    items = [{**forged_item(n), "status": "not_started", "history": []} for n in range(1, limits.ITEMS_PER_PLAN + 2)]
    conn = psycopg.connect(pg_cluster.url(pg_plan_db, eve), autocommit=True)
    try:
        with pytest.raises(psycopg.Error, match=f"a plan holds at most {limits.ITEMS_PER_PLAN}"):
            conn.execute("SELECT hsp.add_plan('huge', %s, %s, 'import', NULL)", [Jsonb(META), Jsonb(items)])
    finally:
        conn.close()
    assert sql(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.plan WHERE name = 'huge'") == "0"
