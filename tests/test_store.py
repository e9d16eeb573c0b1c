"""The working file: seeding, round trips, history, refusal of foreign files, concurrent writers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hsp_tui.domain.errors import ConflictError, InputError, NotFoundError, PlanFileError
from hsp_tui.formats.importing import seed_to_data
from hsp_tui.domain.records import SCHEMA_VERSION, Status
from hsp_tui.storage.seed import seed_document
from hsp_tui.storage.file.jsonfile import Signature
from hsp_tui.storage.store import Store

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def test_open_creates_folders_and_seeds_a_missing_file(tmp_path):
    path = tmp_path / "a" / "b" / "plan.json"
    store = Store.open(path, seed=lambda: seed_to_data(seed_document(), by="me", at="2010-03-16T10:00:00+00:00"))
    plan = store.load()
    assert path.exists()
    assert plan.meta.title == "Partnership working in Haringey"
    assert [r.number for r in plan.recommendations] == list(range(1, 13))
    # An ordinary, human-readable TinyDB file with a schema version.
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["meta"]["1"]["schema_version"] == SCHEMA_VERSION
    assert raw["recommendations"]["8"]["deadline"] == "April – May 2010"
    assert "\n  " in path.read_text(encoding="utf-8")  # indented
    assert "April – May 2010" in path.read_text(encoding="utf-8")  # UTF-8, not \u escapes


def test_seed_matches_the_report(store):
    plan = store.load()
    assert plan.meta.author == "Grant Thornton UK LLP"
    assert str(plan.meta.date) == "2010-03-16"
    rec2 = plan.get(2)
    assert rec2.owner == "Assistant Chief Executive"  # repaired from the cut 'Assistant Chief'
    assert rec2.management_response.endswith("together in one 'hub'.")
    assert [m.deadline for m in rec2.milestones] == ["April 2010", "October 2010"]
    assert plan.get(3).management_response.startswith("The servicing of the HSP")
    assert plan.get(10).ref == "5.3" and plan.get(10).recommendation.startswith("The development")
    assert plan.get(12).deadline == "From July"
    assert all(r.status is Status.NOT_STARTED for r in plan.recommendations)
    assert rec2.repairs  # each repair is recorded


def test_open_never_overwrites_an_existing_file(plan_path):
    before = plan_path.read_bytes()
    Store.open(plan_path, seed=lambda: pytest.fail("must not seed an existing file"))
    assert plan_path.read_bytes() == before


def test_status_change_is_saved_with_a_history_entry(plan_path):
    store = Store(plan_path)
    change = store.set_status(3, "in progress", by="alice", note="Secretariat scoping started")
    assert change.plan.get(3).status is Status.IN_PROGRESS
    fresh = Store(plan_path).load().get(3)  # read back from disk by a new store
    assert fresh.status is Status.IN_PROGRESS
    entry = fresh.history[-1]
    assert (entry.by, entry.field, entry.old, entry.new, entry.note) == (
        "alice", "status", "not_started", "in_progress", "Secretariat scoping started")
    assert ISO_WITH_OFFSET.match(entry.at)
    assert fresh.latest_note == "Secretariat scoping started"


def test_notes_owner_and_text_are_stored_exactly_as_given(store, plan_path):
    text = "Kick-off held [bold]28 May[/] \x1b[31mred\x1b[0m \u202eevil"
    store.add_note(1, text, by="bob")
    store.set_owner(1, "Head of Policy [i]", by="bob")
    rec = Store(plan_path).load().get(1)
    assert rec.latest_note == text
    assert rec.owner == "Head of Policy [i]"


def test_unknown_recommendation_and_bad_status_are_refused_and_nothing_changes(store, plan_path):
    before = plan_path.read_bytes()
    with pytest.raises(NotFoundError, match="no recommendation 99"):
        store.set_status(99, Status.DONE, by="x")
    with pytest.raises(InputError, match="unknown status 'finished'"):
        store.set_status(1, "finished", by="x")
    with pytest.raises(InputError, match="empty"):
        store.add_note(1, "   ", by="x")
    assert plan_path.read_bytes() == before


def test_each_save_keeps_the_previous_file_as_a_backup(store, plan_path):
    before = plan_path.read_bytes()
    store.set_status(1, Status.DONE, by="x")
    bak = plan_path.with_name("plan.json.bak")
    assert bak.read_bytes() == before
    assert not list(plan_path.parent.glob(".*.tmp"))  # no temp files left behind


def test_undo_appends_an_entry_and_erases_nothing(store):
    change = store.set_status(1, Status.DONE, by="x")
    undo = store.undo(1, change.entry.id, by="x")
    rec = undo.plan.get(1)
    assert rec.status is Status.NOT_STARTED
    assert [h.action for h in rec.history][-2:] == ["set", "undo"]
    assert rec.history[-1].undoes == change.entry.id
    with pytest.raises(ConflictError, match="already undone"):
        store.undo(1, change.entry.id, by="x")


def test_undo_refuses_to_overwrite_a_later_change(store):
    first = store.set_status(1, Status.IN_PROGRESS, by="me")
    store.set_status(1, Status.BLOCKED, by="colleague")
    with pytest.raises(ConflictError, match="changed since"):
        store.undo(1, first.entry.id, by="me")
    assert store.load().get(1).status is Status.BLOCKED


def test_undoing_a_note_withdraws_it_but_keeps_it_in_history(store):
    c = store.add_note(4, "Business Group met", by="me")
    rec = store.undo(4, c.entry.id, by="me").plan.get(4)
    assert rec.latest_note is None
    assert any(h.note == "Business Group met" for h in rec.history)


def test_revision_needs_a_reason_and_a_readable_deadline(store, plan_path):
    before = plan_path.read_bytes()
    with pytest.raises(InputError, match="reason"):
        store.revise(8, "July 2010", reason="  ", by="x")
    with pytest.raises(InputError, match="cannot read deadline"):
        store.revise(8, "sometime", reason="late", by="x")
    assert plan_path.read_bytes() == before


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"{not json", "not valid JSON"),
    (b'{"_default": {"1": {"a": 1}}}', "not an hsp-tui plan file"),
    (b"[1, 2, 3]", "not an hsp-tui plan file"),
    (b'{"meta": {"1": {"app": "hsp-tui", "schema_version": 99}}, "recommendations": {}}', "newer hsp-tui"),
])
def test_foreign_or_broken_files_are_refused_and_left_untouched(tmp_path, content, message):
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    store = Store(path)
    with pytest.raises(PlanFileError, match=message) as exc:
        store.load()
    assert str(path) in str(exc.value)
    with pytest.raises(PlanFileError):
        store.set_status(1, Status.DONE, by="x")
    with pytest.raises(PlanFileError):
        Store.open(path, seed=lambda: pytest.fail("must not seed over a broken file")).load()
    assert path.read_bytes() == content


def test_a_corrupt_file_names_the_backup_to_restore(store, plan_path):
    store.set_status(1, Status.DONE, by="x")  # creates plan.json.bak
    plan_path.write_bytes(b'{"meta": {"1": ')   # a broken file (e.g. a bad hand edit)
    with pytest.raises(PlanFileError, match=r"plan\.json\.bak"):
        Store(plan_path).load()


WRITER = r"""
import sys
from hsp_tui.storage.store import Store
path, number, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = Store(path)
for i in range(n):
    store.add_note(number, f"note {i} from writer {number}", by=f"w{number}")
