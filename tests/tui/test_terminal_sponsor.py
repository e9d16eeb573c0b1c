"""An owner's sponsor set in the app's contacts dialog in a real 80x24 terminal (tmux), as an officer
does it: c, Down to the owner, Enter, Tab to the sponsor, type, Enter; the dialog (its title to its
last line) fits, shows the sponsor next time, and the command line lists it."""

from __future__ import annotations

import shutil

import pytest

from test_terminal import screen_with
from test_terminal_keys import keys, quits_cleanly, terminal  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"), pytest.mark.slow]

ACE = "Assistant Chief Executive"


def test_a_sponsor_set_in_the_contacts_dialog_at_80x24(terminal, tmp_path, cli):  # noqa: F811
    db = tmp_path / "plan.json"
    res = cli("--db", str(db), "--user", "alice", "contact", "set", ACE, "ace@haringey.example",
              "--on", "2010-06-01")
    assert res.code == 0, res.err
    name = terminal("--db", str(db), "--as-of", "2010-06-01", size=(80, 24))
    screen_with(name, "Recommendations (12)")
    keys(name, "c")
    text = screen_with(name, "ace@haringey.example · no sponsor")
    assert "Contacts: where reminders go" in text and "Escape cancels" in text  # all of it on the screen
    keys(name, "Down")  # the owners are sorted: All HSP partners, then the Assistant Chief Executive
    screen_with(name, f"Addresses of {ACE}:")
    keys(name, "Enter", "Tab")
    keys(name, "ceo.haringey.example")  # a bad address: refused in the dialog, which stays open
    keys(name, "Enter")
    screen_with(name, "Sponsor: 'ceo.haringey.example' is not an e-mail address")
    keys(name, "C-u", "ceo@haringey.example", "Enter")
    screen_with(name, "Saved. Contact for Assistant Chief")  # (the notice wraps at 80 columns)
    listed = cli("--db", str(db), "contact", "list").out
    assert f"{ACE}: ace@haringey.example (sponsor: ceo@haringey.example)" in listed
    keys(name, "c")
    text = screen_with(name, "ace@haringey.example · sponsor")
    assert "ceo@haringey.example" in text and "Escape cancels" in text
    keys(name, "Escape")
    quits_cleanly(name, tmp_path)
