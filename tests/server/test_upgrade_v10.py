"""A database set up by schema version 9, whose plans' version was the sum of every item's counter
and the plan's history entries (a scan of the plan's items), is upgraded in place by `init`
(version 10: the version counted in a few slots, read in O(1)): each plan keeps its version, so an
app that polled it before sees no change where there was none and never sees it go backwards, and
every change from then on, of an item or of the contacts, counts on from there."""

from __future__ import annotations

from pathlib import Path

from hsp_tui.storage.backends import open_backend
from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema
from pgharness import OWNER

HSP_V9 = Path(__file__).parent / "data" / "hsp_v9.sql"
CE = "Chief Executive"
# The version as version 9 counted it (its `rows.TOKEN_COLUMN`), per plan name.
V9_VERSIONS = ("SELECT string_agg(p.name || '=' || (coalesce((SELECT sum(i.changes) FROM hsp.item i "
               "WHERE i.plan_id = p.id), 0) + (SELECT count(*) FROM hsp.plan_history h WHERE h.plan_id = p.id)), "
               "',' ORDER BY p.name) FROM hsp.plan p")


def sql(cluster, db, query: str, user: str = OWNER) -> str:
    return cluster.psql(query, db=db, user=user).stdout.strip()


def plan(name: str, items: int) -> str:
    meta = '{"title": "A plan", "date": "2010-03-01", "author": "", "prepared_for": "", "source": "", "notes": ""}'
    docs = ", ".join(f'{{"number": {n}, "ref": "{n}", "recommendation": "Do it", "management_response": "", '
                     f'"deadline": "April 2010", "owner": "{CE}", "status": "in_progress", "milestones": [], '
                     f'"revisions": [], "repairs": [], "history": []}}' for n in range(1, items + 1))
    return f"SELECT hsp.add_plan('{name}', '{meta}', '[{docs}]', 'import', NULL)"


def test_a_version_9_database_keeps_each_plans_version_and_counts_on(cli, pg_cluster, pg_db, pg_people):
    conn = pgconnect.connect(pg_cluster.url(pg_db, OWNER))
    try:  # as version 9's init left it
        pgschema.install(conn, migrations=pgschema.parse_migrations(HSP_V9.read_text(encoding="utf-8")))
    finally:
        conn.close()
    assert sql(pg_cluster, pg_db, "SELECT value FROM hsp.info WHERE key = 'schema_version'") == "9"
    for statement in (plan("first", 3), plan("second", 2),
                      "SELECT hsp.add_note('first', 1, 'one'), hsp.add_note('first', 2, 'two'), "
                      "hsp.set_status('first', 3, 'blocked', 'waiting')",
                      f"SELECT hsp.set_contact('first', '{CE}', '[\"ce@haringey.example\"]')",
                      "SELECT hsp.add_note('second', 2, 'only this')"):
        pg_cluster.psql(statement, db=pg_db, user="alice")
    before = sql(pg_cluster, pg_db, V9_VERSIONS)
    assert before == "first=4,second=1"  # three item changes and a contact; one item change
    history = sql(pg_cluster, pg_db, "SELECT count(*) FROM hsp.history") + "/" + \
        sql(pg_cluster, pg_db, "SELECT count(*) FROM hsp.plan_history")

    r = cli("--db", pg_cluster.url(pg_db, OWNER), "init")
    assert r.code == 0, r.err
    assert f"upgraded hsp-tui from schema version 9 to {pgschema.SCHEMA_VERSION}; plans kept" in r.out
    assert sql(pg_cluster, pg_db, "SELECT count(*) FROM hsp.history") + "/" + \
        sql(pg_cluster, pg_db, "SELECT count(*) FROM hsp.plan_history") == history  # nothing rewritten

    alice = pg_cluster.url(pg_db, "alice")
    first, second = open_backend(alice, plan="first"), open_backend(pg_cluster.url(pg_db, "bob"), plan="second")
    try:
        ids = dict(line.split("|") for line in sql(pg_cluster, pg_db, "SELECT name, id FROM hsp.plan").splitlines())
        # the same version as before the upgrade: no change where there was none, nothing backwards
        assert first.change_token() == (int(ids["first"]), 4)
        assert second.change_token() == (int(ids["second"]), 1)
        # and from there every change counts one more, an item's or the contacts', in its own plan only
        assert cli("--db", alice, "--plan", "first", "note", "1", "after the upgrade").code == 0
        assert first.change_token()[1] == 5 and second.change_token()[1] == 1
        r = cli("--db", alice, "--plan", "first", "contact", "set", CE, "ce@haringey.example", "deputy@haringey.example")
        assert r.code == 0, r.err
        assert first.change_token()[1] == 6
        assert cli("--db", alice, "--plan", "second", "set", "1", "done").code == 0
        assert (first.change_token()[1], second.change_token()[1]) == (6, 2)
        # a plan added after the upgrade is counted the same way
        pg_cluster.psql(plan("third", 1), db=pg_db, user="alice")
        third = open_backend(alice, plan="third")
        try:
            start = third.change_token()
            assert cli("--db", alice, "--plan", "third", "note", "1", "new here").code == 0
            assert third.change_token() == (start[0], start[1] + 1)
        finally:
            third.close()
    finally:
        first.close()
        second.close()
