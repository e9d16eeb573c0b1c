"""The real `hsp-tui` in a real terminal (tmux): keys sent in one `send-keys` arrive in one read, as a
paste or a fast typist over SSH sends them (Pilot cannot split reads this way); a dumb terminal; a
terminal without a UTF-8 locale."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import time
import uuid
from pathlib import Path

import pytest

from sampling import sampled

from test_terminal import HSP_TUI, screen, screen_with, wait_for
from tmuxkit import kill_session, tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture
def terminal(tmp_path):
    names = []

    def start(*args: str, env: str = "TERM=xterm-256color", size=(100, 30)) -> str:
        name = f"hsp-keys-{uuid.uuid4().hex[:8]}"
        names.append(name)
        env = (f"{env} HSP_TUI_CONFIG={shlex.quote(str(tmp_path / 'none.toml'))} "  # env's -u first
               f"HSP_TUI_CRASH_DIR={shlex.quote(str(tmp_path / 'crashes'))}")
        command = (f"cd {shlex.quote(str(tmp_path))} && env {env} {shlex.quote(str(HSP_TUI))} "
                   + " ".join(shlex.quote(a) for a in args) + "; echo EXIT=$?; sleep 60")
        tmux("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), command)
        return name

    yield start
    for name in names:
        kill_session(name)


def keys(name: str, *sent: str) -> None:
    """All in one `send-keys`: they reach the app in one read. After a trailing Escape, a pause (not
    a check): a key typed within a few milliseconds of an Escape reads as Alt+key in any terminal."""
    tmux("send-keys", "-t", name, *sent)
    if sent[-1] == "Escape":
        time.sleep(0.4)


def table_has_focus(name: str) -> bool:
    """The table's title is drawn bold while the keys go to it (the highlight an officer sees)."""
    return "\x1b[1m Recommendations" in tmux("capture-pane", "-p", "-e", "-t", name)


def doc(db: Path, number: int) -> dict:
    return json.loads(db.read_text(encoding="utf-8"))["recommendations"][str(number)]


def quits_cleanly(name: str, tmp_path: Path) -> None:
    keys(name, "q")
    text = screen_with(name, "EXIT=")
    assert "EXIT=0" in text and "Traceback" not in text
    assert not (tmp_path / "crashes").exists()


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_dialog_keys_in_one_read_save_once_and_never_crash(terminal, tmp_path, size):
    db = tmp_path / "plan.json"
    name = terminal("--db", str(db), "--as-of", "2010-06-01", size=size)
    screen_with(name, "Recommendations (12)")
    # The note and its Enter Escape Escape in one read: saved once, the Escapes go to the table.
    keys(name, "n")
    screen_with(name, "Add a progress note")
    keys(name, "met the board", "Enter", "Escape", "Escape")
    wait_for(lambda: [h for h in doc(db, 1)["history"] if h["action"] == "note"], "the note on disk")
    # The owner: Enter Enter.
    keys(name, "e")
    screen_with(name, "Edit owner and deadline")
    keys(name, "C-u", "Head of Policy", "Enter", "Enter")
    wait_for(lambda: doc(db, 1)["owner"] == "Head of Policy", "the owner on disk")
    # The second Enter went to the table (it focuses the detail); Escape brings the keys back to it.
    wait_for(lambda: not table_has_focus(name), "the detail highlighted after the second Enter")
    keys(name, "Escape")
    # Seen read on its own before the next keys are sent (else a busy app reads Escape j as Alt+j).
    wait_for(lambda: table_has_focus(name), "the table highlighted again after Escape")
    # n and the note typed at once (a paste): the note is the text, none of it went to the table.
    keys(name, "j", "n", "overdue owner noted", "Enter")
    wait_for(lambda: [h for h in doc(db, 2)["history"] if h["action"] == "note"], "the pasted note")
    # Export: Enter Escape Escape writes the file once, then the app carries on.
    keys(name, "x")
    screen_with(name, "Export the plan")
    keys(name, "Enter", "Escape", "Escape")
    wait_for(lambda: list(tmp_path.glob("hsp-export-*.json")), "the export")
    # Textual's palette: Ctrl+P and PgUp in one read (Textual 8.2.8 alone dies of KeyError).
    keys(name, "C-p", "PPage")
    screen_with(name, "Search for commands")
    keys(name, "Escape")
    wait_for(lambda: "Search for commands" not in screen(name), "the palette closed")  # before q
    notes = [h["note"] for n in (1, 2) for h in doc(db, n)["history"] if h["action"] == "note"]
    assert notes == ["met the board", "overdue owner noted"]
    assert [h["new"] for h in doc(db, 1)["history"] if h["action"] == "set"] == ["Head of Policy"]
    assert doc(db, 2)["status"] == "not_started" and len(list(tmp_path.glob("hsp-export-*"))) == 1
    quits_cleanly(name, tmp_path)


def test_tab_tab_in_one_read_moves_two_panes(terminal, tmp_path):
    db = tmp_path / "plan.json"
    name = terminal("--db", str(db), "--as-of", "2010-06-01", size=(120, 40))
    screen_with(name, "Recommendations (12)")
    keys(name, "Tab", "Tab", "Down", "Enter")  # to the owners pane, its first owner chosen
    text = screen_with(name, "· owner All HSP partners")  # the table's border names the owner filter
    assert "Recommendations (1 of 12)" in text
    quits_cleanly(name, tmp_path)


def test_ctrl_c_quits(terminal, tmp_path):
    db = tmp_path / "plan.json"
    name = terminal("--db", str(db))
    screen_with(name, "Recommendations")
    keys(name, "C-c")
    text = screen_with(name, "EXIT=")
    assert "EXIT=0" in text and "[b]" not in text


def test_dumb_terminal_gets_the_printed_table_and_a_hint(terminal, tmp_path):
    db = tmp_path / "plan.json"
    name = terminal("--db", str(db), "--as-of", "2010-06-01", env="TERM=dumb")
    text = screen_with(name, "EXIT=")
    assert "EXIT=0" in text
    assert "TERM=dumb" in text and "cannot show the full-screen app" in text
    assert "The HSP is data-rich" in text and "OVERDUE" in text and "12 of 12 shown" in text


@pytest.mark.parametrize("locale", sampled([
    "LC_ALL=C LANG=C",  # as the README says: Python's UTF-8 mode does not change the terminal's encoding
    "-u LC_ALL -u LC_CTYPE LANG=C",  # Python coerces LC_CTYPE to C.UTF-8 in its own environment
    "LC_ALL=C LANG=C PYTHONUTF8=0 PYTHONCOERCECLOCALE=0 PYTHONIOENCODING=",
]), ids=["lc-all-c", "lang-c", "lc-all-c-no-utf8-mode"])
def test_without_a_utf8_locale_the_screen_is_drawn_in_ascii(terminal, tmp_path, locale):
    db = tmp_path / "plan.json"
    name = terminal("--db", str(db), "--as-of", "2010-06-01", env=f"{locale} TERM=xterm-256color")
    text = screen_with(name, "Recommendations (12)")
    assert "\\u25" not in text and "\\xb7" not in text and "\\u2026" not in text
    assert "+- Recommendations (12) -" in text
    row = next(line for line in text.splitlines() if re.match(r"\|\s+2 3\.2 ", line))  # No. 2
    assert row.startswith("|") and row.rstrip().endswith("|")  # the box is drawn, the row fits it
    keys(name, "n")
    screen_with(name, "+- Add a progress note -")
    keys(name, "Escape")
    wait_for(lambda: "Add a progress note" not in screen(name), "the note dialog closed")  # before q
    quits_cleanly(name, tmp_path)
