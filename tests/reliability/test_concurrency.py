"""Several processes saving to one plan file at once: no change and no note is ever lost.

Each writer is a separate process running real CLI changes in a loop (scripts/writer.py: `set ...
--note` and `note`, alternately). They start together and overlap; the file lock makes each change
one read-modify-write transaction.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sampling import sampled

from hsp_tui.storage.store import Store

from .helpers import HERE, PYTHON, cli_env, fresh_copy, make_plan, recs, run_cli

ITEMS = 1000
CHANGES = 15  # per writer
STATUSES = ("in_progress", "blocked", "done", "not_started")
NOTE_RE = re.compile(r"change (\d+) by (w\d)")


def start_writers(db: Path, writers: int, mode_of) -> list[subprocess.Popen]:
    """Start the writer processes, wait until each is ready, then let them all go at once."""
    procs = [
        subprocess.Popen(
            [PYTHON, str(HERE / "scripts" / "writer.py"), str(db), f"w{j}", str(j), str(CHANGES), str(writers),
             mode_of(j)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=cli_env(HSP_TEST_WAIT_GO="1"),
        )
        for j in range(1, writers + 1)
    ]
    for p in procs:
        assert p.stdout.readline() == "ready\n", p.stderr.read()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    return procs


def finish(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        out, err = p.communicate(timeout=300)
        p.stdin.close()
        assert p.returncode == 0, out + err
        assert out.count("ack ") == CHANGES, out


def notes_in(doc: dict) -> list[tuple[int, str]]:
    found = []
    for h in doc["history"]:
        m = NOTE_RE.fullmatch(h.get("note") or "")
        if m:
            found.append((int(m.group(1)), m.group(2)))
    return found


@pytest.fixture(scope="module")
def big_plan(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("concurrency"), ITEMS, name="template.json")


@pytest.mark.parametrize("writers", sampled([2, 4]))
def test_writers_on_different_items_lose_nothing(big_plan: Path, tmp_path: Path, writers: int) -> None:
    db = fresh_copy(big_plan, tmp_path)
    finish(start_writers(db, writers, lambda j: "spread"))

    data = recs(db)
    assert len(data) == ITEMS
    Store(db).load()  # and it loads through the model
    expected_notes: dict[int, list[tuple[int, str]]] = {}
    expected_status = {n: "not_started" for n in data}
    for j in range(1, writers + 1):
        for c in range(CHANGES):
            k = j + c * writers
            n = (k - 1) % ITEMS + 1
            expected_notes.setdefault(n, []).append((k, f"w{j}"))
            if k % 2:
                expected_status[n] = STATUSES[k % 4]
    for n, doc in data.items():
        assert sorted(notes_in(doc)) == sorted(expected_notes.get(n, [])), n
        assert doc["status"] == expected_status[n], n
    assert sum(len(v) for v in expected_notes.values()) == writers * CHANGES


@pytest.mark.parametrize("writers", sampled([2, 4]))
def test_writers_on_the_same_item_keep_every_note_and_the_last_status(big_plan: Path, tmp_path: Path,
                                                                      writers: int) -> None:
    db = fresh_copy(big_plan, tmp_path)
    finish(start_writers(db, writers, lambda j: "item:7"))

    doc = recs(db)[7]
    history = doc["history"]
    # Every note of every writer is there, once.
    expected = sorted((j + c * writers, f"w{j}") for j in range(1, writers + 1) for c in range(CHANGES))
    assert sorted(notes_in(doc)) == expected
    # History shows every change, in the order they were saved, with unique increasing ids.
    assert [h["id"] for h in history] == list(range(1, len(history) + 1))
    assert len(history) == 1 + writers * CHANGES
    assert {h["by"] for h in history[1:]} == {f"w{j}" for j in range(1, writers + 1)}
    # The last status saved wins, and each status change records the status it replaced.
    status_changes = [h for h in history if h.get("field") == "status"]
    assert doc["status"] == status_changes[-1]["new"]
    for before, after in zip(status_changes, status_changes[1:]):
        assert after["old"] == before["new"]
    # The writers really did interleave (otherwise this test proves nothing about concurrency).
    order = [h["by"] for h in history[1:]]
    assert any(a != b for a, b in zip(order, order[1:]))
    # Other items are untouched.
    assert all(len(d["history"]) == 1 for n, d in recs(db).items() if n != 7)


def test_many_cli_processes_started_at_once(big_plan: Path, tmp_path: Path) -> None:
    """Sixteen separate `hsp-tui` commands fired together, on one item and on different items."""
    db = fresh_copy(big_plan, tmp_path)
    cmds = []
    for j in range(8):
        cmds.append(["note", "3", f"same-item note {j}"])
        cmds.append(["set", str(100 + j), "done", "--note", f"other-item note {j}"])
    procs = [subprocess.Popen([PYTHON, "-m", "hsp_tui", "--db", str(db), "--user", f"u{i}", "--as-of",
                               "2011-01-01", *c], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=cli_env()) for i, c in enumerate(cmds)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    data = recs(db)
    notes3 = sorted(h["note"] for h in data[3]["history"] if h["action"] == "note")
    assert notes3 == sorted(f"same-item note {j}" for j in range(8))
    for j in range(8):
        assert data[100 + j]["status"] == "done"
        assert data[100 + j]["history"][-1]["note"] == f"other-item note {j}"
    r = run_cli(db, "show", "3")
    assert r.returncode == 0 and all(f"same-item note {j}" in r.stdout for j in range(8))
