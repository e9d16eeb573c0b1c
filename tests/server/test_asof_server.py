"""Issue 22's rules enforced by the database itself: a colleague with psql, calling the change
functions directly, meets the same refusals as the app (the day a change took effect, four eyes on
verdicts, a note for every verdict, a reason for every drop, drops agreed by the auditor)."""

from __future__ import annotations

import pytest

PLAN = "haringey-2010"


def psql(pg_cluster, db, person, sql):
    return pg_cluster.psql(sql, db=db, user=person, check=False)


def history(pg_cluster, db, number):
    return pg_cluster.psql(f"SELECT string_agg(action || ':' || coalesce(new #>> '{{}}', '') || ':' || by || ':' "
                           f"|| coalesce(to_char(\"on\", 'YYYY-MM-DD'), ''), ',' ORDER BY id) FROM hsp.history "
                           f"WHERE number = {number}", db=db).stdout.strip()


@pytest.mark.parametrize("day, words", [("2099-01-01", "is after today"), ("2010-03-01", "before the plan's date"),
                                        ("2010-02-30", "not a date")])
def test_a_change_dated_after_today_or_before_the_plan_is_refused_by_the_database(pg_cluster, pg_plan_db, day, words):
    before = history(pg_cluster, pg_plan_db, 3)
    proc = psql(pg_cluster, pg_plan_db, "alice", f"SELECT set_config('hsp.on', '{day}', true); "
                                                 f"SELECT hsp.set_status('{PLAN}', 3, 'in_progress', NULL)")
    assert proc.returncode != 0 and words in proc.stderr
    assert history(pg_cluster, pg_plan_db, 3) == before


def test_the_day_given_is_recorded_and_order_is_kept_by_the_database(pg_cluster, pg_plan_db):
    ok = psql(pg_cluster, pg_plan_db, "alice", f"SELECT set_config('hsp.on', '2010-09-01', true); "
                                               f"SELECT hsp.set_status('{PLAN}', 3, 'in_progress', NULL)")
    assert ok.returncode == 0, ok.stderr
    assert history(pg_cluster, pg_plan_db, 3).endswith("set:in_progress:alice:2010-09-01")
    proc = psql(pg_cluster, pg_plan_db, "alice", f"SELECT set_config('hsp.on', '2010-08-01', true); "
                                                 f"SELECT hsp.add_note('{PLAN}', 3, 'earlier')")
    assert proc.returncode != 0 and "took effect on 2010-09-01" in proc.stderr


def test_an_auditor_cannot_verify_their_own_done_even_with_psql(pg_cluster, pg_plan_db):
    assert psql(pg_cluster, pg_plan_db, "carol", f"SELECT hsp.set_status('{PLAN}', 1, 'done', 'held')").returncode == 0
    proc = psql(pg_cluster, pg_plan_db, "carol", f"SELECT hsp.verify('{PLAN}', 1, true, 'mine')")
    assert proc.returncode != 0 and "four eyes" in proc.stderr
    assert history(pg_cluster, pg_plan_db, 1).endswith("set:done:carol:")


def test_every_verdict_needs_a_note_and_every_drop_a_reason_in_the_database(pg_cluster, pg_plan_db):
    assert psql(pg_cluster, pg_plan_db, "alice", f"SELECT hsp.set_status('{PLAN}', 2, 'done', 'held')").returncode == 0
    proc = psql(pg_cluster, pg_plan_db, "carol", f"SELECT hsp.verify('{PLAN}', 2, true, NULL)")
    assert proc.returncode != 0 and "needs the auditor's note" in proc.stderr
    proc = psql(pg_cluster, pg_plan_db, "alice", f"SELECT hsp.set_status('{PLAN}', 9, 'dropped', NULL)")
    assert proc.returncode != 0 and "needs the reason" in proc.stderr


def test_a_drop_awaits_the_auditor_and_a_rejection_returns_it_in_the_database(pg_cluster, pg_plan_db):
    run = lambda person, sql: psql(pg_cluster, pg_plan_db, person, sql)  # noqa: E731
    assert run("alice", f"SELECT hsp.set_status('{PLAN}', 9, 'blocked', NULL)").returncode == 0
    assert run("alice", f"SELECT hsp.set_status('{PLAN}', 9, 'dropped', 'superseded')").returncode == 0
    assert run("carol", f"SELECT hsp.verify('{PLAN}', 9, false, 'still needed')").returncode == 0
    assert run("alice", f"SELECT hsp.set_status('{PLAN}', 9, 'dropped', 'superseded, PMG agreed')").returncode == 0
    assert run("carol", f"SELECT hsp.verify('{PLAN}', 9, true, 'PMG minutes seen')").returncode == 0
    proc = run("carol", f"SELECT hsp.verify('{PLAN}', 9, false, 'again')")
    assert proc.returncode != 0 and "awaiting the auditor" in proc.stderr
    assert history(pg_cluster, pg_plan_db, 9).split(",")[1:] == [
        "set:blocked:alice:", "set:dropped:alice:", "verify:blocked:carol:", "set:dropped:alice:",
        "verify:dropped:carol:"]
