"""Nobody freezes, blocks or outlasts the others (issue 20): a held lock, an abused notification
queue, a reader's advisory locks, a client gone before its COMMIT.

eve is a hostile officer (hsp_officer), bob a reader, alice an officer. Sessions held open are
psycopg connections of the test (as a psql left at `BEGIN; SELECT ...;` would be).
"""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest

from sampling import sampled

from hsp_tui.domain.errors import HspError
from hsp_tui.domain.commands import AddNote
from hsp_tui.storage.contract import LockBusy, LockWait, LockWaitCancelled
from hsp_tui.storage.postgres import connect as pgconnect
from hsp_tui.storage.store import Store

PLAN = "haringey-2010"


@pytest.fixture
def held(pg_cluster, pg_plan_db):
    """Open sessions (closed at the end): `held(user, sql)` runs `sql` in a transaction left open."""
    opened = []

    def hold(user: str, statement: str, args=None):
        conn = psycopg.connect(pg_cluster.url(pg_plan_db, user))
        opened.append(conn)
        conn.execute(statement, args)
        return conn

    yield hold
    for conn in opened:
        conn.close()


def count(cluster, db, query: str) -> str:
    return cluster.psql(query, db=db).stdout.strip()


def history_of(cluster, db, number: int) -> str:
    return count(cluster, db, f"SELECT count(*) FROM hsp.history WHERE number = {number}")


# -- locks ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("holding", [
    f"SELECT hsp.lock_item('{PLAN}', 1)",
    f"SELECT hsp.add_note('{PLAN}', 1, 'and then I sat here')",  # once updated every change's counter row
])
def test_a_change_to_item_2_never_waits_on_a_lock_of_item_1(cli, pg_cluster, pg_plan_db, eve, held, holding):
    held(eve, holding)
    res = cli("--db", pg_cluster.url(pg_plan_db, "alice"), "note", "2", "not held up")
    assert res.code == 0, res.err


def test_a_held_item_gives_one_line_and_saves_nothing(cli, pg_cluster, pg_plan_db, eve, held):
    held(eve, f"SELECT hsp.lock_item('{PLAN}', 1)")
    before = history_of(pg_cluster, pg_plan_db, 1)
    res = cli("--db", pg_cluster.url(pg_plan_db, "alice"), "note", "1", "while eve sits")
    assert res.code == 6, res.err  # busy: try again
    assert len(res.err.strip().splitlines()) == 1 and "Traceback" not in res.err
    assert "recommendation 1: being changed by another session" in res.err and "nothing was saved" in res.err
    assert "lock_item" not in res.err
    assert history_of(pg_cluster, pg_plan_db, 1) == before


def test_held_contacts_give_one_line_and_save_nothing(cli, pg_cluster, pg_plan_db, eve, held):
    held(eve, f"SELECT hsp.lock_meta('{PLAN}')")
    res = cli("--db", pg_cluster.url(pg_plan_db, "alice"), "contact", "set", "Chief Executive", "ce@haringey.example")
    assert res.code == 6 and "contacts: being changed by another session" in res.err, res.err
    assert count(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.contact") == "0"


def test_stopping_the_wait_saves_nothing(pg_cluster, pg_plan_db, eve, held):
    """The app waits in a thread with a LockWait that Escape cancels (tui/lockwait.py): the server's
    row lock is waited for so, and stopping means nothing is saved, even once it is free."""
    holder = held(eve, f"SELECT hsp.lock_item('{PLAN}', 3)")
    store = Store(pg_cluster.url(pg_plan_db, "alice"))
    before = history_of(pg_cluster, pg_plan_db, 3)
    with pytest.raises(LockBusy):
        store.run(AddNote(3, "first try"), by="ignored", wait=LockWait(timeout=0))  # the app's first try: no wait
    started, stop = threading.Event(), threading.Event()
    outcome: list[BaseException | None] = []

    def save() -> None:
        try:
            store.run(AddNote(3, "after Escape"), by="ignored",
                      wait=LockWait(timeout=float("inf"), cancelled=stop.is_set, on_wait=lambda who: started.set()))
            outcome.append(None)
        except HspError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=save)
    thread.start()
    assert started.wait(30)  # it says it is waiting
    stop.set()               # Escape
    thread.join(30)
    assert isinstance(outcome[0], LockWaitCancelled)
    holder.rollback()
    assert history_of(pg_cluster, pg_plan_db, 3) == before
    store.backend.close()


