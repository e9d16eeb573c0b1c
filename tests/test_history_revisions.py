"""History, revised deadlines, milestones and undo, through the command line as an officer uses it.

Each test runs `python -m hsp_tui --db TMP --as-of 2010-06-01 --user alice ...` in a subprocess and
reads the result back through `export` (validated against the published schema).
"""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from hsp_tui.formats.schema import schema

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
VALIDATOR = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def officer(tmp_path, cli):
    """Run the CLI on one plan file as alice, as of 1 June 2010; `.export()` reads it back."""
    db = tmp_path / "plan.json"

    class Officer:
        path = db

        def __call__(self, *args: str, user: str = "alice"):
            return cli("--db", str(db), "--as-of", "2010-06-01", "--user", user, *args)

        def cli_today(self, *args: str):
            return cli("--db", str(db), *args)

        def export(self) -> dict:
            res = self("export")
            assert res.code == 0, res.err
            doc = json.loads(res.out)
            errors = list(VALIDATOR.iter_errors(doc))
            assert not errors, errors[0].message
            return doc

        def rec(self, number: int) -> dict:
            return self.export()["recommendations"][number - 1]

    o = Officer()
    assert o("list").code == 0  # creates the file from the seed
    return o


def assert_entries_well_formed(rec: dict) -> None:
    for h in rec["history"]:
        assert ISO_WITH_OFFSET.match(h["at"]), h["at"]
    assert [h["id"] for h in rec["history"]] == list(range(1, len(rec["history"]) + 1))


# -- revise ----------------------------------------------------------------------------------
@pytest.mark.parametrize("extra", [(), ("--reason", ""), ("--reason", "   ")])
def test_revise_without_a_reason_is_refused_and_changes_nothing(officer, extra):
    before = officer.path.read_bytes()
    res = officer("revise", "8", "July 2010", *extra)
    assert res.code != 0
    assert "reason" in res.err and len(res.err.strip().splitlines()) == 1
    assert "Traceback" not in res.err
    assert officer.path.read_bytes() == before


def test_revise_with_an_unreadable_deadline_is_refused(officer):
    before = officer.path.read_bytes()
    res = officer("revise", "8", "when pigs fly", "--reason", "slipped")
    assert res.code != 0 and "pigs" in res.err and "Traceback" not in res.err
    assert officer.path.read_bytes() == before


def test_revise_keeps_the_agreed_deadline_and_records_the_revision(officer):
    assert officer.rec(8)["overdue"] is True
    res = officer("revise", "8", "July 2010", "--reason", "PMG review moved to July")
    assert res.code == 0, res.err
    r8 = officer.rec(8)
    assert r8["deadline"] == "April – May 2010"  # as agreed, unchanged
    assert r8["current_deadline"] == "July 2010"
    assert r8["due"] == "2010-07-31" and r8["overdue"] is False and r8["revised"] is True
    (rev,) = r8["revisions"]
    assert (rev["deadline"], rev["reason"], rev["by"], rev["due"]) == (
        "July 2010", "PMG review moved to July", "alice", "2010-07-31")
    assert ISO_WITH_OFFSET.match(rev["at"])
    entry = r8["history"][-1]
    assert (entry["action"], entry["field"], entry["old"], entry["new"], entry["note"], entry["by"]) == (
        "revise", "deadline", "April – May 2010", "July 2010", "PMG review moved to July", "alice")
    assert entry["at"] == rev["at"]
    assert_entries_well_formed(r8)


def test_a_later_revision_sets_the_due_date_and_both_are_kept(officer):
    assert officer("revise", "8", "July 2010", "--reason", "first").code == 0
    assert officer("revise", "8", "March 2011", "--reason", "second", user="bob").code == 0
    r8 = officer.rec(8)
    assert [(r["deadline"], r["by"]) for r in r8["revisions"]] == [("July 2010", "alice"), ("March 2011", "bob")]
    assert r8["due"] == "2011-03-31" and r8["deadline"] == "April – May 2010"
    assert r8["history"][-1]["old"] == "July 2010"


def test_revised_item_shows_as_revised_in_show_and_list(officer):
    officer("revise", "8", "July 2010", "--reason", "moved")
    shown = officer("show", "8").out
    assert "Deadline: agreed April – May 2010, revised to July 2010" in shown
    assert "July 2010" in shown and "moved" in shown


# -- milestones ------------------------------------------------------------------------------
def test_milestone_done_on_its_own_moves_the_due_date_not_the_status(officer):
    before = officer.rec(2)
    assert before["due"] == "2010-04-30" and before["overdue"] is True
    res = officer("milestone", "2", "1", "done", "--note", "Framework agreed by PMG")
    assert res.code == 0, res.err
    r2 = officer.rec(2)
    assert [m["done"] for m in r2["milestones"]] == [True, False]
    assert r2["due"] == "2010-10-31"  # the next open milestone's
    assert r2["overdue"] is False
    assert r2["status"] == "not_started"  # finishing a milestone does not finish the item
    assert r2["latest_note"] == "Framework agreed by PMG"
    entry = r2["history"][-1]
    assert (entry["action"], entry["field"], entry["old"], entry["new"]) == (
        "milestone", "milestone", {"index": 1, "done": False}, {"index": 1, "done": True})
    assert_entries_well_formed(r2)


def test_finishing_every_milestone_still_does_not_finish_the_item(officer):
    officer("milestone", "2", "1", "done")
    officer("milestone", "2", "2", "done")
    r2 = officer.rec(2)
    assert all(m["done"] for m in r2["milestones"]) and r2["status"] == "not_started"


