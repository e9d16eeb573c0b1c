"""The TUI and CLI processes saving to one plan at the same time (the TUI driven headless)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .helpers import HERE, PYTHON, cli_env, fresh_copy, make_plan, recs
from .test_concurrency import CHANGES, notes_in

pytest.importorskip("hsp_tui.tui")

ITEMS = 1000
PRESSES = 12
SAVED = re.compile(r"notice information Saved\. No\. (\d+): (.+) → (.+)")


def start(db: Path, how: str, cli_mode) -> tuple[subprocess.Popen, list[subprocess.Popen]]:
    tui = subprocess.Popen([PYTHON, str(HERE / "scripts" / "tui_writer.py"), str(db), str(PRESSES), how],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=cli_env())
    clis = [subprocess.Popen([PYTHON, str(HERE / "scripts" / "writer.py"), str(db), f"w{j}", str(500 + j),
                              str(CHANGES), "2", cli_mode(j)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=cli_env(HSP_TEST_WAIT_GO="1")) for j in (1, 2)]
    for p in [tui, *clis]:
        line = p.stdout.readline()
        assert line == "ready\n", line + p.stderr.read()
    for p in [tui, *clis]:
        p.stdin.write("go\n")
        p.stdin.flush()
    return tui, clis


def finish(tui: subprocess.Popen, clis: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    for p in clis:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and out.count("ack ") == CHANGES, out + err
    out, err = tui.communicate(timeout=300)
    assert tui.returncode == 0, err
    notices = [line for line in out.splitlines() if line.startswith("notice ")]
    assert not [n for n in notices if n.startswith("notice error")], notices
    saved = [(int(m.group(1)), m.group(2), m.group(3)) for n in notices if (m := SAVED.fullmatch(n))]
    assert saved, notices
    return saved


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("tui-conc"), ITEMS, name="template.json")


@pytest.mark.slow
def test_tui_and_two_cli_writers_on_different_items(template: Path, tmp_path: Path) -> None:
    db = fresh_copy(template, tmp_path)
    saved = finish(*start(db, "walk", lambda j: "spread"))
    data = recs(db)
    assert len(saved) == PRESSES
    for number, old, new in saved:  # every status the TUI saved is in the file and its history
        tui_entries = [h for h in data[number]["history"] if h["by"] == "tui"]
        assert len(tui_entries) == 1 and data[number]["status"].replace("_", " ") == new.lower()
    for j in (1, 2):  # and every CLI note
        for c in range(CHANGES):
            k = 500 + j + 2 * c
            assert (k, f"w{j}") in notes_in(data[(k - 1) % ITEMS + 1])


@pytest.mark.slow
def test_tui_and_two_cli_writers_on_the_same_item(template: Path, tmp_path: Path) -> None:
    db = fresh_copy(template, tmp_path)
    tui, clis = start(db, "stay", lambda j: "item:1")
    saved = finish(tui, clis)
    doc = recs(db)[1]
    history = doc["history"]
    assert {n for n, _, _ in saved} == {1}
    # Every change of every process is in the history, once, with unique increasing ids.
    assert [h["id"] for h in history] == list(range(1, len(history) + 1))
    assert len([h for h in history if h["by"] == "tui"]) == len(saved)
    assert sorted(notes_in(doc)) == sorted((500 + j + 2 * c, f"w{j}") for j in (1, 2) for c in range(CHANGES))
    # The last status saved wins; each status change records the one it replaced.
    status_changes = [h for h in history if h.get("field") == "status"]
    assert doc["status"] == status_changes[-1]["new"]
    assert all(b["old"] == a["new"] for a, b in zip(status_changes, status_changes[1:]))
