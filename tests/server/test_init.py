"""`hsp-tui --db URL init [--empty]`: setting up, repeating, upgrading; the schema-missing message;
passwords never printed; --user refused with a server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema
from pgharness import OWNER, PASSWORD_GROUP, destroy, seed_data, start_cluster


def count(cluster, db, sql):
    return cluster.psql(sql, db=db).stdout.strip()


def test_init_sets_up_the_schema_roles_and_seed_plan(cli, pg_cluster, pg_db):
    res = cli("--db", pg_cluster.url(pg_db, OWNER), "init")
    assert res.code == 0, res.err
    assert f"schema version {pgschema.SCHEMA_VERSION}" in res.out and "haringey-2010" in res.out
    assert "GRANT hsp_officer TO alice" in res.out  # tells the owner what to do next
    assert count(pg_cluster, pg_db, "SELECT count(*) FROM hsp.item") == "12"
    # each item has its creation entry, by the owner who ran init, at the server's time
    assert count(pg_cluster, pg_db, "SELECT string_agg(DISTINCT by || '/' || action, ',') FROM hsp.history") \
        == f"{OWNER}/create"
    assert count(pg_cluster, pg_db, "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles "
                                    "WHERE rolname LIKE 'hsp\\_%' AND rolname <> 'hsp_owner' "
                                    f"AND rolname <> '{PASSWORD_GROUP}'") == "hsp_auditor,hsp_officer,hsp_reader"
    assert count(pg_cluster, pg_db, "SELECT pg_has_role('hsp_auditor', 'hsp_officer', 'MEMBER') AND "
                                    "pg_has_role('hsp_officer', 'hsp_reader', 'MEMBER')") == "t"


def test_init_again_changes_nothing(cli, pg_cluster, pg_db):
    url = pg_cluster.url(pg_db, OWNER)
    assert cli("--db", url, "init").code == 0
    before = count(pg_cluster, pg_db, "SELECT count(*), max(recorded_at) FROM hsp.history")
    res = cli("--db", url, "init")
    assert res.code == 0, res.err
    assert "up to date" in res.out and "seed" not in res.out
    assert count(pg_cluster, pg_db, "SELECT count(*), max(recorded_at) FROM hsp.history") == before
    assert count(pg_cluster, pg_db, "SELECT count(*) FROM hsp.plan") == "1"


def test_init_empty_loads_no_plan(cli, pg_cluster, pg_db):
    res = cli("--db", pg_cluster.url(pg_db, OWNER), "init", "--empty")
    assert res.code == 0, res.err
    assert "seed" not in res.out
    assert count(pg_cluster, pg_db, "SELECT count(*) FROM hsp.plan") == "0"
    assert count(pg_cluster, pg_db, "SELECT value FROM hsp.info WHERE key = 'schema_version'") == \
        str(pgschema.SCHEMA_VERSION)


@pytest.mark.slow
def test_two_inits_at_once_both_succeed_and_load_the_seed_once(pg_cluster, pg_db, tmp_path):
    url = pg_cluster.url(pg_db, OWNER)
    env = {**os.environ, "HOME": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-m", "hsp_tui", "--db", url, "init"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    assert count(pg_cluster, pg_db, "SELECT count(*) FROM hsp.item") == "12"


def test_init_by_someone_other_than_the_owner_is_refused(cli, pg_cluster, pg_db, pg_people):
    res = cli("--db", pg_cluster.url(pg_db, "alice"), "init")
    assert res.code != 0
    assert len(res.err.strip().splitlines()) == 1 and "owner" in res.err and "Traceback" not in res.err
    assert count(pg_cluster, pg_db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'hsp'") == "0"


def test_init_on_a_plan_file_says_it_needs_no_setup(cli, tmp_path):
    res = cli("--db", str(tmp_path / "plan.json"), "init")
    assert res.code == 2 and "postgresql://" in res.err
    assert not (tmp_path / "plan.json").exists()


@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["note", "1", "x"], ["export"]])
def test_every_other_command_on_a_database_without_the_schema_says_to_run_init(cli, pg_cluster, pg_db,
                                                                                 command):
    res = cli("--db", pg_cluster.url(pg_db, OWNER), *command)
    assert res.code == 3
    assert "init" in res.err and len(res.err.strip().splitlines()) == 1
    assert count(pg_cluster, pg_db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'hsp'") == "0"


def test_a_database_set_up_by_a_newer_hsp_tui_is_refused(cli, pg_cluster, pg_plan_db):
    pg_cluster.psql("UPDATE hsp.info SET value = '99' WHERE key = 'schema_version'", db=pg_plan_db, user=OWNER)
    for command in (["init"], ["list"]):
        res = cli("--db", pg_cluster.url(pg_plan_db, OWNER), *command)
        assert res.code == 3 and "newer hsp-tui" in res.err, res.err
    assert count(pg_cluster, pg_plan_db, "SELECT value FROM hsp.info WHERE key = 'schema_version'") == "99"


def test_the_shipped_sql_and_the_code_agree_on_the_schema_version():
    assert pgschema.load_migrations().latest == pgschema.SCHEMA_VERSION


def test_an_older_schema_is_upgraded_in_place_keeping_its_plans(pg_cluster, pg_plan_db, pg_people):
    """The upgrade path: the next version's section runs once, on the plans already there, in
    the same transaction as the functions and grants (here a next version made for the test; the
    real upgrade from version 1 is in test_followup_server.py)."""
    pg_cluster.psql("SELECT hsp.set_status('haringey-2010', 2, 'blocked', 'waiting')", db=pg_plan_db, user="alice")
    current = pgschema.load_migrations()
    latest = current.latest
    newer = pgschema.Migrations(
        {**current.versions, latest + 1: "ALTER TABLE hsp.item ADD COLUMN verified boolean NOT NULL DEFAULT false;"},
        current.functions)
    conn = pgconnect.connect(pg_cluster.url(pg_plan_db, OWNER))
    try:
        result = pgschema.install(conn, migrations=newer, seed=seed_data)
        again = pgschema.install(conn, migrations=newer)
    finally:
        conn.close()
    assert (result.before, result.after, result.seeded) == (latest, latest + 1, None)
    assert (again.before, again.after) == (latest + 1, latest + 1)
    assert count(pg_cluster, pg_plan_db, "SELECT value FROM hsp.info WHERE key = 'schema_version'") == str(latest + 1)
    assert count(pg_cluster, pg_plan_db, "SELECT status || verified::text FROM hsp.item WHERE number = 2") \
        == "blockedfalse"
    assert count(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.history WHERE number = 2") == "2"
    # the grants were applied again: alice still changes items, only through the functions
    pg_cluster.psql("SELECT hsp.add_note('haringey-2010', 2, 'after the upgrade')", db=pg_plan_db, user="alice")


@pytest.mark.slow
def test_where_the_owner_may_not_create_roles_init_prints_what_an_administrator_runs(cli, pg_bindir):
    cluster = start_cluster(pg_bindir)  # its own cluster: the group roles must not exist yet
    try:
        cluster.psql("CREATE ROLE plain_owner LOGIN")
        db = cluster.create_database(owner="plain_owner")
        url = cluster.url(db, "plain_owner")
        res = cli("--db", url, "init")
        assert res.code == 1
        statements = [line.strip() for line in res.out.splitlines() if line.startswith("    ")]
        assert statements == pgschema.role_statements()
        assert count(cluster, db, "SELECT count(*) FROM pg_roles WHERE rolname IN "
                                  "('hsp_reader', 'hsp_officer', 'hsp_auditor')") == "0"
        # the administrator runs them as printed; init again grants the rights
        cluster.psql(" ".join(statements))
        res = cli("--db", url, "init")
        assert res.code == 0, res.out + res.err
        cluster.psql("CREATE ROLE alice LOGIN; GRANT hsp_officer TO alice;")
        cluster.psql("SELECT hsp.add_note('haringey-2010', 1, 'it works')", db=db, user="alice")
    finally:
        destroy(cluster)


# -- passwords and names -----------------------------------------------------------------------
SECRET = "s3cr3t-Pa55"


@pytest.fixture
def dave(pg_cluster, pg_people):
    """dave logs in with a password only, and is an officer."""
    pg_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dave') THEN "
                    "CREATE ROLE dave LOGIN; END IF; END $$; "
                    f"ALTER ROLE dave PASSWORD '{SECRET}'; GRANT {PASSWORD_GROUP} TO dave; GRANT hsp_officer TO dave")
    return "dave"


def test_where_never_prints_the_password(cli, pg_cluster, pg_plan_db, dave):
    url = pg_cluster.url(pg_plan_db, dave, password=SECRET)
    res = cli("--db", url, "where")
    assert res.code == 0 and SECRET not in res.out + res.err
    assert res.out.strip() == pg_cluster.url(pg_plan_db, dave)
    res = cli("where", env={"HSP_TUI_DB": url + "&password=" + SECRET})
    assert SECRET not in res.out and "dave@" in res.out


def test_a_wrong_password_is_one_line_without_any_password(cli, pg_cluster, pg_plan_db, dave):
    res = cli("--db", pg_cluster.url(pg_plan_db, dave, password="wrong-" + SECRET), "init")
    assert res.code == 3 and "password authentication failed" in res.err
    assert SECRET not in res.err and len(res.err.strip().splitlines()) == 1
    res = cli("--db", pg_cluster.url(pg_plan_db, dave), "list", env={"PGPASSWORD": "wrong-" + SECRET})
    assert res.code == 3 and SECRET not in res.err


def test_pgpassword_and_pgpass_are_used(cli, pg_cluster, pg_plan_db, dave, tmp_path):
    url = pg_cluster.url(pg_plan_db, dave)
    res = cli("--db", url, "init", env={"PGPASSWORD": SECRET})  # dave is not the owner: refused, but logged in
    assert "owner" in res.err and "password" not in res.err
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    pgpass = home / ".pgpass"
    pgpass.write_text(f"*:*:*:dave:{SECRET}\n")
    pgpass.chmod(0o600)
    res = cli("--db", url, "init")
    assert "owner" in res.err and "password" not in res.err


def test_redact_removes_passwords_from_uris():
    assert pgconnect.redact("postgresql://a:p%40ss@db.example:5432/hsp?sslmode=verify-full") \
        == "postgresql://a@db.example:5432/hsp?sslmode=verify-full"
    assert pgconnect.redact("postgres://a@/hsp?host=/tmp/s&password=x") == "postgres://a@/hsp?host=/tmp/s"
    assert "p@ss" not in pgconnect.describe_error(Exception("bad p@ss here"), "postgresql://a:p%40ss@h/d")


@pytest.mark.parametrize("how", ["option", "env"])
def test_user_is_refused_with_a_server(cli, pg_cluster, pg_plan_db, how):
    url = pg_cluster.url(pg_plan_db, "alice")
    args = ["--db", url] + (["--user", "carol"] if how == "option" else []) + ["note", "1", "x"]
    res = cli(*args, env={"HSP_TUI_USER": "carol"} if how == "env" else None)
    assert res.code == 2 and "records the user you logged in as" in res.err
    assert len(res.err.strip().splitlines()) == 1
    assert count(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.history WHERE by = 'carol'") == "0"
