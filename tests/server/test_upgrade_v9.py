"""A database set up by schema version 8, whose contact entries recorded the addresses alone (so a
change of the sponsor alone looked like no change), is upgraded in place by `init` (version 9): its
entries are kept as they were and still read, the sponsor of a day they decide said to be not
recorded, and every change from then on records the sponsor."""

from __future__ import annotations

from pathlib import Path

from hsp_tui.storage.backends import open_backend
from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema
from pgharness import OWNER

HSP_V8 = Path(__file__).parent / "data" / "hsp_v8.sql"
PLAN = "moved"
ACE = "Assistant Chief Executive"


def sql(cluster, db, query: str, user: str = OWNER) -> str:
    return cluster.psql(query, db=db, user=user).stdout.strip()


def test_a_version_8_database_keeps_its_contact_entries_and_records_sponsors_from_then_on(cli, pg_cluster, pg_db,
                                                                                       pg_people):
    conn = pgconnect.connect(pg_cluster.url(pg_db, OWNER))
    try:  # as version 8's init left it
        pgschema.install(conn, migrations=pgschema.parse_migrations(HSP_V8.read_text(encoding="utf-8")))
    finally:
        conn.close()
    assert sql(pg_cluster, pg_db, "SELECT value FROM hsp.info WHERE key = 'schema_version'") == "8"
    meta = '{"title": "Moved plan", "date": "2010-03-01", "author": "", "prepared_for": "", "source": "", "notes": ""}'
    items = ('[{"number": 1, "ref": "1", "recommendation": "Do it", "management_response": "", "deadline": "April 2010",'
             f' "owner": "{ACE}", "status": "in_progress", "milestones": [], "revisions": [], "repairs": [],'
             ' "history": []}]')
    pg_cluster.psql(f"SELECT hsp.add_plan('{PLAN}', '{meta}', '{items}', 'import', NULL)", db=pg_db, user="alice")
    for on, sponsor in (("2010-05-01", "ce@haringey.example"), ("2010-09-01", "deputy@haringey.example")):
        pg_cluster.psql(f"SELECT set_config('hsp.on', '{on}', true); SELECT hsp.set_contact('{PLAN}', '{ACE}', "
                        f"'[\"ace@haringey.example\"]', '[\"{sponsor}\"]')", db=pg_db, user="alice")
    entries = "SELECT coalesce(old::text, '') || '|' || new::text FROM hsp.plan_history ORDER BY id"
    before = sql(pg_cluster, pg_db, entries).splitlines()
    # the fault: the second entry (the sponsor changed) says nothing changed
    assert before == ['|["ace@haringey.example"]', '["ace@haringey.example"]|["ace@haringey.example"]']
    alice = pg_cluster.url(pg_db, "alice")
    r = cli("--db", alice, "--plan", PLAN, "contact", "list")
    assert r.code == 3 and "init" in r.err

    r = cli("--db", pg_cluster.url(pg_db, OWNER), "init")
    assert r.code == 0, r.err
    assert f"upgraded hsp-tui from schema version 8 to {pgschema.SCHEMA_VERSION}; plans kept" in r.out
    assert sql(pg_cluster, pg_db, entries).splitlines() == before  # history is never rewritten

    def listed(*as_of: str) -> str:
        r = cli("--db", alice, "--plan", PLAN, *as_of, "contact", "list")
        assert r.code == 0, r.err
        return next(line for line in r.out.splitlines() if line.startswith(ACE))

    # the entries still read: the contact as it is, and as it stood before the second (its sponsor unknown)
    assert listed() == f"{ACE}: ace@haringey.example (sponsor: deputy@haringey.example)"
    assert listed("--as-of", "2010-08-31") == f"{ACE}: ace@haringey.example (sponsor not recorded)"
    backend = open_backend(alice, plan=PLAN)
    try:
        history = backend.load_plan().meta.history
    finally:
        backend.close()
    assert [h.describe() for h in history] == [
        f"contact for {ACE}: ace@haringey.example",
        f"contact for {ACE}: ace@haringey.example (its sponsor changed: not recorded)"]

    # from now on each change records the sponsor, before and after: a change of it alone too
    r = cli("--db", alice, "--plan", PLAN, "contact", "set", ACE, "ace@haringey.example",
            "--sponsor", "ce@haringey.example", "--on", "2010-10-01")
    assert r.code == 0, r.err
    assert sql(pg_cluster, pg_db, "SELECT old::text || '|' || new::text FROM hsp.plan_history WHERE id = 3") == (
        '{"sponsor": ["deputy@haringey.example"], "addresses": ["ace@haringey.example"]}|'
        '{"sponsor": ["ce@haringey.example"], "addresses": ["ace@haringey.example"]}')
    assert listed("--as-of", "2010-09-30") == f"{ACE}: ace@haringey.example (sponsor: deputy@haringey.example)"
    assert listed("--as-of", "2010-08-31") == f"{ACE}: ace@haringey.example (sponsor not recorded)"
    assert listed() == f"{ACE}: ace@haringey.example (sponsor: ce@haringey.example)"
