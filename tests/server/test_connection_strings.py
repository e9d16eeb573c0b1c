"""Connection strings as libpq reads them (issue 20): a password is never printed, whatever
characters it holds; a key=value string works; anything else that looks like a connection string
is refused in one line, never taken for a plan file's path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgharness import PASSWORD_GROUP

# '#', '?' and '&' in a password: a URL parser that is not libpq's cuts the URI there.
SECRET = "Pa#ss-w0rd?x&y"
TCP_URI = "postgresql://mallory:Pa#ss-w0rd@127.0.0.1:9/hsp"  # port 9: nothing listens there


def one_line(res) -> str:
    lines = res.err.strip().splitlines()
    assert len(lines) == 1, res.err
    return lines[0]


@pytest.fixture
def erin(pg_cluster, pg_people):
    """erin logs in with a password holding '#', '?' and '&' only, and is an officer."""
    pg_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'erin') THEN "
                    "CREATE ROLE erin LOGIN; END IF; END $$; "
                    f"ALTER ROLE erin PASSWORD '{SECRET}'; GRANT {PASSWORD_GROUP} TO erin; GRANT hsp_officer TO erin")
    return "erin"


def raw_uri(cluster, db, user, password) -> str:
    """The password written as a person types it, not percent-encoded (libpq takes it so)."""
    return f"postgresql://{user}:{password}@/{db}?host={cluster.socket_dir}"


def test_where_and_every_error_hide_a_password_with_a_hash(cli):
    res = cli("--db", TCP_URI, "where")
    assert res.code == 0 and "Pa" not in res.out and "w0rd" not in res.out
    assert res.out.strip() == "postgresql://mallory@127.0.0.1:9/hsp"
    res = cli("--db", TCP_URI, "list")
    assert res.code == 3 and "w0rd" not in res.err and "Pa#" not in res.err
    assert one_line(res).startswith("hsp-tui: error: postgresql://mallory@127.0.0.1:9/hsp: cannot connect")
    res = cli("--db", "postgresql://mallory:Pa?ss-w0rd@127.0.0.1:9/hsp", "where")
    assert res.code == 0 and "w0rd" not in res.out and res.out.strip() == "postgresql://mallory@127.0.0.1:9/hsp"


def test_a_password_with_hash_and_question_mark_logs_in_and_is_never_shown(cli, pg_cluster, pg_plan_db, erin):
    url = raw_uri(pg_cluster, pg_plan_db, erin, SECRET)
    res = cli("--db", url, "note", "1", "from erin")
    assert res.code == 0, res.err
    assert "w0rd" not in res.out + res.err
    res = cli("--db", url, "where")
    assert res.out.strip() == pg_cluster.url(pg_plan_db, erin)
    wrong = raw_uri(pg_cluster, pg_plan_db, erin, "Wr#ng?pw")
    res = cli("--db", wrong, "list")
    assert res.code == 3 and "password authentication failed" in res.err
    assert "Wr#ng" not in res.err and "ng?pw" not in res.err and "erin@" in one_line(res)


def test_a_password_libpq_would_read_as_the_address_is_refused_unconnected(cli, tmp_path):
    # '@' and '/' unencoded: libpq reads part of the password as the host or the database name
    for uri in ("postgresql://mallory:p@ss@127.0.0.1:9/hsp", "postgresql://mallory:pa/ss@127.0.0.1:9/hsp"):
        res = cli("--db", uri, "where")
        line = one_line(res)
        assert res.code == 2 and "percent-encoded" in line
        assert "ss@" not in line and "pa/ss" not in line


def test_a_key_value_connection_string_works_and_hides_its_password(cli, pg_cluster, pg_plan_db, erin):
    conninfo = f"host={pg_cluster.socket_dir} dbname={pg_plan_db} user={erin} password='{SECRET}'"
    res = cli("--db", conninfo, "note", "2", "by key=value")
    assert res.code == 0, res.err
    assert pg_cluster.psql("SELECT by FROM hsp.history WHERE number = 2 AND note = 'by key=value'",
                           db=pg_plan_db).stdout.strip() == "erin"
    res = cli("--db", conninfo, "where")
    assert res.code == 0 and "w0rd" not in res.out
    assert res.out.strip() == f"host={pg_cluster.socket_dir} dbname={pg_plan_db} user=erin"
    res = cli("--db", conninfo.replace(SECRET, "Wr#ng pw"), "list")
    assert res.code == 3 and "Wr#ng" not in res.err and "password authentication failed" in one_line(res)


@pytest.mark.parametrize("target", [
    "postgresql+psycopg://alice:s3cret@db/hsp", "jdbc:postgresql://db/hsp?password=s3cret",
    "mysql://alice:s3cret@db/hsp", "dbnme=hsp user=alice password=s3cret"])
def test_what_looks_like_a_connection_string_but_is_not_one_is_refused_never_a_file(cli, tmp_path, target):
    for env, args in (({}, ["--db", target]), ({"HSP_TUI_DB": target}, [])):
        res = cli(*args, "note", "1", "x", env=env)
        line = one_line(res)
        assert res.code == 2 and "s3cret" not in line and "nothing was done" in line
    # nothing was created anywhere: not beside the command, not in the data folder
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and "s3cret" in str(p)]
    assert not list(Path(tmp_path / "home").rglob("plan.json"))


def test_a_file_path_is_still_a_file(cli, tmp_path):
    res = cli("--db", str(tmp_path / "a=b plan.json"), "where")  # "a" is no libpq keyword: not refused
    assert res.code == 0 and res.out.strip().endswith("a=b plan.json")


def test_a_plan_files_commands_never_load_the_database_driver(cli, tmp_path):
    # the start-up of a file's `note` is unchanged: psycopg is loaded only when a server is named
    probe = ("import sys\nfrom hsp_tui.__main__ import main\n"  # `run` would end the process at once
             "assert main(['--db', sys.argv[1], 'note', '1', 'x']) == 0\n"
             "print('psycopg' in sys.modules)")
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "plan.json")], capture_output=True,
                         text=True, cwd=tmp_path, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout + out.stderr
