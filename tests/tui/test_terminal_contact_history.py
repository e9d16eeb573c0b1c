"""An owner's contact history in a real 80x24 terminal (tmux), as an auditor opens it: c, Down to the
owner, the line saying who last changed their contact, h; the history (its title to its last line)
fits the screen, newest first, and Escape closes it back to the contacts, Escape again to the plan."""

from __future__ import annotations

import shutil

import pytest

from test_terminal import screen, screen_with, wait_for
from test_terminal_keys import keys, quits_cleanly, terminal  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"), pytest.mark.slow]

ACE = "Assistant Chief Executive"


def test_the_contact_history_at_80x24_fits_and_closes(terminal, tmp_path, cli):  # noqa: F811
    db = tmp_path / "plan.json"
    # seven changes by two people: more than the dialog shows at once at 80x24
    for k, (who, on) in enumerate((("alice", "2010-04-01"), ("carol", "2010-04-08"), ("alice", "2010-04-15"),
                                   ("carol", "2010-04-22"), ("alice", "2010-04-29"), ("carol", "2010-05-06"),
                                   ("alice", "2010-05-13"))):
        res = cli("--db", str(db), "--user", who, "contact", "set", ACE, f"ace{k + 1}@haringey.example",
                  "--sponsor", "ce@haringey.example" if k == 6 else "", "--on", on)
        assert res.code == 0, res.err
    name = terminal("--db", str(db), "--user", "bob", "--as-of", "2010-06-01", size=(80, 24))
    screen_with(name, "Recommendations (12)")
    keys(name, "c")
    screen_with(name, "Contacts: where reminders go")
    keys(name, "Down")  # the owners are sorted: All HSP partners, then the Assistant Chief Executive
    screen_with(name, "Contact changed by alice on 13 May 2010 · h: its history (7 changes)")
    keys(name, "h")
    text = screen_with(name, f"Contact history (newest first): {ACE}")
    lines = text.splitlines()
    assert len(lines) <= 24 and "7 changes · Up/Down scroll · Escape closes" in text  # all of it
    assert "#7  on 13 May 2010, recorded" in text and "alice" in text
    assert "changed: ace7@haringey.example · sponsor ce@haringey.example" in text
    assert "#1 " not in text  # the oldest is further down
    keys(name, "End")  # scrolled (smoothly) to the oldest change, at the foot of the list
    text = screen_with(name, "set: ace1@haringey.example · no sponsor")
    assert "#1  on 1 Apr 2010, recorded" in text and f"Contact history (newest first): {ACE}" in text
    keys(name, "Escape")  # back to the contacts, the same owner highlighted
    wait_for(lambda: "Contact history (newest first)" not in screen(name), "the history closed")
    text = screen_with(name, "Escape cancels")
    assert f"Addresses of {ACE}:" in text
    keys(name, "Escape")
    wait_for(lambda: "Contacts:" not in screen(name), "the contacts closed")
    quits_cleanly(name, tmp_path)
