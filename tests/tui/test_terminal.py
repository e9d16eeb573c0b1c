"""The real `hsp-tui` in a real terminal (tmux): press 2, check the file on disk and the screen."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import time
import uuid
from pathlib import Path

import pytest

from tmuxkit import kill_session, tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

HSP_TUI = Path(sys.executable).with_name("hsp-tui")


def wait_for(check, what: str, tries: int = 600):
    """Poll (bounded) until check() is truthy; the terminal app runs at its own pace (on a busy
    2-core machine, starting the app alone can take well over 15 s). Returns as soon as it holds."""
    for _ in range(tries):
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}; last seen:\n{result}")


@pytest.fixture
def session(tmp_path):
    name = f"hsp-test-{uuid.uuid4().hex[:8]}"

    def start(*args: str) -> str:
        env = f"HSP_TUI_CONFIG={shlex.quote(str(tmp_path / 'none.toml'))} TERM=xterm-256color"
        command = (f"cd {shlex.quote(str(tmp_path))} && env {env} {shlex.quote(str(HSP_TUI))} "
                   + " ".join(shlex.quote(a) for a in args) + "; echo EXIT=$?; sleep 60")
        tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "30", command)
        return name

    yield start
    kill_session(name)


def screen(name: str) -> str:
    return tmux("capture-pane", "-p", "-t", name)


def screen_with(name: str, words: str) -> str:
    last = {}

    def check():
        last["s"] = screen(name)
        return last["s"] if words in last["s"] else None
    try:
        return wait_for(check, repr(words))
    except AssertionError:
        raise AssertionError(f"gave up waiting for {words!r}; the screen:\n{last.get('s')}") from None


def test_press_2_in_a_real_terminal(session, tmp_path):
    db = tmp_path / "plan.json"
    name = session("--db", str(db), "--as-of", "2010-06-01", "--user", "carol")
    screen_with(name, "Recommendations (12)")
    assert "review date 1 Jun 2010" in screen(name)
    tmux("send-keys", "-t", name, "2")

    def saved():
        doc = json.loads(db.read_text(encoding="utf-8"))["recommendations"]["1"]
        return doc if doc["status"] == "in_progress" else None

    doc = wait_for(saved, "the status on disk")
    assert doc["history"][-1]["by"] == "carol"
    screen_with(name, "Not started 11 · In progress 1")  # the status summary, short when narrow

    def first_row():  # the row may be drawn a frame after the summary on a busy machine
        row = next(line for line in screen(name).splitlines() if "3.2" in line and "HSP Board" in line)
        return row if " P " in row else None
    row = wait_for(first_row, "No. 1's row to show P")  # In progress: one letter when narrow
    assert "OVERDUE" in row and "30 Apr 2010" in row
    tmux("send-keys", "-t", name, "q")
    screen_with(name, "EXIT=0")


def test_unreadable_file_clear_message_and_untouched(session, tmp_path):
    db = tmp_path / "plan.json"
    db.write_text('{"half": ', encoding="utf-8")
    name = session("--db", str(db))
    text = screen_with(name, "EXIT=")
    assert "hsp-tui: error:" in text and str(db.name) in text
    assert "EXIT=0" not in text and "Traceback" not in text
    assert db.read_text(encoding="utf-8") == '{"half": '