def test_milestone_reopened_brings_its_due_date_back(officer):
    officer("milestone", "2", "1", "done")
    assert officer("milestone", "2", "1", "open").code == 0
    r2 = officer.rec(2)
    assert r2["due"] == "2010-04-30" and r2["overdue"] is True


@pytest.mark.parametrize("number, index", [("2", "3"), ("1", "1"), ("2", "0"), ("99", "1")])
def test_missing_milestone_is_refused_and_changes_nothing(officer, number, index):
    before = officer.path.read_bytes()
    res = officer("milestone", number, index, "done")
    assert res.code != 0 and "Traceback" not in res.err and len(res.err.strip().splitlines()) == 1
    assert officer.path.read_bytes() == before


# -- undo ------------------------------------------------------------------------------------
def test_undo_adds_an_entry_and_erases_nothing(officer):
    officer("set", "3", "in_progress", "--note", "Scoping started")
    officer("assign", "3", "Head of Policy")
    before = officer.rec(3)["history"]
    res = officer("undo", "3", user="bob")
    assert res.code == 0, res.err
    r3 = officer.rec(3)
    assert r3["history"][: len(before)] == before  # every earlier entry exactly as it was
    undo = r3["history"][-1]
    assert len(r3["history"]) == len(before) + 1
    assert (undo["action"], undo["undoes"], undo["field"], undo["by"]) == ("undo", before[-1]["id"], "owner", "bob")
    assert (undo["old"], undo["new"]) == ("Head of Policy", "Assistant Chief Executive")
    assert r3["owner"] == "Assistant Chief Executive" and r3["status"] == "in_progress"
    assert_entries_well_formed(r3)
    # The next undo takes the status change back; the owner undo itself is not undone.
    officer("undo", "3")
    r3 = officer.rec(3)
    assert r3["status"] == "not_started" and r3["owner"] == "Assistant Chief Executive"
    assert [h["action"] for h in r3["history"]] == ["create", "set", "set", "undo", "undo"]


def test_undo_of_a_note_withdraws_it_but_keeps_it_in_history(officer):
    officer("note", "1", "Board paper drafted")
    officer("note", "1", "Posted on the wrong item")
    officer("undo", "1")
    r1 = officer.rec(1)
    assert r1["latest_note"] == "Board paper drafted"
    assert any(h["note"] == "Posted on the wrong item" for h in r1["history"])
    assert r1["history"][-1]["old"] == "Posted on the wrong item"


def test_undo_of_a_revision_restores_the_milestone_due_date(officer):
    officer("revise", "2", "July 2010", "--reason", "hub delayed")
    assert officer.rec(2)["due"] == "2010-07-31"
    assert officer("undo", "2").code == 0
    r2 = officer.rec(2)
    assert r2["due"] == "2010-04-30" and r2["overdue"] is True and r2["revised"] is False
    assert [r["deadline"] for r in r2["revisions"]] == ["July 2010", "April 2010 October 2010"]  # both kept
    assert [h["action"] for h in r2["history"]] == ["create", "revise", "undo"]


def test_undo_twice_of_the_same_entry_is_refused(officer):
    officer("set", "4", "done")
    assert officer("undo", "4", "--entry", "2").code == 0
    before = officer.path.read_bytes()
    res = officer("undo", "4", "--entry", "2")
    assert res.code != 0 and "already undone" in res.err
    assert officer.path.read_bytes() == before


def test_undo_with_nothing_to_undo_is_refused(officer):
    before = officer.path.read_bytes()
    res = officer("undo", "5")
    assert res.code != 0 and "Traceback" not in res.err
    assert officer.path.read_bytes() == before


def test_history_is_shown_in_the_detail_view_newest_first(officer):
    officer("set", "3", "blocked", "--note", "Waiting for budget")
    officer("undo", "3", user="bob")
    shown = officer("show", "3").out
    lines = shown[shown.index("History"):].splitlines()
    assert "undid change #2" in lines[1] and "bob" in lines[1]
    assert "status Not started -> Blocked" in shown and "Waiting for budget" in shown


# -- every change is an entry ----------------------------------------------------------------
def test_every_kind_of_change_is_one_entry_with_who_and_when(officer, tmp_path):
    steps = [("set", "7", "in_progress"), ("note", "7", "Phase 2 scoped"), ("assign", "7", "Director of Public Health"),
             ("revise", "7", "September 2010", "--reason", "JSNA timetable"), ("undo", "7")]
    for k, step in enumerate(steps, start=2):
        res = officer(*step)
        assert res.code == 0, res.err
        r7 = officer.rec(7)
        assert len(r7["history"]) == k
        assert r7["history"][-1]["by"] == "alice"
    assert [h["action"] for h in r7["history"]] == ["create", "set", "note", "set", "revise", "undo"]
    assert [h["field"] for h in r7["history"]] == [None, "status", None, "owner", "deadline", "deadline"]
    assert_entries_well_formed(r7)

    # An import is an entry too (and keeps what was there).
    exported = tmp_path / "e.json"
    assert officer("export", "-o", str(exported)).code == 0
    res = officer("import", str(exported), "--replace", user="carol")
    assert res.code == 0, res.err
    today = json.loads(officer.cli_today("export").out)  # the import took effect today
    r7b = today["recommendations"][6]
    assert r7b["history"][:-1] == r7["history"]
    assert (r7b["history"][-1]["action"], r7b["history"][-1]["by"]) == ("import", "carol")
    assert_entries_well_formed(r7b)
