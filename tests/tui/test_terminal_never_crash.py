"""Issue 26 in a real terminal (tmux): a tiny or shrinking terminal, keys in one read during a quit,
and bracketed pastes holding ESC. `send-keys` with several keys delivers them in one read; tmux's
`paste-buffer -p` sends a bracketed paste, as a terminal does for Ctrl+Shift+V."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hsp_tui.tui.driver import PasteFilter

from test_terminal import screen, screen_with, wait_for
from test_terminal_keys import doc, keys, quits_cleanly, terminal  # noqa: F401 (the fixture)
from tmuxkit import tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def paste(name: str, text: str) -> None:
    tmux("set-buffer", "-b", name, text)
    tmux("paste-buffer", "-p", "-d", "-b", name, "-t", name)


def history(db: Path, number: int, action: str) -> list[dict]:
    return [h for h in doc(db, number)["history"] if h["action"] == action]


@pytest.mark.slow  # the tmux twin of test_never_crash.test_list_dialogs_in_a_tiny_terminal
def test_list_dialogs_in_a_5x3_terminal_then_back(terminal, tmp_path):
    db = tmp_path / "plan.json"
    name = terminal("--db", str(db), "--as-of", "2010-06-01", size=(81, 25))
    screen_with(name, "Recommendations (12)")
    for size, key in [((5, 3), "c"), ((1, 1), "c"), ((5, 3), "m"), ((10, 3), "x")]:
        tmux("resize-window", "-t", name, "-x", str(size[0]), "-y", str(size[1]))
        if key == "m":
            keys(name, "j")  # No. 2 has milestones
        keys(name, key)
        if key == "x":
            keys(name, "BTab", "Enter")  # the format list, dropped down, in a 10x3 terminal
        tmux("resize-window", "-t", name, "-x", "81", "-y", "25")
        screen_with(name, {"c": "Contacts", "m": "Mark a milestone", "x": "Export the plan"}[key])
        keys(name, "Escape", "Escape") if key == "x" else keys(name, "Escape")
        wait_for(lambda: "Escape cancels" not in screen(name), "the dialog closed")
    quits_cleanly(name, tmp_path)


@pytest.mark.slow  # the tmux twin of test_never_crash.test_keys_arriving_during_a_quit
@pytest.mark.parametrize("second", ["e", "x", "c"])
def test_keys_in_the_same_read_as_q(terminal, tmp_path, second):
    db = tmp_path / "plan.json"
    name = terminal("--db", str(db), "--as-of", "2010-06-01")
    screen_with(name, "Recommendations (12)")
    keys(name, "q", second)
    text = screen_with(name, "EXIT=")
    assert "EXIT=0" in text and "internal error" not in text
    assert not (tmp_path / "crashes").exists()


@pytest.mark.slow  # the tmux twin of test_never_crash's pastes (the filter itself: below)
def test_bracketed_pastes_with_escapes_are_text(terminal, tmp_path):
    db = tmp_path / "plan.json"
    name = terminal("--db", str(db), "--as-of", "2010-06-01")
    screen_with(name, "Recommendations (12)")
    before = db.read_bytes()
    # On the main screen: nothing runs (it said two status changes and a dialog before).
    paste(name, "\x1b[31mred \x1b[0m done 2 r n")
    screen_with(name, "Pasted text is not run as keys")
    assert db.read_bytes() == before and "Show the plan as it stood" not in screen(name)  # no review date dialog
    # In the note box: inserted as typed, ESC spelled out, nothing run.
    keys(name, "n")
    screen_with(name, "Add a progress note")
    paste(name, "hello \x1b world quit 2 end")
    screen_with(name, "hello \\x1b world quit 2 end")
    keys(name, "Enter")
    wait_for(lambda: history(db, 1, "note"), "the note on disk")
    assert [h["note"] for h in history(db, 1, "note")] == ["hello \\x1b world quit 2 end"]
    assert doc(db, 1)["status"] == "not_started"
    # A raw paste (no brackets) with Ctrl+P in it: the palette's box takes the first 60 characters.
    keys(name, "C-p", "x" * 3000)
    screen_with(name, "x" * 60)
    keys(name, "Escape")
    wait_for(lambda: "Search for commands" not in screen(name) and "x" * 60 not in screen(name),
             "the palette closed")
    quits_cleanly(name, tmp_path)
    assert json.loads(db.read_text(encoding="utf-8"))


def test_the_filter_spells_out_escapes_only_inside_a_paste_even_split_across_reads():
    f = PasteFilter()
    reads = ["a\x1b[A\x1b[20", "0~hello \x1b world\x1b[2", "01~", "\x1b", "[B"]
    out = "".join(f.feed(r) for r in reads) + f.flush()
    assert out == "a\x1b[A\x1b[200~hello \\x1b world\x1b[201~\x1b[B"
    assert f.feed("\x1b") == "" and f.flush() == "\x1b"  # a lone Escape, passed on once nothing follows


def test_textual_s_own_parser_turns_a_paste_holding_esc_into_keys():
    """Why tui/driver.py exists: Textual's parser, fed a bracketed paste with an ESC in it, gives
    keystrokes (which ran as the app's keys). When an upgrade stops doing so, the filter can go."""
    from textual import events
    from textual.drivers import linux_driver

    pasted = "\x1b[200~hello \x1b world quit 2 end and some more text to read\x1b[201~"
    alone = list(linux_driver.XTermParser(False).feed(pasted))
    assert any(isinstance(e, events.Key) for e in alone)
    filtered = list(linux_driver.XTermParser(False).feed(PasteFilter().feed(pasted)))
    assert [type(e) for e in filtered] == [events.Paste]
    assert filtered[0].text == "hello \\x1b world quit 2 end and some more text to read"
