"""The real `hsp-tui` in a real 80x24 terminal (tmux): the whole seed plan fits, and the review date
is changed with `r` without restarting."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import time
import uuid
from pathlib import Path

import pytest

from tmuxkit import kill_session, tmux

# The tmux twins of the Pilot tests at 80x24 (test_notices_80x24, test_evidence_app): whole suite only.
pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"), pytest.mark.slow]

HSP_TUI = Path(sys.executable).with_name("hsp-tui")


@pytest.fixture
def terminal(tmp_path):
    name = f"hsp-80x24-{uuid.uuid4().hex[:8]}"

    def start(*args: str) -> str:
        env = f"HSP_TUI_CONFIG={shlex.quote(str(tmp_path / 'none.toml'))} TERM=xterm-256color"
        command = (f"cd {shlex.quote(str(tmp_path))} && env {env} {shlex.quote(str(HSP_TUI))} "
                   + " ".join(shlex.quote(a) for a in args) + "; echo EXIT=$?; sleep 60")
        tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command)
        tmux("resize-window", "-t", name, "-x", "80", "-y", "24")
        return name

    yield start
    kill_session(name)


def screen_with(name: str, pattern: str, tries: int = 600) -> str:
    """The screen once `pattern` (a regular expression) shows on it (bounded polling, up to 60 s: the
    app alone can take over 15 s to start on a busy 2-core machine)."""
    text = ""
    for _ in range(tries):
        text = tmux("capture-pane", "-p", "-t", name)
        if re.search(pattern, text):
            return text
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {pattern!r}; the screen:\n{text}")


def test_at_80x24_all_twelve_rows_show_and_r_changes_the_review_date(terminal, tmp_path):
    name = terminal("--db", str(tmp_path / "plan.json"), "--as-of", "2010-06-01")
    # The first frames are drawn before the table has taken its height: wait for the last row.
    screen_with(name, r"Recommendations \(12\)")
    text = screen_with(name, r"│\s+12 \d\.\d ")
    lines = text.splitlines()
    assert len(lines) == 24 and max(len(line) for line in lines) <= 80
    numbers = [m.group(1) for line in lines if (m := re.match(r"│\s+(\d+) \d\.\d ", line))]
    assert numbers == [str(n) for n in range(1, 13)]  # every row, none scrolled away
    summary = next(line for line in lines if "overdue" in line)
    assert summary.strip().endswith("0% done, 0% verified │ Not started 12")  # on one line
    assert "review date 1 Jun 2010" in text
    row8 = next(line for line in lines if re.match(r"│\s+8 ", line))
    assert "Interim Deputy Chief Executive" in row8 and "OVERDUE" in row8  # the owner in full

    tmux("send-keys", "-t", name, "r")
    screen_with(name, "Review date")
    tmux("send-keys", "-t", name, "C-a", "C-k", "2010-04-01", "Enter")  # clear the box, type, Enter
    screen_with(name, "review date 1 Apr 2010")
    # The panes are redrawn a frame or two after the header: the whole screen settles without a flag.
    text = screen_with(name, r"^(?![\s\S]*OVERDUE)[\s\S]*review date 1 Apr 2010")
    assert "0 overdue" in text and "OVERDUE" not in text
    tmux("send-keys", "-t", name, "q")
    screen_with(name, "EXIT=0")


def colleague_sets(tmp_path: Path, number: int, status: str) -> None:
    """Carol, in another process, changes the plan the app has open."""
    import os
    import subprocess

    env = {**os.environ, "HSP_TUI_CONFIG": str(tmp_path / "none.toml")}
    subprocess.run([str(HSP_TUI), "--db", str(tmp_path / "plan.json"), "--user", "carol", "set", str(number), status],
                   check=True, capture_output=True, env=env)


def test_at_80x24_no_notice_covers_the_rows_on_start_nor_a_dialogs_buttons(terminal, tmp_path):
    """Issue 23: the 2010 plan opened today (no --as-of) says so in the header, not over rows 10-12;
    a colleague's change while the edit or export dialog is open is said in the dialog, beside its buttons,
    and its buttons and bottom edge stay in sight."""
    name = terminal("--db", str(tmp_path / "plan.json"))
    screen_with(name, r"│\s+12 \d\.\d .*│")
    # A frame well after the first (the old notice came a frame after the first): j, then No. 2 shown.
    tmux("send-keys", "-t", name, "j")
    text = screen_with(name, r"No\. 2 +Ref 3\.2[\s\S]*Owner: Assistant Chief Executive")
    assert "(today: plan long past, press r)" in text.splitlines()[0]
    for number, owner in ((10, "Chief Executive, HAVCO"), (11, "Chief Executive, HAVCO"), (12, "Assistant Chief Executive")):
        row = next(line for line in text.splitlines() if re.match(rf"│\s+{number} ", line))
        assert owner in row and row.rstrip().endswith("│"), row  # the row whole, to its border
    assert re.search(r"Due: 30 Apr 2010 +│", text)  # the detail, uncovered

    for key, title, buttons, status in (("e", "Edit owner and deadline", r"Save +Cancel +│", "blocked"),
                                        ("x", "Export the plan", r"Export +Cancel +│", "in_progress")):
        tmux("send-keys", "-t", name, key)
        screen_with(name, title)
        colleague_sets(tmp_path, 4, status)
        # The notice beside the buttons: its first line level with their top edge.
        text = screen_with(name, r"│ +The file was changed elsewhere and +▔+")
        lines = text.splitlines()
        row = next(k for k, line in enumerate(lines) if re.search(buttons, line))  # the buttons in sight
        assert title in text and "The file was changed elsewhere" in lines[row - 1], text
        assert "has been reloaded" in lines[row], text  # beside the buttons, not over them
        assert re.search(r"╰─{70,}╯", lines[row + 2]), text  # the dialog's bottom edge, whole
        assert "▌" not in text, text  # no toast's edge, on the dialog or dimmed below it
        tmux("send-keys", "-t", name, "Escape")
        screen_with(name, r"^(?![\s\S]*" + title + r")")
    tmux("send-keys", "-t", name, "q")
    screen_with(name, "EXIT=0")
