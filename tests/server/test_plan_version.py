"""The plan's version on a server (issue 25): what the app polls to notice a colleague's change, read
in O(1) from a few counter slots (hsp.plan_changes) that only the change functions write.

Every committed change adds one, whatever it changes (an item or the contacts); a change that
changes nothing, or is rolled back, adds nothing; nobody with psql (an officer, a reader) can write
the counter or lock it; a change waits for another only when every slot is held by changes under way.

eve is a hostile officer with psql (hsp_officer), alice an officer, bob a reader, carol an auditor.
"""

from __future__ import annotations

import threading

import psycopg
import pytest

from sampling import sampled

from hsp_tui.storage.backends import open_backend

PLAN = "haringey-2010"
CE = "Chief Executive"


@pytest.fixture
def version(pg_cluster, pg_plan_db):
    """`version()`: the plan's version as bob (a reader) polls it, as the app does (`change_token`)."""
    backend = open_backend(pg_cluster.url(pg_plan_db, "bob"), plan=PLAN)
    yield lambda: backend.change_token()[1]
    backend.close()


def psql(cluster, db, user: str, sql: str, check: bool = True):
    return cluster.psql(sql, db=db, user=user, check=check)


def test_every_committed_change_adds_one_and_nothing_else_does(pg_cluster, pg_plan_db, version):
    seen = [version()]

    def after(user: str, sql: str, added: int = 1) -> None:
        psql(pg_cluster, pg_plan_db, user, sql)
        seen.append(version())
        assert seen[-1] == seen[-2] + added, (sql, seen)

    after("alice", f"SELECT hsp.add_note('{PLAN}', 1, 'met the PCT')")
    after("alice", f"SELECT hsp.set_status('{PLAN}', 2, 'done', 'finished')")
    after("alice", f"SELECT hsp.set_status('{PLAN}', 2, 'done')", added=0)  # the same again: no change
    after("carol", f"SELECT hsp.verify('{PLAN}', 2, true, 'seen the minutes')")
    after("alice", f"SELECT hsp.set_owner('{PLAN}', 3, 'Director of Finance')")
    after("alice", f"SELECT hsp.revise('{PLAN}', 4, 'March 2011', 'the board moved')")
    after("alice", f"SELECT hsp.attach('{PLAN}', 5, '{{\"url\": \"https://example.org/minutes\"}}')")
    after("alice", f"SELECT hsp.record_reminder('{PLAN}', 6, '[\"ce@haringey.example\"]', '{CE}', 'smtp')")
    after("alice", f"SELECT hsp.set_contact('{PLAN}', '{CE}', '[\"ce@haringey.example\"]')")  # the plan's own
    after("alice", f"SELECT hsp.set_contact('{PLAN}', '{CE}', '[\"ce@haringey.example\"]')", added=0)
    after("alice", f"BEGIN; SELECT hsp.add_note('{PLAN}', 7, 'thought better of it'); ROLLBACK", added=0)
    after("alice", f"SELECT hsp.add_note('{PLAN}', 7, 'one'), hsp.add_note('{PLAN}', 8, 'two')", added=2)


def test_the_version_counts_on_across_the_app_and_psql(cli, pg_cluster, pg_plan_db, version):
    """What a change through hsp-tui says it left is the version every reader sees next."""
    backend = open_backend(pg_cluster.url(pg_plan_db, "alice"), plan=PLAN)
    try:
        from hsp_tui.storage.store import Store

        change = Store(backend).add_note(9, "through the app", by="ignored")
        assert change.after == backend.change_token() and change.after[1] == version() == change.before[1] + 1
        psql(pg_cluster, pg_plan_db, "alice", f"SELECT hsp.add_note('{PLAN}', 9, 'through psql')")
        assert backend.change_token()[1] == version() == change.after[1] + 1
    finally:
        backend.close()


@pytest.mark.parametrize("user", ["alice", "bob"])
@pytest.mark.parametrize("sql", sampled([
    "UPDATE hsp.plan_changes SET changes = changes + 100",
    "DELETE FROM hsp.plan_changes",
    "INSERT INTO hsp.plan_changes (plan_id, slot, changes) SELECT id, 7, 1 FROM hsp.plan",
    "TRUNCATE hsp.plan_changes",
    "SELECT 1 FROM hsp.plan_changes FOR UPDATE",  # would hold every change up
    "SELECT 1 FROM hsp.plan_changes FOR NO KEY UPDATE",
    "LOCK TABLE hsp.plan_changes IN SHARE MODE",
    "SELECT hsp._count_change(id) FROM hsp.plan",  # the helper that counts: only the change functions call it
], 3))
def test_an_officer_or_a_reader_cannot_write_or_lock_the_count(pg_cluster, pg_plan_db, version, user, sql):
    before = version()
    proc = psql(pg_cluster, pg_plan_db, user, f"BEGIN; {sql}; COMMIT", check=False)
    assert proc.returncode != 0 and "permission denied" in proc.stderr, proc.stderr
    assert version() == before


