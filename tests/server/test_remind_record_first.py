"""A reminder that cannot be recorded is never sent (issue 20): each is recorded as pending on its
items before its message goes, then marked sent. Tried with a real SMTP server on 127.0.0.1
(aiosmtpd) that acts the moment it has the message: the `remind` process is killed there (between
the send and the mark), or another session takes an item's row lock there (the mark cannot be
saved). Either way the message went, and the plan says "not confirmed sent": never "sent" without
a record, never a record that hides a message that may have gone. On a server and in a plan file."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from inprocess import clean_env
from test_remind import SENDER, smtp_server

pytest.importorskip("aiosmtpd.controller")  # the SMTP server of test_remind.smtp_server

PLAN = "haringey-2010"
ACE = "Assistant Chief Executive"


class Inbox:
    """Accepts every message; `on_message(msg)` runs once the server has the message, before it answers."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.on_message = None

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(msg)
        if self.on_message is not None:
            self.on_message(msg)
        return "250 Message accepted"


@pytest.fixture
def smtp():
    with smtp_server(Inbox()) as inbox:
        yield inbox


@pytest.fixture(params=["postgres", "file"])
def where(request, tmp_path, cli):
    """The plan (a server's, as alice; or a plan file, as alice), its contact for the Assistant Chief
    Executive set: the arguments that name it."""
    if request.param == "postgres":
        cluster, db = request.getfixturevalue("pg_cluster"), request.getfixturevalue("pg_plan_db")
        plan = ["--db", cluster.url(db, "alice")]
    else:
        plan = ["--db", str(tmp_path / "plan.json"), "--user", "alice"]
    assert cli(*plan, "contact", "set", ACE, "ace@haringey.example", "--on", "2010-05-01").code == 0
    return plan


def items_of(msg) -> list[int]:
    return [int(n) for n in msg["X-HSP-Items"].split()]


def test_killed_between_the_send_and_the_mark_the_plan_says_not_confirmed_sent(where, smtp, cli, tmp_path):
    env = {**clean_env(tmp_path), **SENDER}
    proc = subprocess.Popen([sys.executable, "-m", "hsp_tui", *where, "--as-of", "2010-06-01",
                             "remind", "--smtp", smtp.url, "--owner", "assistant"],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def kill(msg) -> None:  # the server has the message; the process never hears that it went
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)

    smtp.on_message = kill
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    (msg,) = smtp.messages  # it went
    number = items_of(msg)[0]
    shown = cli(*where, "--as-of", "2010-06-01", "show", str(number)).out
    assert "reminder to ace@haringey.example: not confirmed sent" in shown, shown
    assert "1 reminder not confirmed sent" in shown and "reminded 1 time" not in shown
    report = tmp_path / "board.md"
    assert cli(*where, "--as-of", "2010-06-01", "export", "--format", "md", "-o", str(report)).code == 0
    assert "1 reminder not confirmed sent" in report.read_text(encoding="utf-8")
    # it may have gone: a second reminder that day needs --again, as after one known sent
    smtp.on_message = None
    r = cli(*where, "--as-of", "2010-06-01", "remind", "--smtp", smtp.url, "--owner", "assistant",
            env=SENDER)
    assert r.code == 2 and "already reminded on 1 Jun 2010" in r.err and len(smtp.messages) == 1
    r = cli(*where, "--as-of", "2010-06-01", "remind", "--smtp", smtp.url, "--owner", "assistant",
            "--again", env=SENDER)
    assert r.code == 0, r.err
    shown = cli(*where, "--as-of", "2010-06-01", "show", str(number)).out
    assert "reminded 1 time" in shown and "1 reminder not confirmed sent" in shown