"""


def test_two_processes_saving_at_once_lose_nothing(plan_path):
    n = 15
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(plan_path), str(k), str(n)]) for k in (1, 2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    plan = Store(plan_path).load()
    for k in (1, 2):
        notes = [h.note for h in plan.get(k).history if h.action == "note"]
        assert notes == [f"note {i} from writer {k}" for i in range(n)]


def test_a_second_store_sees_changes_made_by_another(plan_path):
    mine, theirs = Store(plan_path), Store(plan_path)
    sig = mine.change_token()
    mine.load()
    theirs.set_status(5, Status.IN_PROGRESS, by="colleague")
    assert mine.change_token() != sig
    # A change made here is applied to the latest file, not to a stale copy.
    plan = mine.set_status(6, Status.DONE, by="me").plan
    assert plan.get(5).status is Status.IN_PROGRESS and plan.get(6).status is Status.DONE


def test_create_refuses_to_overwrite(plan_path, seed_data):
    with pytest.raises(PlanFileError, match="already exists"):
        Store(plan_path).create(seed_data)


def test_a_change_tells_which_version_of_the_file_it_was_applied_to(plan_path):
    mine, theirs = Store(plan_path), Store(plan_path)
    seen = mine.change_token()
    mine.load()
    first = mine.set_status(1, Status.IN_PROGRESS, by="me")
    assert first.before == seen  # nobody saved in between: only our item needs redrawing
    after_mine = first.after
    assert after_mine == mine.change_token() != seen
    theirs.add_note(2, "colleague's note", by="colleague")
    second = mine.set_status(3, Status.DONE, by="me")
    assert second.before != after_mine  # someone saved in between: the caller must take the whole plan
    assert second.plan.get(2).latest_note == "colleague's note"


@pytest.mark.parametrize("change", [
    lambda s: s.set_status(1, Status.NOT_STARTED, by="x"),
    lambda s: s.set_owner(1, "Assistant Chief Executive", by="x"),
    lambda s: s.set_milestone(2, 1, False, by="x"),
    lambda s: s.revise(1, "April 2010", reason="no change really", by="x"),
])
def test_a_change_that_changes_nothing_is_not_saved_or_recorded(store, plan_path, change):
    before = plan_path.read_bytes()
    result = change(store)
    assert result.entry is None and "nothing changed" in result.summary
    assert plan_path.read_bytes() == before  # no save, no history entry


def test_the_same_status_with_a_note_is_recorded(store):
    change = store.set_status(1, Status.NOT_STARTED, by="x", note="Waiting for the PMG")
    assert change.entry is not None and change.plan.get(1).latest_note == "Waiting for the PMG"


@pytest.mark.parametrize("mode", [0o444, 0o440, 0o400])
def test_a_read_only_plan_is_refused_clearly_even_for_root(plan_path, mode):
    plan_path.chmod(mode)
    before = plan_path.read_bytes()
    try:
        with pytest.raises(PlanFileError, match="the file is read-only; nothing was saved"):
            Store(plan_path).set_status(1, Status.DONE, by="x")
        assert Store(plan_path).load().get(1).status is Status.NOT_STARTED  # still readable
    finally:
        plan_path.chmod(0o644)
    assert plan_path.read_bytes() == before


# -- a store re-uses the data it last wrote only while the file holds exactly those bytes ----------
def test_an_edit_that_keeps_size_and_time_is_not_lost_by_the_next_change(plan_path):
    """The store skips re-parsing a file it wrote itself, so the check must be on the bytes: here
    a colleague's edit keeps the file's size, inode and modification time, and still survives."""
    import os

    alice = Store(plan_path, long_running=True)  # as the app does: what it reads and saves is kept
    alice.load()
    alice.set_status(1, "in progress", by="alice")
    st = os.stat(plan_path)
    text = plan_path.read_text(encoding="utf-8")
    edited = text.replace('"owner": "All HSP partners"', '"owner": "All HSP partnerz"', 1)
    assert edited != text and len(edited) == len(text)
    with open(plan_path, "r+", encoding="utf-8") as fh:  # in place: same inode
        fh.write(edited)
    os.utime(plan_path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert alice.change_token() == Signature(st.st_mtime_ns, st.st_size, st.st_ino)
    alice.add_note(1, "after the edit", by="alice")
    plan = Store(plan_path).load()
    assert plan.get(6).owner == "All HSP partnerz"  # the colleague's edit
    assert plan.get(1).status is Status.IN_PROGRESS and plan.get(1).history[-1].note == "after the edit"


def test_later_changes_do_not_alter_what_an_earlier_change_returned(plan_path):
    store = Store(plan_path, long_running=True)
    store.load()
    first = store.set_status(2, "done", by="alice")
    second = store.add_note(2, "signed off", by="alice")
    third = store.set_milestone(2, 1, True, by="alice")
    assert [h.action for h in first.plan.get(2).history][-1] == "set"
    assert len(second.plan.get(2).history) == len(first.plan.get(2).history) + 1
    assert not first.plan.get(2).milestones[0].done and third.plan.get(2).milestones[0].done
    assert Store(plan_path).load().get(2).history == third.plan.get(2).history


def test_a_failed_save_leaves_nothing_behind_for_the_next_one(plan_path, monkeypatch):
    import os

    store = Store(plan_path, long_running=True)
    store.load()
    store.set_status(4, "blocked", by="alice")
    real_fsync = os.fsync

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(PlanFileError):
        store.add_note(4, "never saved", by="alice")
    monkeypatch.setattr(os, "fsync", real_fsync)
    store.add_note(4, "saved", by="alice")
    notes = [h.note for h in Store(plan_path).load().get(4).history if h.action == "note"]
    assert notes == ["saved"]


def test_changes_from_two_stores_in_turn_are_all_kept(plan_path):
    alice, bob = Store(plan_path, long_running=True), Store(plan_path, long_running=True)
    alice.load()
    bob.load()
    for k in range(1, 7):
        (alice if k % 2 else bob).add_note(k, f"note {k}", by="alice" if k % 2 else "bob")
        alice.add_note(12, f"again {k}", by="alice")  # alice's own saves in between
    plan = Store(plan_path).load()
    assert all(plan.get(k).history[-1].note == f"note {k}" for k in range(1, 7))
    assert [h.note for h in plan.get(12).history if h.action == "note"] == [f"again {k}" for k in range(1, 7)]


def test_a_remembered_read_is_used_by_the_next_change_only_while_the_file_is_unchanged(plan_path):
    reader = Store(plan_path, long_running=True)
    reader.load()
    Store(plan_path).set_status(5, "done", by="bob")  # another officer saves after our read
    reader.add_note(5, "seen", by="alice")
    rec = Store(plan_path).load().get(5)
    assert rec.status is Status.DONE and rec.history[-1].note == "seen"
