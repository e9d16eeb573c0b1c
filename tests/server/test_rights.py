"""Who may do what is enforced by the database: tried with psql, as each person would.

alice is an officer, bob a reader, carol an auditor, mallory has no hsp-tui role. The plan is the
seed, set up by the database's owner (`init`).
"""

from __future__ import annotations

import json

import pytest

from hsp_tui.storage.postgres.rules_sql import UNPINNED

PLAN = "haringey-2010"


def rows(cluster, db, sql, user="postgres"):
    return [line.split("|") for line in cluster.psql(sql, db=db, user=user).stdout.splitlines()]


def history_of(cluster, db, number):
    return rows(cluster, db, f"SELECT h.id, by, action, coalesce(note, '') FROM hsp.history h JOIN hsp.plan p "
                             f"ON p.id = h.plan_id WHERE p.name = '{PLAN}' AND number = {number} ORDER BY h.id")


def status_of(cluster, db, number):
    return rows(cluster, db, f"SELECT status FROM hsp.item i JOIN hsp.plan p ON p.id = i.plan_id "
                             f"WHERE p.name = '{PLAN}' AND number = {number}")[0][0]


def test_an_officer_changes_an_item_through_the_function_and_history_names_them(pg_cluster, pg_plan_db):
    out = pg_cluster.psql(f"SELECT hsp.set_status('{PLAN}', 3, 'in_progress', 'kick-off held')",
                          db=pg_plan_db, user="alice").stdout
    entry = json.loads(out)["entry"]
    assert (entry["by"], entry["field"], entry["old"], entry["new"]) == ("alice", "status", "not_started",
                                                                         "in_progress")
    assert status_of(pg_cluster, pg_plan_db, 3) == "in_progress"
    assert history_of(pg_cluster, pg_plan_db, 3)[-1] == [str(entry["id"]), "alice", "set", "kick-off held"]


@pytest.mark.parametrize("sql", [
    "UPDATE hsp.history SET note = 'rewritten'",
    "DELETE FROM hsp.history",
    "TRUNCATE hsp.history",
    "INSERT INTO hsp.history (plan_id, number, id, at, by, action) "
    "SELECT plan_id, number, 99, 'now', 'someone else', 'note' FROM hsp.item LIMIT 1",
    "UPDATE hsp.item SET status = 'done'",
    "DELETE FROM hsp.item",
    "INSERT INTO hsp.plan (name) VALUES ('mine')",
    "UPDATE hsp.info SET value = '99'",
    # the helpers that write history are not callable either: only the change functions are
    "SELECT hsp._append('haringey-2010', i, 'note', NULL, NULL, NULL, 'forged') FROM hsp.item i LIMIT 1",
    "CREATE TABLE hsp.mine (x int)",
])
def test_an_officer_cannot_write_the_tables_directly(pg_cluster, pg_plan_db, sql):
    before = rows(pg_cluster, pg_plan_db, "SELECT count(*), max(recorded_at) FROM hsp.history")
    items = rows(pg_cluster, pg_plan_db, "SELECT string_agg(status || owner, ',' ORDER BY number) FROM hsp.item")
    proc = pg_cluster.psql(sql, db=pg_plan_db, user="alice", check=False)
    assert proc.returncode != 0
    assert "permission denied" in proc.stderr
    assert rows(pg_cluster, pg_plan_db, "SELECT count(*), max(recorded_at) FROM hsp.history") == before
    assert rows(pg_cluster, pg_plan_db, "SELECT string_agg(status || owner, ',' ORDER BY number) "
                                        "FROM hsp.item") == items


