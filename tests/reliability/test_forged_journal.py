"""A journal beside the plan is replayed only when someone who may write the plan could have made it.

Mallory is in the team but may only read the plan (0640 alice:team), or not even that (0600). She
plants a complete, well-formed journal (the plan's device and inode, the right checksums, the
set-group-ID bit only members can set) holding a plan of her own. Nobody's save or read takes it;
the first command that meets it says so once. Every command runs as a real other user (people.py).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import orjson
import pytest

from sampling import sampled

from hsp_tui.storage.file import journal

from .helpers import make_plan, recs
from .people import ALICE, BOB, MALLORY, TEAM, Person, needs_root, shared_root, team_folder  # noqa: F401

pytestmark = needs_root
NAME = ".plan.json.00112233aabbccdd.journal"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("forged"), 12, name="template.json")


def team_plan(root: Path, template: Path, folder_mode: int, plan_mode: int) -> Path:
    db = team_folder(root, folder_mode) / "plan.json"
    db.write_bytes(template.read_bytes())
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, plan_mode)
    return db


def journal_bytes(db: Path, content: bytes, old: bytes) -> bytes:
    """A complete journal for the plan now at `db` (as `journal.write` makes them)."""
    st = db.stat()
    header = {"dev": st.st_dev, "ino": st.st_ino, "length": len(content), "old": journal.digest(old),
              "new": journal.digest(content)}
    return (journal.MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + content
            + b"\nend " + journal.digest(content).encode() + b"\n")


def forgery(db: Path) -> bytes:
    """The plan with item 1's owner changed and its status dropped, no history entry for either."""
    data = orjson.loads(db.read_bytes())
    rec = data["recommendations"]["1"]
    rec["owner"] = "MALLORY WAS HERE"
    rec["status"] = "not_started"
    return orjson.dumps(data)


def plant(person: Person, path: Path, payload: bytes, mode: int) -> None:
    """`person` creates `path` holding `payload`, then sets `mode` (the kernel decides what stays)."""
    person.python("import sys\n"
                  "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)\n"
                  "os.write(fd, sys.stdin.buffer.read()); os.fchmod(fd, int(sys.argv[2], 8)); os.close(fd)\n",
                  str(path), f"{mode:o}", input=payload)


@pytest.mark.parametrize("folder_mode", sampled([0o2770, 0o3770]), ids=["setgid", "sticky-setgid"])
@pytest.mark.parametrize("plan_mode", sampled([0o640, 0o600]))
def test_a_member_who_may_not_write_the_plan_cannot_replace_it_with_a_journal(
        shared_root: Path, template: Path, folder_mode: int, plan_mode: int) -> None:
    """(Before: Alice's next unrelated change wrote Mallory's plan into the plan file and its backup.)"""
    db = team_plan(shared_root, template, folder_mode, plan_mode)
    r = ALICE.run(db, "set", "1", "in_progress")
    assert r.returncode == 0, r.stderr
    if plan_mode & 0o040:
        r = MALLORY.run(db, "set", "2", "done")  # her own change is refused: read-only to her
        assert r.returncode != 0 and recs(db)[2]["status"] == "not_started"
    fake = forgery(db)
    plant(MALLORY, db.with_name(NAME), journal_bytes(db, fake, db.read_bytes()), 0o2640)
    planted = db.with_name(NAME).stat()
    assert planted.st_gid == TEAM and planted.st_mode & stat.S_ISGID  # she really is a member

    r = ALICE.run(db, "set", "5", "in_progress")
    assert r.returncode == 0, r.stderr
    warnings = [ln for ln in r.stderr.splitlines() if NAME in ln]
    assert len(warnings) == 1 and "ignored" in warnings[0] and "warning" in warnings[0], r.stderr
    r = ALICE.run(db, "show", "1")
    assert r.returncode == 0 and "MALLORY" not in r.stdout, r.stdout
    for path in (db, db.with_name("plan.json.bak")):
        assert b"MALLORY" not in path.read_bytes(), path
    assert recs(db)[1]["status"] == "in_progress" and recs(db)[5]["status"] == "in_progress"
    if plan_mode & 0o040:
        r = BOB.run(db, "list", "--format", "json")  # another member reads the plan, not the journal
        assert r.returncode == 0 and "MALLORY" not in r.stdout, r.stderr


