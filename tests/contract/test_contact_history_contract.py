"""`hsp-tui contact history [OWNER]` on every backend: the plan's own history of its contacts (who set,
changed or removed which owner's addresses and sponsor, and when), as an auditor reads it to see why
a reminder went to an address or who named the sponsor an item was escalated to.

From the command line, as people do it: the officer (alice) and the auditor (carol) each change
contacts as themselves; on a server a reader (bob) reads the history too.
"""

from __future__ import annotations

import re

ACE = "Assistant Chief Executive"  # owns items 1 and 2 of the seed
ODL = "Head of OD&L"  # owns items of the seed
HOSTILE = "[bold]Board[/bold] \x1b[2J"  # an owner a colleague typed: markup and a terminal control


def changes(place, cli):
    """Five changes by two people, on four days: set, changed, sponsor set, another owner set and removed."""
    alice, carol = place.as_person("alice"), place.as_person("carol")

    def run(who, *args):
        res = cli(*who, *args)
        assert res.code == 0, (args, res.err)

    run(alice, "contact", "set", ACE, "ace@haringey.example", "--on", "2010-04-01")
    run(carol, "contact", "set", "assistant  chief executive", "ace@haringey.example, pa@haringey.example",
        "--on", "2010-05-01")
    run(alice, "contact", "set", ACE, "ace@haringey.example", "pa@haringey.example", "--sponsor",
        "\u202ece@haringey.example", "--on", "2010-06-01")
    run(carol, "contact", "set", HOSTILE, "board@haringey.example", "--on", "2010-06-01")
    run(alice, "contact", "remove", HOSTILE.upper(), "--on", "2010-07-01")


def entries(out: str) -> list[tuple[str, str, str, str]]:
    """(id, when, who, what) of each line of the history printed."""
    return [m.groups() for m in re.finditer(r"^  (#\d+)  (.+?)  (alice|carol)  (.+)$", out, re.MULTILINE)]


def test_the_history_lists_each_change_newest_first_with_who_when_and_what(backend, place, cli):
    changes(place, cli)
    reader = place.as_person("bob")  # on a server a reader, who may change nothing, reads it too
    res = cli(*reader, "contact", "history")
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert lines[0] == "Contact history  (newest first)"
    shown = entries(res.out)
    assert len(lines) == 6 and len(shown) == 5, res.out
    assert [(i, who) for i, _, who, _ in shown] == [
        ("#5", "alice"), ("#4", "carol"), ("#3", "alice"), ("#2", "carol"), ("#1", "alice")]
    # the day each change took effect, beside the time it was recorded (the clock's, or the server's)
    assert [when.split(",")[0] for _, when, _, _ in shown] == [
        "on 1 Jul 2010", "on 1 Jun 2010", "on 1 Jun 2010", "on 1 May 2010", "on 1 Apr 2010"]
    assert all(re.fullmatch(r"on \d+ \w+ 2010, recorded \d+ \w+ \d{4} \d\d:\d\d", when) for _, when, _, _ in shown)
    # the owner, and what was set (addresses, sponsor), changed (and what it was) or removed
    board = r"[bold]Board[/bold] \x1b[2J"  # shown as typed, the control spelled out
    sponsor = r"\u202ece@haringey.example"
    assert [what for _, _, _, what in shown] == [
        f"{board}: removed (was board@haringey.example · no sponsor)",
        f"{board}: set: board@haringey.example · no sponsor",
        f"{ACE}: changed: ace@haringey.example, pa@haringey.example · sponsor {sponsor} "
        "(was ace@haringey.example, pa@haringey.example · no sponsor)",
        f"{ACE}: changed: ace@haringey.example, pa@haringey.example · no sponsor "
        "(was ace@haringey.example · no sponsor)",
        f"{ACE}: set: ace@haringey.example · no sponsor",
    ]
    assert "\x1b" not in res.out and "\u202e" not in res.out


