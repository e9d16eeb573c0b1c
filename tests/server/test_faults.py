"""The server stopped or restarted, a session killed (pg_terminate_backend): one line, exit 3, no
traceback; a change cut off is saved whole or not at all, and the user is told which.

These stop and start a cluster of their own (the session's cluster serves the other tests).
"""

from __future__ import annotations

import pytest

from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema
from hsp_tui.storage.postgres.connect import ServerError
from hsp_tui.domain.records import Status
from hsp_tui.storage.store import Store
from pgharness import OWNER, destroy, seed_data, start_cluster

PLAN = "haringey-2010"


@pytest.fixture(scope="module")
def own_cluster(pg_bindir):
    cluster = start_cluster(pg_bindir)
    try:
        cluster.psql("CREATE ROLE hsp_reader NOLOGIN; CREATE ROLE hsp_officer NOLOGIN IN ROLE hsp_reader; "
                     "CREATE ROLE hsp_auditor NOLOGIN IN ROLE hsp_officer; CREATE ROLE alice LOGIN IN ROLE hsp_officer")
        yield cluster
    finally:
        destroy(cluster)


@pytest.fixture
def db(own_cluster):
    own_cluster.start() if own_cluster.pg_ctl("status", check=False).returncode != 0 else None
    name = own_cluster.create_database()
    conn = pgconnect.connect(own_cluster.url(name, OWNER))
    try:
        pgschema.install(conn, seed=seed_data)
    finally:
        conn.close()
    return name


def kill_sessions_of(cluster, db, user="alice"):
    cluster.psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{user}' "
                 f"AND datname = '{db}'")


def history_of(cluster, db, number):
    return cluster.psql(f"SELECT count(*) FROM hsp.history WHERE number = {number}", db=db).stdout.strip()


def one_line_exit_3(res):
    assert res.code == 3, (res.code, res.err)
    assert len(res.err.strip().splitlines()) == 1 and "Traceback" not in res.err + res.out


@pytest.mark.slow
def test_a_stopped_server_is_one_line_exit_3_and_a_restarted_one_works_again(cli, own_cluster, db):
    url = own_cluster.url(db, "alice")
    own_cluster.stop()
    try:
        for command in (["list"], ["note", "1", "while it was down"], ["plans"]):
            res = cli("--db", url, *command)
            one_line_exit_3(res)
            assert "cannot connect" in res.err
    finally:
        own_cluster.start()
    assert cli("--db", url, "note", "1", "back up").code == 0
    assert "while it was down" not in cli("--db", url, "show", "1").out


def test_a_session_killed_while_idle_is_reconnected_for_the_next_read_or_change(own_cluster, db):
    store = Store(own_cluster.url(db, "alice"))
    store.load()
    kill_sessions_of(own_cluster, db)
    assert len(store.load().recommendations) == 12  # read again on a new connection
    kill_sessions_of(own_cluster, db)
    change = store.add_note(2, "after the kill", by="ignored")
    assert change.entry is not None and store.load().get(2).latest_note == "after the kill"


def test_a_change_cut_off_before_commit_is_not_saved_and_says_so(own_cluster, db):
    store = Store(own_cluster.url(db, "alice"))
    before = history_of(own_cluster, db, 3)
    with pytest.raises(ServerError, match="NOT saved"):
        with store.backend.transaction(3, by="ignored") as txn:
            rec = txn.get()  # the row is locked, the transaction open
            kill_sessions_of(own_cluster, db)
            from hsp_tui.domain.commands import SetStatus

            outcome = SetStatus(3, Status.DONE, None).apply(rec, txn.stamp(rec))
            txn.put(outcome.record, outcome.entry)
    assert history_of(own_cluster, db, 3) == before
    assert own_cluster.psql("SELECT status FROM hsp.item WHERE number = 3", db=db).stdout.strip() == "not_started"
    # and the store goes on, on a new connection
    assert store.set_status(3, Status.DONE, by="ignored").entry is not None


def test_a_server_restarted_between_two_changes(own_cluster, db):
    store = Store(own_cluster.url(db, "alice"))
    store.add_note(1, "before the restart", by="ignored")
    own_cluster.stop()
    own_cluster.start()
    store.add_note(1, "after the restart", by="ignored")
    notes = [h.note for h in store.load().get(1).history if h.action == "note"]
    assert notes == ["before the restart", "after the restart"]


def test_an_error_from_the_server_never_shows_the_password(cli, own_cluster, db):
    own_cluster.psql("CREATE ROLE erin LOGIN PASSWORD 'top-secret-9' IN ROLE hsp_officer; "
                     "GRANT hsp_pw TO erin")
    url = own_cluster.url(db, "erin", password="top-secret-9")
    own_cluster.stop()
    try:
        res = cli("--db", url, "note", "1", "x")
    finally:
        own_cluster.start()
    one_line_exit_3(res)
    assert "top-secret-9" not in res.err and "erin@" in res.err


@pytest.fixture
def proxy(own_cluster):
    from cutproxy import CutProxy

    cut = CutProxy(own_cluster)
    try:
        yield cut
    finally:
        cut.close()


def notes_of(cluster, db, number, text):
    return cluster.psql(f"SELECT count(*) FROM hsp.history WHERE number = {number} AND note = '{text}'",
                        db=db).stdout.strip()


def test_a_change_whose_commit_reply_is_lost_was_saved_once_and_is_reported_done(cli, own_cluster, db, proxy):
    # The server commits; the connection dies before its reply reaches the client. Asked on a new
    # connection, the server says the transaction committed: the change is reported as made.
    before = history_of(own_cluster, db, 4)
    proxy.cut("after")
    res = cli("--db", proxy.url(db, "alice"), "note", "4", "the reply was lost")
    assert proxy.cuts == 1
    assert res.code == 0, res.err
    assert res.out.startswith("4: note added") and "Traceback" not in res.err
    assert int(history_of(own_cluster, db, 4)) == int(before) + 1
    assert notes_of(own_cluster, db, 4, "the reply was lost") == "1"


def test_a_change_whose_commit_never_reached_the_server_is_not_saved_and_says_so(cli, own_cluster, db, proxy):
    # The COMMIT is lost on the way, and the server does not know the client is gone (a dropped
    # network): its transaction is still open, the item's row locked. The client ends it, then
    # knows for sure that nothing was saved, and a colleague can change the item at once.
    before = history_of(own_cluster, db, 5)
    proxy.cut("before")
    res = cli("--db", proxy.url(db, "alice"), "set", "5", "done")
    assert proxy.cuts == 1
    one_line_exit_3(res)
    assert "the change was NOT saved" in res.err
    assert history_of(own_cluster, db, 5) == before
    assert own_cluster.psql("SELECT status FROM hsp.item WHERE number = 5", db=db).stdout.strip() == "not_started"
    assert own_cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'alice' "
                            "AND state LIKE 'idle in transaction%'").stdout.strip() == "0"
    assert cli("--db", own_cluster.url(db, "alice"), "set", "5", "done").code == 0
