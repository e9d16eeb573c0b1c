"""A database set up by schema version 2 (owners keyed by lower() and btrim, so "Straße Lead" and
"STRASSE Lead" could be two contacts) is upgraded in place by `init`: contacts keyed as hsp-tui
compares owners, the one set last kept where two are now one owner, the other removed with an
entry of the plan's history saying so."""

from __future__ import annotations

from pathlib import Path

from hsp_tui.storage.postgres import install as pgschema
from pgharness import OWNER

SCHEMA_V2 = Path(__file__).parent / "data" / "schema_v2.sql"
PLAN = "moved"


def sql(cluster, db, query: str, user: str = OWNER) -> str:
    return cluster.psql(query, db=db, user=user).stdout.strip()


def test_a_version_2_database_gets_one_contact_per_owner(cli, pg_cluster, pg_db, pg_people):
    pg_cluster.psql(" ".join(f"GRANT {g} TO {m};" for g, m in pgschema.MEMBERSHIPS))  # as version 2's init did
    pg_cluster.psql(SCHEMA_V2.read_text(encoding="utf-8"), db=pg_db, user=OWNER)
    meta = '{"title": "Moved plan", "date": "2010-03-01", "author": "", "prepared_for": "", "source": "", "notes": ""}'
    items = ('[{"number": 1, "ref": "1", "recommendation": "Do it", "management_response": "", "deadline": "April 2010",'
             ' "owner": "Straße Lead", "status": "in_progress", "milestones": [], "revisions": [], "repairs": [],'
             ' "history": []}]')
    pg_cluster.psql(f"SELECT hsp.add_plan('{PLAN}', '{meta}', '{items}', 'import', NULL)", db=pg_db, user="alice")
    for owner, address in (("Straße Lead", "old@x.org"), ("STRASSE Lead", "new@x.org"),
                           ("Chief Executive", "ce@x.org"), ("chief\u00a0executive", "ce2@x.org"),
                           ("Head of Policy", "hp@x.org")):
        pg_cluster.psql(f"SELECT hsp.set_contact('{PLAN}', '{owner}', '[\"{address}\"]')", db=pg_db, user="alice")
    assert sql(pg_cluster, pg_db, "SELECT count(*) FROM hsp.contact") == "5"  # the bug: two rows for one owner
    r = cli("--db", pg_cluster.url(pg_db, "alice"), "--plan", PLAN, "contact", "list")
    assert r.code == 3 and "init" in r.err

    r = cli("--db", pg_cluster.url(pg_db, OWNER), "init")
    assert r.code == 0, r.err
    assert f"upgraded hsp-tui from schema version 2 to {pgschema.SCHEMA_VERSION}; plans kept" in r.out

    listed = cli("--db", pg_cluster.url(pg_db, "bob"), "--plan", PLAN, "contact", "list")
    assert listed.code == 0, listed.err
    lines = sorted(line for line in listed.out.splitlines() if "@" in line)
    assert lines == ["Head of Policy: hp@x.org", "Straße Lead: new@x.org", "chief\u00a0executive: ce2@x.org"]  # the item says Straße
    removed = sql(pg_cluster, pg_db, "SELECT field || '|' || old::text || '|' || coalesce(new::text, '') || '|' || by "
                                     "|| '|' || note FROM hsp.plan_history WHERE id > 5 ORDER BY id")
    assert removed.splitlines() == [
        "Chief Executive|[\"ce@x.org\"]||hsp_owner|the same owner as 'chief\u00a0executive' (owners now compare "
        "as hsp-tui compares them); its contact is kept",
        "Straße Lead|[\"old@x.org\"]||hsp_owner|the same owner as 'STRASSE Lead' (owners now compare as hsp-tui "
        "compares them); its contact is kept"]
    # one owner from now on, however it is written
    r = cli("--db", pg_cluster.url(pg_db, "alice"), "--plan", PLAN, "contact", "set", "straße  lead", "last@x.org")
    assert r.code == 0 and "contact for STRASSE Lead: last@x.org" in r.out, r.out + r.err
    assert sql(pg_cluster, pg_db, "SELECT count(*) FROM hsp.contact") == "3"
    r = cli("--db", pg_cluster.url(pg_db, OWNER), "init")
    assert r.code == 0 and "up to date" in r.out