def test_one_owners_history_and_the_history_as_it_stood_on_a_day(backend, place, cli):
    changes(place, cli)
    reader = place.as_person("bob")
    res = cli(*reader, "contact", "history", "ASSISTANT chief  executive")  # matched as `contact set` matches
    assert res.code == 0, res.err
    assert res.out.splitlines()[0] == f"Contact history of {ACE}  (newest first)"
    assert [(i, who) for i, _, who, _ in entries(res.out)] == [("#3", "alice"), ("#2", "carol"), ("#1", "alice")]
    assert "Board" not in res.out

    # as it stood at the end of 1 May 2010: the changes after that day are not there
    res = cli(*reader, "--as-of", "2010-05-01", "contact", "history")
    assert res.code == 0, res.err
    assert res.out.splitlines()[0] == "Contact history up to 1 May 2010  (newest first)"
    assert [(i, who) for i, _, who, _ in entries(res.out)] == [("#2", "carol"), ("#1", "alice")]
    assert "sponsor \\u202e" not in res.out and "Board" not in res.out

    # an owner whose contact was removed keeps their history; before any change, none yet
    res = cli(*reader, "contact", "history", "[BOLD]board[/bold] \x1b[2j")
    assert res.code == 0, res.err
    assert [i for i, _, _, _ in entries(res.out)] == ["#5", "#4"]
    res = cli(*reader, "--as-of", "2010-03-31", "contact", "history", ACE)
    assert res.code == 0 and res.out.splitlines() == [
        f"Contact history of {ACE} up to 31 Mar 2010  (newest first)", "  none yet"], res.out
    res = cli(*reader, "contact", "history", ODL)  # an owner of items whose contact was never set
    assert res.code == 0 and res.out.splitlines()[1:] == ["  none yet"], res.out


def test_an_owner_the_plan_does_not_know_is_one_line_and_exit_2(backend, place, cli):
    changes(place, cli)
    res = cli(*place.as_person("bob"), "contact", "history", "Assistant Chef Executive")
    assert res.code == 2 and res.out == ""
    assert res.err == ("hsp-tui: error: no owner 'Assistant Chef Executive' in this plan (no item, no contact); "
                       "'hsp-tui contact list' shows the owners\n")


def test_entries_made_before_the_sponsor_was_recorded_say_it_is_not_recorded(place, cli, tmp_path):
    """A plan whose contact entries hold the addresses alone (recorded so before schema version 9),
    imported: its history says the sponsor was not recorded, and a change of it alone says so."""
    import json

    source = tmp_path / "source.json"
    for on, addresses in (("2010-05-01", "ace@haringey.example"), ("2010-09-01", "ace@haringey.example, a@x.example")):
        assert cli("--db", str(source), "--user", "tess", "contact", "set", ACE, addresses, "--on", on).code == 0
    exported = tmp_path / "export.json"
    assert cli("--db", str(source), "export", "-o", str(exported)).code == 0
    data = json.loads(exported.read_text(encoding="utf-8"))
    first, second = data["plan"]["history"]
    first["new"] = ["ace@haringey.example"]
    second["old"], second["new"] = ["ace@haringey.example"], ["ace@haringey.example"]  # the sponsor alone changed
    data["plan"]["history"] = [first, second, dict(second, id=3, old=second["new"],
                                                   new=["ace@haringey.example", "a@x.example"])]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(data), encoding="utf-8")
    owner = [] if place.login is None else ["--plan", "older"]
    res = cli("--db", place.target, "import", str(older), *owner)
    assert res.code == 0, res.err
    res = cli(*place.as_person("bob"), "contact", "history", ACE)
    assert res.code == 0, res.err
    # (on a server, each entry an import brought is marked: "tess (as imported by hsp_owner, ...)")
    assert [line.split("  ")[-1] for line in res.out.splitlines()[1:]] == [
        f"{ACE}: changed: ace@haringey.example, a@x.example · sponsor not recorded "
        "(was ace@haringey.example · sponsor not recorded)",
        f"{ACE}: changed: ace@haringey.example · sponsor changed, not recorded",
        f"{ACE}: set: ace@haringey.example · sponsor not recorded",
    ]