def test_a_held_row_lock_between_the_send_and_the_mark_is_reported_and_shown(pg_cluster, pg_plan_db, smtp, cli):
    alice = pg_cluster.url(pg_plan_db, "alice")
    assert cli("--db", alice, "contact", "set", ACE, "ace@haringey.example", "--on", "2010-05-01").code == 0
    holder = psycopg.connect(pg_cluster.url(pg_plan_db, "carol"))
    held = []

    def hold(msg) -> None:  # the message went; someone else now changes its first item and sits there
        held.append(items_of(msg)[0])
        holder.execute("SELECT hsp.lock_item(%s, %s)", [PLAN, held[0]])

    smtp.on_message = hold
    try:
        r = cli("--db", alice, "--as-of", "2010-06-01", "remind", "--smtp", smtp.url, "--owner", "assistant", env=SENDER)
    finally:
        holder.rollback()
        holder.close()
    (msg,) = smtp.messages
    assert r.code == 1 and "Traceback" not in r.err, r.err
    assert f"went but could not be marked sent (item {held[0]}:" in r.err
    assert "1 reminder sent, 1 not confirmed in the plan" in r.err
    shown = cli("--db", pg_cluster.url(pg_plan_db, "bob"), "--as-of", "2010-06-01", "show", str(held[0])).out
    assert "reminder to ace@haringey.example: not confirmed sent" in shown
    for other in items_of(msg)[1:]:  # the items that were free are marked sent
        shown = cli("--db", pg_cluster.url(pg_plan_db, "bob"), "--as-of", "2010-06-01", "show", str(other)).out
        assert "reminded 1 time" in shown and "not confirmed" not in shown


def test_a_held_row_lock_before_the_send_sends_nothing(pg_cluster, pg_plan_db, smtp, cli):
    alice = pg_cluster.url(pg_plan_db, "alice")
    assert cli("--db", alice, "contact", "set", ACE, "ace@haringey.example", "--on", "2010-05-01").code == 0
    with psycopg.connect(pg_cluster.url(pg_plan_db, "carol")) as holder:
        holder.execute("SELECT hsp.lock_item(%s, 1)", [PLAN])  # item 1 is the Assistant Chief Executive's
        r = cli("--db", alice, "--as-of", "2010-06-01", "remind", "--smtp", smtp.url, "--owner", "assistant", env=SENDER)
        holder.rollback()
    assert r.code == 1 and "not sent, as it could not be recorded now" in r.err, r.err
    assert smtp.messages == []
    assert pg_cluster.psql("SELECT count(*) FROM hsp.history WHERE action = 'remind'", db=pg_plan_db).stdout.strip() == "0"


@pytest.mark.parametrize("who, statement, refused", [
    ("bob", "SELECT hsp.mark_reminder('haringey-2010', 1, {entry}, true)", "permission denied"),
    ("carol", "SELECT hsp.mark_reminder('haringey-2010', 1, {entry}, true)", "only they mark it sent"),
    ("alice", "SELECT hsp.mark_reminder('haringey-2010', 1, {entry} - 1, true)", "not a reminder waiting"),
    ("alice", "SELECT hsp.mark_reminder('haringey-2010', 1, {entry}, true); "
              "SELECT hsp.mark_reminder('haringey-2010', 1, {entry}, false)", "already marked"),
])
def test_only_who_recorded_a_pending_reminder_marks_it_once(pg_cluster, pg_plan_db, who, statement, refused):
    alice = pg_cluster.url(pg_plan_db, "alice")
    with psycopg.connect(alice) as conn:
        conn.execute("SELECT hsp.add_note(%s, 1, 'a note first')", [PLAN])
        (result,) = conn.execute("SELECT hsp.record_pending_reminder(%s, 1, '[\"ace@haringey.example\"]', %s, 'smtp')",
                                 [PLAN, ACE]).fetchone()
    entry = result["entry"]["id"]
    proc = pg_cluster.psql(statement.format(entry=entry), db=pg_plan_db, user=who, check=False)
    assert proc.returncode != 0 and refused in proc.stderr, proc.stderr