def test_a_journal_that_does_not_extend_the_plans_history_is_ignored(shared_root: Path, template: Path) -> None:
    """Even a journal its maker could have written (here the plan's owner's, e.g. left over from a
    save long replaced) is replayed only when it is the plan with more history: one that changes an
    item without a history entry, or drops an item or a history entry, is ignored and reported."""
    db = team_plan(shared_root, template, 0o3770, 0o660)
    r = ALICE.run(db, "note", "3", "kept")
    assert r.returncode == 0, r.stderr
    current = db.read_bytes()
    data = orjson.loads(current)
    dropped = orjson.loads(current)
    dropped["recommendations"]["3"]["history"] = []
    gone = orjson.loads(current)
    del gone["recommendations"]["4"]
    for k, bad in enumerate([forgery(db), orjson.dumps(dropped), orjson.dumps(gone)]):
        name = db.with_name(f".plan.json.{k:016x}.journal")
        plant(BOB, name, journal_bytes(db, bad, current), 0o2660)
        r = ALICE.run(db, "set", "6", "done")
        assert r.returncode == 0, r.stderr
        assert sum(name.name in ln and "ignored" in ln for ln in r.stderr.splitlines()) == 1, r.stderr
        assert set(recs(db)) == {int(n) for n in data["recommendations"]}
        assert recs(db)[1]["owner"] != "MALLORY WAS HERE" and recs(db)[3]["history"]
        current = db.read_bytes()
        os.unlink(name)


def test_a_members_journal_for_a_group_writable_plan_is_still_replayed(shared_root: Path, template: Path) -> None:
    """The point of the journal stays: Bob (a member, the plan 0660) saved in place and was cut short
    after his journal was complete; Alice's next change completes his save first."""
    db = team_plan(shared_root, template, 0o3770, 0o660)
    current = db.read_bytes()
    data = orjson.loads(current)
    r = BOB.run(db, "note", "2", "from bob")  # a real save in place, to take its content from
    assert r.returncode == 0, r.stderr
    bobs = db.read_bytes()
    db.write_bytes(current)  # as if the kill came before the plan was touched
    assert orjson.loads(db.read_bytes()) == data
    plant(BOB, db.with_name(NAME), journal_bytes(db, bobs, current), 0o2660)
    r = ALICE.run(db, "set", "7", "done")
    assert r.returncode == 0, r.stderr
    assert "ignored" not in r.stderr, r.stderr
    notes = [h.get("note") for h in recs(db)[2]["history"]]
    assert "from bob" in notes and recs(db)[7]["status"] == "done"


def test_a_journal_with_another_name_is_ignored(shared_root: Path, template: Path) -> None:
    """A journal hard-linked to another name (its maker could change it through that name, or it
    is someone else's file) is never replayed."""
    db = team_plan(shared_root, template, 0o2770, 0o660)
    current = db.read_bytes()
    data = orjson.loads(current)
    data["recommendations"]["2"]["owner"] = "LINKED"
    plant(BOB, db.with_name("elsewhere"), journal_bytes(db, orjson.dumps(data), current), 0o2660)
    BOB.python("import sys\nos.link(sys.argv[1], sys.argv[2])", str(db.with_name("elsewhere")), str(db.with_name(NAME)))
    r = ALICE.run(db, "set", "7", "done")
    assert r.returncode == 0, r.stderr
    assert recs(db)[2]["owner"] != "LINKED"
    assert any(NAME in ln and "ignored" in ln for ln in r.stderr.splitlines()), r.stderr