@pytest.mark.parametrize("statement", sampled([
    "SELECT 1 FROM hsp.plan FOR NO KEY UPDATE",
    "SELECT 1 FROM hsp.plan FOR KEY SHARE",
    "SELECT 1 FROM hsp.item FOR UPDATE",
    "LOCK TABLE hsp.info IN SHARE ROW EXCLUSIVE MODE",
    "LOCK TABLE hsp.item IN SHARE MODE",
], 2))
def test_a_reader_cannot_take_a_lock_a_change_needs(pg_cluster, pg_plan_db, statement):
    proc = pg_cluster.psql(f"BEGIN; {statement}; COMMIT", db=pg_plan_db, user="bob", check=False)
    assert proc.returncode != 0 and "permission denied" in proc.stderr


def test_a_readers_advisory_locks_hold_up_no_change(cli, pg_cluster, pg_plan_db, held, tmp_path):
    """Every advisory lock hsp-tui ever used, held by a reader: contact set, import and the owner's
    init go ahead (they lock rows and tables a reader cannot lock)."""
    held("bob", "SELECT pg_advisory_xact_lock(hashtext('hsp-tui init')), "
                "pg_advisory_xact_lock(hashtext('hsp.plan:' || 'moved')), "
                "pg_advisory_xact_lock(hashtext('hsp.contact'), id) FROM hsp.plan")
    alice = pg_cluster.url(pg_plan_db, "alice")
    res = cli("--db", alice, "contact", "set", "Chief Executive", "ce@haringey.example")
    assert res.code == 0, res.err
    doc = tmp_path / "plan.json"
    assert cli("--db", alice, "export", "-o", str(doc)).code == 0
    res = cli("--db", alice, "import", str(doc), "--plan", "moved")
    assert res.code == 0, res.err
    res = cli("--db", pg_cluster.url(pg_plan_db, "hsp_owner"), "init")
    assert res.code == 0, res.err


# -- notifications ------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", sampled([
    f"hsp.add_note('{PLAN}', 1, 'n')",
    f"hsp.set_status('{PLAN}', 1, 'blocked')",
    f"hsp.set_contact('{PLAN}', 'Chief Executive', '[\"ce@haringey.example\"]')",
    f"hsp.record_reminder('{PLAN}', 1, '[\"ce@haringey.example\"]', 'Chief Executive', 'smtp')",
    "hsp.add_plan('other', '{\"title\": \"t\", \"date\": null, \"author\": \"\", \"prepared_for\": \"\", "
    "\"source\": \"\", \"notes\": \"\"}', '[]', NULL, NULL)",
], 2))
def test_a_change_queues_no_notification_in_its_own_transaction(pg_cluster, pg_plan_db, eve, call):
    """A full notification queue fails the COMMIT of any transaction that queued a NOTIFY (a reader
    can fill it: LISTEN, BEGIN, and many pg_notify calls). The change functions queue none: the
    client notifies after its COMMIT, best-effort. PostgreSQL refuses to PREPARE a transaction that
    queued a NOTIFY, which shows it here without filling an 8 GB queue."""
    conn = psycopg.connect(pg_cluster.url(pg_plan_db, eve))
    try:
        conn.tpc_begin(conn.xid(1, uuid.uuid4().hex, "hsp"))
        conn.execute(f"SELECT {call}")
        conn.tpc_prepare()  # raises "cannot PREPARE a transaction that has executed ... NOTIFY" if it queued one
        conn.tpc_rollback()
    finally:
        conn.close()


def test_a_change_is_heard_by_a_listener_after_it_commits(pg_cluster, pg_plan_db):
    listener = psycopg.connect(pg_cluster.url(pg_plan_db, "bob"), autocommit=True)
    try:
        listener.execute("LISTEN hsp_tui")
        Store(pg_cluster.url(pg_plan_db, "alice")).add_note(2, "heard", by="ignored")
        heard = [n.payload for n in listener.notifies(timeout=10, stop_after=1)]
    finally:
        listener.close()
    assert heard == ['{"plan": "haringey-2010", "number": 2}']


