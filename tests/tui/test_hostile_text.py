"""Text from the plan file never reaches the terminal as control sequences, nor as markup (issues 21
and 26): a plan whose owners, titles, milestones, notes, deadlines, contacts and title carry OSC 52
(write the clipboard), OSC 0 (retitle the terminal), ESC[2J (clear the screen) and `[bold]` is opened
in a real terminal (tmux), every screen and dialog is shown, and the bytes the app wrote to the
terminal (tmux's pipe-pane) hold none of those sequences, while the screen shows them spelled out
and `[bold]` as typed. Each widget gets its text through `textsafe.visible` (or `one_line`, which
uses it); one that is given plan text directly makes this test fail."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from test_terminal import HSP_TUI, screen, screen_with, wait_for
from test_terminal_keys import keys
from tmuxkit import kill_session, tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x1b\\"  # "rm -rf ~" into the clipboard
RETITLE = "\x1b]0;PWNED\x07"
CLEAR = "\x1b[2J"
MARKUP = "[bold]B[/bold]"
RAW = [OSC52.encode(), b"\x1b]52;", RETITLE.encode(), b"PWNED\x07", CLEAR.encode()]
FIRST_OWNER = f"A-Owner{OSC52}{MARKUP}"  # owns No. 1, has no address
OTHER_OWNER = f"B-Owner{RETITLE}"  # owns the rest, with an address edited into the file


def hostile_plan(path: Path) -> None:
    subprocess.run([sys.executable, "-m", "hsp_tui", "--db", str(path), "--user", "seed", "list"],
                   check=True, capture_output=True, env={"HSP_TUI_CONFIG": str(path.with_name("none.toml")),
                                                         "PATH": "/usr/bin:/bin"})
    data = json.loads(path.read_text(encoding="utf-8"))
    plan = data["meta"]["1"]["plan"]
    plan["title"] = f"Plan{RETITLE}{MARKUP}"
    plan["contacts"] = [{"owner": OTHER_OWNER, "addresses": [f"b{OSC52}@example.org"],
                         "sponsor": [f"s{RETITLE}@example.org"]}]
    for key, rec in data["recommendations"].items():
        rec["owner"] = FIRST_OWNER if key == "1" else OTHER_OWNER
        rec["recommendation"] = f"Title{CLEAR}{MARKUP} {key}. " + rec["recommendation"]
        for m in rec["milestones"]:
            m["label"] = f"ms{RETITLE}{MARKUP}"
        rec["history"][0]["note"] = f"note{OSC52}{MARKUP}"
    data["recommendations"]["3"]["status"] = "done"
    data["recommendations"]["4"]["deadline"] = f"June 2010{CLEAR}"
    path.write_text(json.dumps(data), encoding="utf-8")


def test_every_screen_shows_plan_text_safely(tmp_path):
    db = tmp_path / "plan.json"
    hostile_plan(db)
    raw = tmp_path / "terminal-output.bin"
    name = f"hsp-hostile-{uuid.uuid4().hex[:8]}"
    env = (f"TERM=xterm-256color HSP_TUI_CONFIG={shlex.quote(str(tmp_path / 'none.toml'))} "
           f"HSP_TUI_CRASH_DIR={shlex.quote(str(tmp_path / 'crashes'))}")
    # The app starts on the Enter below, once everything it writes is being recorded.
    command = (f"read _; cd {shlex.quote(str(tmp_path))} && env {env} {shlex.quote(str(HSP_TUI))} "
               f"--db {shlex.quote(str(db))} --as-of 2010-06-01; echo EXIT=$?; sleep 60")
    tmux("new-session", "-d", "-s", name, "-x", "130", "-y", "40", command)
    try:
        tmux("pipe-pane", "-o", "-t", name, f"cat >> {shlex.quote(str(raw))}")
        tmux("send-keys", "-t", name, "Enter")
        seen = [screen_with(name, "Recommendations (12)")]

        def visit(key: str, words: str, close: str = "Escape") -> None:
            keys(name, key)
            seen.append(screen_with(name, words))
            keys(name, close)
            wait_for(lambda: words not in screen(name), f"{words!r} closed")

        visit("e", "Edit owner and deadline")
        keys(name, "c")
        screen_with(name, "Contacts: where reminders go")
        keys(name, "Enter", "Enter")  # the first owner has no address: "<owner> has no address to remove"
        seen.append(screen_with(name, "has no address to"))
        keys(name, "Down")
        seen.append(screen_with(name, "b\\x1b]52"))  # the other owner's address, in the box
        seen.append(screen_with(name, "s\\x1b]0;PWNED\\x07@example.org"))  # and the sponsor
        keys(name, "Escape")
        wait_for(lambda: "Contacts:" not in screen(name), "the contacts closed")
        visit("R", "Remind owners")
        keys(name, "j")
        visit("m", "Mark a milestone")
        visit("n", "Add a progress note")
        visit("p", "Progress over time", close="p")
        visit("?", "Escape or ? closes")
        visit("x", "Export the plan")
        keys(name, "j")  # No. 3, done
        visit("v", "Verify: is this")
        keys(name, "j")
        visit("e", "(agreed: June 2010\\x1b[2J)")  # an unreadable deadline, in the box and its warning
        visit("C-p", "Search for commands")
        keys(name, "q")
        seen.append(screen_with(name, "EXIT="))
    finally:
        kill_session(name)
    assert "EXIT=0" in seen[-1] and not (tmp_path / "crashes").exists()
    written = raw.read_bytes()
    assert len(written) > 10_000  # the app's whole session was recorded
    for sequence in RAW:
        assert sequence not in written, f"{sequence!r} reached the terminal raw"
    shown = "\n".join(seen)
    for spelled in ("A-Owner\\x1b]52;c;cm0gLXJmIH4K", "ms\\x1b]0;PWNED\\x07", "Title\\x1b[2J",
                    "Plan\\x1b]0;PWNED\\x07", "b\\x1b]52;c;cm0gLXJmIH4K\\x1b\\@example.org",
                    "s\\x1b]0;PWNED\\x07@example.org"):
        assert spelled in shown, f"{spelled!r} never shown"
    assert "[bold]B[/bold]" in shown  # markup shows as typed
