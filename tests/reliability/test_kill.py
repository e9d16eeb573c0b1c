"""`kill -9` at random moments while a plan of several thousand items is being saved.

A writer process runs real CLI changes in a loop (see scripts/writer.py) and is killed with SIGKILL
at a random moment. Half the kills are aimed at the write itself: the writer runs on a simulated slow
disk (slowdisk/sitecustomize.py: writes in 256 KiB pieces, slow fsync, as on a network drive) and is
killed a random few milliseconds after its temporary file appears. After every kill the file must load, hold every item, and hold exactly the
changes 1..m where m is the last change reported saved, or the one after it (killed between the
rename and the report): the old state or the new, never a mix.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hsp_tui.storage.store import Store

from .helpers import HERE, PYTHON, cli_env, disk_env, load_raw, make_plan, run_cli

ITEMS = 3000
KILLS = 30
STATUSES = ("in_progress", "blocked", "done", "not_started")
NOTE_RE = re.compile(r"change (\d+) by killed")


def expected_statuses(m: int, n: int) -> dict[int, str]:
    """Statuses after changes 1..m (odd changes set a status, as scripts/writer.py does)."""
    status = {i: "not_started" for i in range(1, n + 1)}
    for k in range(1, m + 1):
        if k % 2:
            status[(k - 1) % n + 1] = STATUSES[k % 4]
    return status


def applied_changes(db: Path) -> tuple[list[int], dict[int, str], int]:
    data = load_raw(db)
    ks, status = [], {}
    for key, doc in data["recommendations"].items():
        status[int(key)] = doc["status"]
        for h in doc["history"]:
            m = NOTE_RE.fullmatch(h.get("note") or "")
            if m:
                ks.append(int(m.group(1)))
    return sorted(ks), status, len(data["recommendations"])


@pytest.mark.slow
def test_kill_9_during_saves_never_loses_or_mixes(tmp_path: Path) -> None:
    db = make_plan(tmp_path, ITEMS)
    rng = random.Random(20100316)
    next_k = 1
    mid_write = 0  # kills that left a half-written temporary file behind (killed inside the write)
    after_rename = 0  # kills between the rename and the "saved" report
    for kill in range(KILLS):
        aimed = kill % 2 == 1
        proc = subprocess.Popen(
            [PYTHON, str(HERE / "scripts" / "writer.py"), str(db), "killed", str(next_k), "100000", "1", "spread"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=disk_env(HSP_TEST_SLOW_DISK="1") if aimed else cli_env(),
        )
        first = proc.stdout.readline()  # the writer is now saving in a loop
        assert first.startswith("ack "), first + proc.stderr.read()
        if aimed:  # wait for the next save's temporary file, then kill inside the write
            while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
                assert proc.poll() is None, proc.stderr.read()
            time.sleep(rng.uniform(0.0, 0.08))
        else:
            time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        rest, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, err
        acks = [int(line.split()[1]) for line in (first + rest).splitlines() if line.startswith("ack ")]
        last_ack = max(acks)
        leftovers = {p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")}
        mid_write += bool(leftovers)
        # A killed save leaves its temporary file; the next save (under the lock) clears it away,
        # so a shared folder does not fill up with megabytes of dead temporary files.
        assert len(leftovers) <= 1, leftovers

        # The file loads, through the real model, with every item.
        plan = Store(db).load()
        assert len(plan.recommendations) == ITEMS
        ks, status, n = applied_changes(db)
        m = max(ks)
        assert m in (last_ack, last_ack + 1), (kill, last_ack, m)
        after_rename += m == last_ack + 1
        # Exactly the changes 1..m, each once: nothing lost, nothing doubled, nothing half-applied.
        assert ks == list(range(1, m + 1)), kill
        assert status == expected_statuses(m, ITEMS), kill
        # The backup beside it is a whole version too: the one before, or the same one when the kill
        # came between making the backup link and the rename.
        bak = db.with_name(db.name + ".bak")
        bak_ks, _, bak_n = applied_changes(bak)
        assert bak_n == ITEMS and bak_ks == list(range(1, len(bak_ks) + 1)) and len(bak_ks) <= m
        next_k = m + 1

    # The CLI still works on the file after all that, and the lock was never left stuck.
    r = run_cli(db, "show", "1")
    assert r.returncode == 0, r.stderr
    assert f"change {ITEMS + 1} by killed" in r.stdout or next_k <= ITEMS + 1
    print(f"\n{KILLS} kills at {ITEMS} items: {next_k - 1} changes saved; "
          f"{mid_write} kills inside a write (temp file left), {after_rename} between rename and report")
    assert next_k - 1 >= KILLS  # every writer saved at least one change before it was killed
    assert mid_write >= KILLS // 4  # the aimed kills really did land inside writes