# -- sessions end by themselves ---------------------------------------------------------------------------
def test_sessions_carry_their_limits(pg_cluster, pg_plan_db):
    conn = pgconnect.connect(pg_cluster.url(pg_plan_db, "alice"))
    try:
        got = dict(conn.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                                [list(pgconnect.SESSION_SETTINGS)]).fetchall())
    finally:
        conn.close()
    assert got["idle_in_transaction_session_timeout"] == str(pgconnect.IDLE_IN_TRANSACTION_SECONDS * 1000)
    assert got["lock_timeout"] == str(pgconnect.LOCK_WAIT_SECONDS * 1000)


@pytest.fixture
def proxy(pg_cluster):
    from cutproxy import CutProxy

    cut = CutProxy(pg_cluster)
    try:
        yield cut
    finally:
        cut.close()


@pytest.mark.slow
def test_a_client_gone_before_its_commit_leaves_no_session_holding_locks(cli, pg_cluster, pg_plan_db, proxy, eve):
    """The COMMIT is lost on the way and the client never comes back (killed, its network gone):
    the server ends the session after its idle-in-transaction limit, and the item is free again."""
    conn = pgconnect.connect(proxy.url(pg_plan_db, eve))
    pid = conn.info.backend_pid
    conn.execute(f"SELECT hsp.add_note('{PLAN}', 7, 'never committed')")
    proxy.cut("before")
    with pytest.raises(psycopg.Error):
        conn.commit()
    assert proxy.cuts == 1
    state = f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid} AND state LIKE 'idle in transaction%'"
    assert count(pg_cluster, pg_plan_db, state) == "1"  # still there, holding item 7, as across a dropped network
    gone = f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}"
    limit = pgconnect.IDLE_IN_TRANSACTION_SECONDS
    ended = pg_cluster.psql(f"DO $$ BEGIN FOR i IN 1..{(limit + 30) * 10} LOOP EXIT WHEN ({gone}) = 0; "
                            "PERFORM pg_sleep(0.1); PERFORM pg_stat_clear_snapshot(); END LOOP; END $$; " + gone,
                            db=pg_plan_db).stdout.strip()
    assert ended == "0"
    res = cli("--db", pg_cluster.url(pg_plan_db, "alice"), "note", "7", "free again")
    assert res.code == 0, res.err
    assert count(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.history WHERE note = 'never committed'") == "0"


# -- reminders -------------------------------------------------------------------------------------------
def test_a_reminder_that_cannot_be_recorded_is_never_sent(cli, pg_cluster, pg_plan_db, eve, held, tmp_path):
    """An item of the reminder is held by another session: the message is not written (nor sent),
    and nothing is recorded; once the item is free, it goes and is recorded."""
    alice = pg_cluster.url(pg_plan_db, "alice")
    owner = "Assistant Chief Executive"
    assert cli("--db", alice, "contact", "set", owner, "ace@haringey.example", "--on", "2010-05-01").code == 0
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    holder = held(eve, f"SELECT hsp.lock_item('{PLAN}', 1)")  # item 1 is the Assistant Chief Executive's
    res = cli("--db", alice, "--as-of", "2010-06-01", "remind", "--owner", owner, "--outbox", str(outbox),
              "--from", "pmo@haringey.example")
    assert res.code == 1, res.err  # done in part: that reminder failed
    assert "not sent, as it could not be recorded now" in res.err and "Traceback" not in res.err
    assert list(outbox.iterdir()) == []
    assert count(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.history WHERE action = 'remind'") == "0"
    holder.rollback()
    res = cli("--db", alice, "--as-of", "2010-06-01", "remind", "--owner", owner, "--outbox", str(outbox),
              "--from", "pmo@haringey.example")
    assert res.code == 0, res.err
    assert len(list(outbox.iterdir())) == 1
    # recorded before it went (pending), then marked sent
    assert count(pg_cluster, pg_plan_db, "SELECT string_agg(coalesce(new ->> 'pending', '') || '/' || "
                 "coalesce(new ->> 'sent', ''), ',' ORDER BY id) FROM hsp.history WHERE action = 'remind' "
                 "AND number = 1") == "true/,/true"