def test_a_forged_setting_changes_nothing_but_the_forgers_own_reading(pg_cluster, pg_plan_db, eve, version):
    """The settings a change leaves for its caller (`hsp.slot`, `hsp.version`) are its own
    transaction's: set by hand they neither change the count nor take another's slot."""
    before = version()
    psql(pg_cluster, pg_plan_db, eve, "SELECT set_config('hsp.slot', '7', false), set_config('hsp.version', '0', false); "
                                      f"SELECT hsp.add_note('{PLAN}', 1, 'forged settings')")
    psql(pg_cluster, pg_plan_db, eve, "SELECT set_config('hsp.slot', 'nonsense', false); "
                                      f"SELECT hsp.add_note('{PLAN}', 1, 'and again')")
    assert version() == before + 2


@pytest.fixture
def held(pg_cluster, pg_plan_db):
    """Open sessions (rolled back and closed at the end): `held(user, sql)` runs `sql` in a
    transaction left open, as a psql left at `BEGIN; SELECT ...;` would be."""
    opened = []

    def hold(user: str, statement: str):
        conn = psycopg.connect(pg_cluster.url(pg_plan_db, user))
        opened.append(conn)
        conn.execute(statement)
        return conn

    yield hold
    for conn in opened:
        conn.close()


def test_one_session_holds_one_slot_however_many_changes_it_leaves_open(cli, pg_cluster, pg_plan_db, eve, held):
    """Eve's ten changes in one transaction left open, with savepoints between them, keep one slot,
    even once a slot before hers is free again: alice's change of another item goes through at once
    (without a wait: a lock_timeout of 1 ms would fail it)."""
    alice = held("alice", f"BEGIN; SELECT hsp.add_note('{PLAN}', 11, 'holding the first slot a moment')")
    eves = held(eve, f"BEGIN; SELECT hsp.add_note('{PLAN}', 1, 'and I sat here')")  # the second slot
    alice.commit()
    eves.execute(" ".join(f"SAVEPOINT s{n}; SELECT hsp.add_note('{PLAN}', {n}, 'and I sat here'); RELEASE s{n};"
                          for n in range(2, 11)))
    slots = psql(pg_cluster, pg_plan_db, "postgres",
                 "SELECT count(*) FROM (SELECT 1 FROM hsp.plan_changes FOR UPDATE SKIP LOCKED) AS free")
    assert slots.stdout.strip() == "7"  # eight slots, one held
    proc = psql(pg_cluster, pg_plan_db, "alice", f"SET lock_timeout = 1; SELECT hsp.add_note('{PLAN}', 12, 'not held up')",
                check=False)
    assert proc.returncode == 0, proc.stderr


def test_with_every_slot_held_a_change_waits_for_one_and_then_is_saved(pg_cluster, pg_plan_db, eve, held, version):
    """Eight changes under way at once (eve's eight sessions, each left open after its change) hold
    every slot: the ninth waits, as a change waits for a row's lock, and is saved once one of them
    ends; nothing is lost or counted twice."""
    sessions = [held(eve, f"BEGIN; SELECT hsp.add_note('{PLAN}', {n}, 'holding a slot')") for n in range(1, 9)]
    before = version()
    from hsp_tui.storage.store import Store

    store = Store(pg_cluster.url(pg_plan_db, "alice"), plan=PLAN)
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(store.add_note(9, "after the wait", by="ignored")))
    thread.start()
    watcher = psycopg.connect(pg_cluster.url(pg_plan_db, "postgres"), autocommit=True)
    try:
        waiting = ("SELECT pg_blocking_pids(pid) FROM pg_stat_activity WHERE usename = 'alice' "
                   "AND wait_event_type = 'Lock' AND query LIKE '%hsp.add_note%'")
        blockers = None
        while not blockers:  # until alice's change waits for a lock
            assert thread.is_alive(), outcome  # (not saved without the wait, nor failed)
            blockers = (watcher.execute(waiting).fetchone() or [None])[0]
        assert version() == before
        (blocker,) = [conn for conn in sessions if conn.info.backend_pid in blockers]  # one of eve's
        blocker.rollback()  # its change ends (not saved): its slot is free
        thread.join(30)
        assert not thread.is_alive() and outcome and outcome[0].entry.note == "after the wait"
        assert version() == before + 1 == outcome[0].after[1]
        [conn for conn in sessions if conn is not blocker][0].commit()
        assert version() == before + 2
    finally:
        for conn in sessions:
            conn.rollback()
        thread.join(30)
        watcher.close()
        store.close()


def test_more_writers_at_once_than_slots_lose_nothing_and_count_each_change_once(pg_cluster, pg_plan_db, version):
    """Twelve officers' apps saving notes on twelve items at once (more than the plan's 8 slots):
    every note is saved, none fails, and the version moves by exactly as many changes."""
    from hsp_tui.storage.store import Store

    before, per = version(), 5
    stores = [Store(pg_cluster.url(pg_plan_db, "alice"), plan=PLAN) for _ in range(12)]
    start = threading.Barrier(len(stores))
    failures: list[BaseException] = []

    def write(store, number: int) -> None:
        try:
            start.wait(30)
            for k in range(per):
                store.add_note(number, f"note {k} at once", by="ignored")
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(store, n)) for n, store in enumerate(stores, start=1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for store in stores:
        store.close()
    assert not failures, failures
    saved = psql(pg_cluster, pg_plan_db, "postgres", "SELECT count(*) FROM hsp.history WHERE note LIKE '% at once'")
    assert saved.stdout.strip() == str(len(stores) * per)
    assert version() == before + len(stores) * per
