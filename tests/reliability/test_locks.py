"""The plan's lock: who holds it, what deleting it does, and waiting for it in the app.

Holders are real processes (a Python process holding a flock on the lock file, or a real hsp-tui
save held still at its last moment by slowdisk/sitecustomize.py); the CLI runs in subprocesses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hsp_tui.formats.importing import seed_to_data
from hsp_tui.storage.seed import seed_document
from hsp_tui.storage.store import Store
from notices import Notices

from .helpers import HERE, PYTHON, assert_one_line_error, cli_env, disk_env, make_plan, recs, run_cli

HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin (or kills us)
"""


def hold_lock(lock: Path) -> subprocess.Popen:
    proc = subprocess.Popen([PYTHON, "-c", HOLD, str(lock)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "held\n"
    return proc


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_plan(tmp_path, 40)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/locks"), reason="needs Linux /proc/locks")
def test_a_lock_timeout_names_the_holder_and_never_advises_deleting_the_lock(db: Path) -> None:
    """(Before the fix: 'if none is running, delete plan.json.lock', and no word of who held it.)"""
    holder = hold_lock(db.with_name("plan.json.lock"))
    try:
        before = db.read_bytes()
        r = run_cli(db, "set", "1", "done", timeout=120)  # waits the CLI's 15 s, then gives up
        line = assert_one_line_error(r, names=db, code=6)  # busy: another process holds the lock
        assert f"process {holder.pid}" in line and "python" in line, line
        assert "delete" not in line.lower() and "nothing was saved" in line
        assert db.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("how", ["delete", "replace"])
def test_deleting_the_lock_during_a_save_loses_nobodys_change(tmp_path: Path, db: Path, how: str) -> None:
    """Alice's save is held still after reading the plan, before writing it; the lock file is deleted
    (or replaced) under it, and Bob saves meanwhile with a new lock. Alice's save then refuses to
    replace the file, so Bob's change stays. (Before the fix: Alice's save overwrote Bob's change.)"""
    pause = tmp_path / "pause"
    pause.mkdir()
    alice = subprocess.Popen([PYTHON, "-m", "hsp_tui", "--db", str(db), "--user", "alice", "--as-of", "2011-01-01",
                              "set", "1", "done", "--note", "alice"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=disk_env(HSP_TEST_PAUSE_BEFORE_TEMP=str(pause)))
    try:
        while not (pause / "paused").exists():
            assert alice.poll() is None, alice.communicate()
        lock = db.with_name("plan.json.lock")
        if how == "delete":
            lock.unlink()
        else:
            other = tmp_path / "other.lock"
            other.touch()
            os.replace(other, lock)
        r = run_cli(db, "set", "2", "done", "--note", "bob", user="bob", timeout=60)
        assert r.returncode == 0, r.stderr
    finally:
        (pause / "go").touch()
        out, err = alice.communicate(timeout=120)
    assert recs(db)[2]["status"] == "done"  # Bob's change is there
    assert alice.returncode == 3, (out, err)
    assert "lock file plan.json.lock was deleted or replaced" in err and "nothing was saved" in err
    assert recs(db)[1]["status"] == "not_started"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_save_waiting_on_a_replaced_lock_file_waits_for_the_new_one(db: Path) -> None:
    """Bob waits on the lock file; it is replaced by a new one that someone else holds; when the first
    holder lets go, Bob gets the old file: he notices it is no longer the one at the path and waits
    for the new one instead of saving beside its holder."""
    import threading

    from hsp_tui.domain.commands import SetStatus
    from hsp_tui.storage.backends import LockWait

    lock = db.with_name("plan.json.lock")
    first = hold_lock(lock)
    started, outcome = threading.Event(), []

    def bob() -> None:
        try:
            outcome.append(Store(db).run(SetStatus(1, "done"), by="bob",
                                         wait=LockWait(timeout=120, on_wait=lambda who: started.set())))
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)

    thread = threading.Thread(target=bob, daemon=True)
    thread.start()
    second = None
    try:
        assert started.wait(60)
        fresh = db.with_name("fresh.lock")
        second = hold_lock(fresh)  # a new lock file, held, put in place of the old one in one step
        os.replace(fresh, lock)
        first.kill()
        first.wait()  # the old file's lock is free now: Bob may take it, but it is not the lock any more
        thread.join(timeout=2)
        assert thread.is_alive() and not outcome, outcome
        assert recs(db)[1]["status"] == "not_started"  # nothing saved while the new lock is held
        second.stdin.close()
        second.wait(timeout=30)
        thread.join(timeout=60)
        assert outcome and not isinstance(outcome[0], Exception), outcome
        assert recs(db)[1]["status"] == "done"
    finally:
        for proc in (first, second):
            if proc is not None:
                proc.kill()
                proc.wait()


def test_a_lock_file_planted_as_a_link_is_never_followed(tmp_path: Path, db: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    db.with_name("plan.json.lock").unlink()
    db.with_name("plan.json.lock").symlink_to(victim)
    r = run_cli(db, "set", "1", "done")
    line = assert_one_line_error(r, names=db, code=3)
    assert "symbolic link" in line
    assert victim.read_text() == "keep me\n"


# -- the app ----------------------------------------------------------------------------------------
STAMP = "2010-06-01T09:00:00+01:00"


async def until(pilot, condition, tries: int = 600) -> bool:
    for _ in range(tries):
        if condition():
            return True
        await pilot.pause(0.05)
    return False


def said(notices: Notices, words: str) -> str | None:
    """The newest notice with these words in it, if the app said one."""
    return next((m for _, m in reversed(notices.said) if words in m), None)


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
async def test_the_app_keeps_moving_while_a_change_waits_for_the_lock(tmp_path: Path) -> None:
    """A status key pressed while someone else holds the lock: the app says it is waiting and on
    whom, the cursor still moves, Escape stops waiting (nothing saved); keys pressed while it waits
    are saved in order once the lock comes. (Before the fix: the screen froze for 15 s.)"""
    from datetime import date

    from hsp_tui.tui import build_app

    db = tmp_path / "plan.json"
    Store.open(db, seed=lambda: seed_to_data(seed_document(), by="seed", at=STAMP))
    holder = hold_lock(db.with_name("plan.json.lock"))
    app = build_app(Store(db, clock=lambda: STAMP), as_of=date(2010, 6, 1), user="alice", as_of_given=True,
                    clock=lambda: STAMP)
    try:
        notices = Notices()
        async with app.run_test(message_hook=notices) as pilot:
            await pilot.pause()
            first = app.main.table.current_number
            await pilot.press("4")  # Done, on the first item
            assert await until(pilot, lambda: said(notices, "Waiting for the plan's lock")), notices.said
            assert f"process {holder.pid}" in said(notices, "Waiting for the plan's lock")
            await pilot.press("j")
            assert await until(pilot, lambda: app.main.table.current_number != first)
            await pilot.press("escape")
            assert await until(pilot, lambda: said(notices, "Not saved")), notices.said
            assert recs(db)[first]["status"] == "not_started"

            second = app.main.table.current_number
            notices.said.clear()
            await pilot.press("2")  # In progress, on the second item: waits again
            assert await until(pilot, lambda: said(notices, "Waiting for the plan's lock"))
            await pilot.press("k", "3")  # back up, Blocked on the first: queued behind it
            holder.stdin.close()  # the holder finishes: the lock comes
            holder.wait(timeout=30)
            assert await until(pilot, lambda: sum("Saved." in m for _, m in notices.said) == 2), notices.said
            on_disk = recs(db)
            assert on_disk[second]["status"] == "in_progress" and on_disk[first]["status"] == "blocked"
            assert (on_disk[second]["history"][-1]["id"], on_disk[first]["history"][-1]["id"]) != (None, None)
            assert not said(notices, "Not saved")
    finally:
        holder.kill()
        holder.wait()
