"""Issue 22 in a real terminal (tmux): the app opened at a past review date under later changes shows
the plan as it stood, says so in the header, refuses a change key with the way back, and `r` with an
empty date returns to today's plan, where the keys work."""

from __future__ import annotations

import re
import shutil

import pytest

from test_terminal import screen, screen_with, wait_for
from test_terminal_keys import doc, keys, quits_cleanly, terminal  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"), pytest.mark.slow]


def row_2(text: str) -> str | None:
    """Item 2's row in the table (inside the table's border)."""
    return next((line for line in text.splitlines() if re.search(r"[│|]\s+2 3\.2 ", line)), None)


def test_a_past_review_date_in_a_terminal_is_the_plan_as_it_stood_read_only(terminal, tmp_path, cli):  # noqa: F811
    db = tmp_path / "plan.json"
    for args in (["note", "2", "Framework drafted", "--on", "2010-11-15"],
                 ["set", "2", "done", "--note", "Framework agreed at PMG", "--on", "2011-03-25"]):
        res = cli("--db", str(db), "--user", "alice", *args)
        assert res.code == 0, res.err
    name = terminal("--db", str(db), "--as-of", "2010-12-01", size=(200, 40))
    screen_with(name, "As it stood on 1 Dec 2010")
    # The first frames may draw the table before its columns settle (a status as one letter): wait
    # for the row with its status in words, then check it.
    last: list[str] = [""]

    def settled_row() -> str | None:
        last[0] = screen(name)
        r = row_2(last[0])
        return r if r and "Not started" in r else None

    try:
        row = wait_for(settled_row, "item 2's row, Not started")
    except AssertionError:
        raise AssertionError(f"item 2's row never said Not started; the screen:\n{last[0]}") from None
    assert "OVERDUE" in row and "Done" not in row
    keys(name, "j")
    keys(name, "4")
    screen_with(name, "Read-only:")
    assert doc(db, 2)["status"] == "done" and len(doc(db, 2)["history"]) == 3  # nothing written
    keys(name, "r")
    screen_with(name, "empty: today's plan")
    keys(name, "C-u", "Enter")
    text = screen_with(name, "(today)")
    assert "As it stood" not in text.splitlines()[0]
    assert "Done" in row_2(text)
    keys(name, "k", "2")
    wait_for(lambda: doc(db, 1)["status"] == "in_progress", "item 1 In progress on disk")
    quits_cleanly(name, tmp_path)