def test_history_is_append_only_even_inside_the_owners_functions(pg_cluster, pg_plan_db):
    """The trigger refuses UPDATE/DELETE of history to any session but the owner's: a function
    running as the owner on alice's behalf cannot rewrite it either (here: a function alice is
    allowed to call, made by the owner for the test, that tries)."""
    pg_cluster.psql(
        "CREATE FUNCTION hsp.sneaky() RETURNS void LANGUAGE sql SECURITY DEFINER "
        "SET search_path = pg_catalog AS $$ UPDATE hsp.history SET note = 'rewritten' $$; "
        "GRANT EXECUTE ON FUNCTION hsp.sneaky() TO alice", db=pg_plan_db, user="hsp_owner")
    proc = pg_cluster.psql("SELECT hsp.sneaky()", db=pg_plan_db, user="alice", check=False)
    assert proc.returncode != 0 and "history is append-only" in proc.stderr
    assert rows(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.history WHERE note = 'rewritten'") == [["0"]]


def test_the_owner_may_still_correct_history(pg_cluster, pg_plan_db):
    pg_cluster.psql("UPDATE hsp.history SET note = 'corrected by the owner' WHERE number = 1 AND id = 1",
                    db=pg_plan_db, user="hsp_owner")
    assert history_of(pg_cluster, pg_plan_db, 1)[0][3] == "corrected by the owner"


@pytest.mark.parametrize("call", [
    f"hsp.set_status('{PLAN}', 1, 'done')",
    f"hsp.add_note('{PLAN}', 1, 'a note')",
    f"hsp.set_owner('{PLAN}', 1, 'Someone')",
    f"hsp.revise('{PLAN}', 1, 'July 2010', 'late')",
    f"hsp.set_milestone('{PLAN}', 2, 1, true)",
    f"hsp.undo('{PLAN}', 1, 1)",
    "hsp.add_plan('mine', '{}', '[]', 'import', 'x')",
    f"hsp.verify('{PLAN}', 1, true)",
])
@pytest.mark.parametrize("person", ["bob", "mallory"])
def test_a_reader_or_a_stranger_cannot_change_anything(pg_cluster, pg_plan_db, person, call):
    before = rows(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.history")
    proc = pg_cluster.psql(f"SELECT {call}", db=pg_plan_db, user=person, check=False)
    assert proc.returncode != 0 and "permission denied" in proc.stderr
    assert rows(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.history") == before
    assert rows(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.plan") == [["1"]]


def test_a_reader_reads_and_a_stranger_does_not(pg_cluster, pg_plan_db):
    assert rows(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.item", user="bob") == [["12"]]
    proc = pg_cluster.psql("SELECT count(*) FROM hsp.item", db=pg_plan_db, user="mallory", check=False)
    assert proc.returncode != 0 and "permission denied" in proc.stderr


def test_an_officer_cannot_give_an_auditors_verdict(pg_cluster, pg_plan_db):
    pg_cluster.psql(f"SELECT hsp.set_status('{PLAN}', 5, 'done')", db=pg_plan_db, user="alice")
    proc = pg_cluster.psql(f"SELECT hsp.verify('{PLAN}', 5, true)", db=pg_plan_db, user="alice", check=False)
    assert proc.returncode != 0 and "permission denied" in proc.stderr
    proc = pg_cluster.psql(f"SELECT hsp.set_status('{PLAN}', 5, 'verified')", db=pg_plan_db, user="alice",
                           check=False)
    assert proc.returncode != 0 and "verdict" in proc.stderr
    pg_cluster.psql(f"SELECT hsp.verify('{PLAN}', 5, true, 'seen the minutes')", db=pg_plan_db, user="carol")
    assert status_of(pg_cluster, pg_plan_db, 5) == "verified"


def test_an_auditor_is_an_officer(pg_cluster, pg_plan_db):
    pg_cluster.psql(f"SELECT hsp.add_note('{PLAN}', 5, 'checked the evidence')", db=pg_plan_db, user="carol")
    assert history_of(pg_cluster, pg_plan_db, 5)[-1][1:] == ["carol", "note", "checked the evidence"]


def test_the_recorded_user_is_the_login_not_a_name_the_client_sets(pg_cluster, pg_plan_db):
    """SET ROLE / SET SESSION AUTHORIZATION are not open to alice; application_name is not used."""
    proc = pg_cluster.psql("SET SESSION AUTHORIZATION carol", db=pg_plan_db, user="alice", check=False)
    assert proc.returncode != 0
    pg_cluster.psql(f"SET application_name = 'carol'; SELECT hsp.add_note('{PLAN}', 4, 'mine')",
                    db=pg_plan_db, user="alice")
    assert history_of(pg_cluster, pg_plan_db, 4)[-1][1] == "alice"


def test_a_change_function_ignores_a_planted_search_path(pg_cluster, pg_plan_db):
    """A function or table of the same name in a schema alice controls is never used."""
    pg_cluster.psql("CREATE SCHEMA alice AUTHORIZATION alice", db=pg_plan_db)
    pg_cluster.psql("CREATE FUNCTION alice.now() RETURNS timestamptz LANGUAGE sql AS "
                    "$$ SELECT '2000-01-01'::timestamptz $$; "
                    "CREATE FUNCTION alice.session_user() RETURNS text LANGUAGE sql AS $$ SELECT 'carol' $$; "
                    f"SET search_path = alice, pg_catalog; SELECT hsp.add_note('{PLAN}', 6, 'planted')",
                    db=pg_plan_db, user="alice")
    last = rows(pg_cluster, pg_plan_db, "SELECT by, at FROM hsp.history WHERE number = 6 ORDER BY id DESC LIMIT 1")
    assert last[0][0] == "alice" and not last[0][1].startswith("2000")


def test_every_change_function_is_security_definer_with_a_fixed_search_path(pg_cluster, pg_plan_db):
    out = rows(pg_cluster, pg_plan_db,
               "SELECT p.proname, p.prosecdef, coalesce(array_to_string(p.proconfig, ','), '') "
               "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'hsp'")
    assert out
    for name, secdef, config in out:
        if name in UNPINNED:  # the rules on text: every name in them qualified instead (test_conformance.py)
            assert (secdef, config) == ("f", ""), name
            continue
        assert "search_path=pg_catalog, pg_temp" in config, name
        if not name.startswith("_") and name != "history_append_only":
            assert secdef == "t", name
