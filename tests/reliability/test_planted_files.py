"""Traps planted at the backup's and the lock's names never leak the plan, overwrite a file, or block a save.

A colleague who may write the team folder (Mallory, a member; Eve, anyone, in a 1777 folder) puts
an empty world-readable file, a read-only file, a FIFO, a folder, a symbolic link or a hard link to
Alice's `salaries.csv` at `plan.json.bak` or `plan.json.lock`. Alice's saves go on (a backup that
is not hers is skipped, with a notice) and write into none of them; a lock that hsp-tui did not make
is refused in one line naming its owner, and never changed. Every command runs as a real other user.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sampling import sampled

from .helpers import assert_one_line_error, make_plan, recs
from .people import ALICE, EVE, MALLORY, TEAM, Person, needs_root, shared_root, team_folder  # noqa: F401

pytestmark = needs_root
SALARIES = b"name,salary\nalice,100\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("planted"), 12, name="template.json")


def team_plan(root: Path, template: Path, folder_mode: int, plan_mode: int, group: int = TEAM) -> Path:
    db = team_folder(root, folder_mode) / "plan.json"
    db.write_bytes(template.read_bytes())
    os.chown(db, ALICE.uid, group)
    os.chmod(db, plan_mode)
    return db


def salaries(folder: Path) -> Path:
    """Alice's own file beside the plan, which the team may read and write (0660)."""
    path = folder / "salaries.csv"
    path.write_bytes(SALARIES)
    os.chown(path, ALICE.uid, TEAM)
    os.chmod(path, 0o660)
    return path


PLANT = """
import sys
kind, at, other = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "empty":
    fd = os.open(at, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666); os.fchmod(fd, 0o666); os.close(fd)
elif kind == "readonly":
    fd = os.open(at, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444); os.close(fd)
elif kind == "fifo":
    os.mkfifo(at, 0o666)
elif kind == "folder":
    os.mkdir(at, 0o777)
elif kind == "symlink":
    os.symlink(other, at)
elif kind == "hardlink":
    os.link(other, at)
"""


def plant(person: Person, kind: str, at: Path, other: Path | None = None) -> None:
    person.python(PLANT, kind, str(at), str(other or ""))


@pytest.mark.parametrize("who,folder_mode,plan_mode", [(EVE, 0o1777, 0o600), (MALLORY, 0o3770, 0o640)],
                         ids=["eve-1777-private", "mallory-3770-readonly"])
def test_a_planted_backup_never_receives_the_plan(shared_root: Path, template: Path, who: Person,
                                                  folder_mode: int, plan_mode: int) -> None:
    """(Before: the save wrote Alice's plan into the planted world-readable file.)"""
    db = team_plan(shared_root, template, folder_mode, plan_mode, group=TEAM if plan_mode & 0o070 else ALICE.gid)
    bak = db.with_name("plan.json.bak")
    plant(who, "empty", bak)
    r = ALICE.run(db, "set", "1", "done")
    assert r.returncode == 0, r.stderr
    assert recs(db)[1]["status"] == "done"
    assert bak.read_bytes() == b"" and bak.stat().st_uid == who.uid
    notes = [ln for ln in r.stderr.splitlines() if "plan.json.bak" in ln]
    assert len(notes) == 1 and "not updated" in notes[0], r.stderr
    st = db.stat()
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (ALICE.uid, plan_mode)


@pytest.mark.parametrize("folder_mode", sampled([0o2770, 0o3770]), ids=["setgid", "sticky-setgid"])
@pytest.mark.parametrize("kind", sampled(["readonly", "fifo", "folder", "symlink", "hardlink"], 2))
def test_a_trap_at_the_backups_name_never_blocks_a_save_nor_is_written(shared_root: Path, template: Path,
                                                                        folder_mode: int, kind: str) -> None:
    """A read-only file, a FIFO, a folder, a link to Alice's salaries.csv or a hard link to it at
    `plan.json.bak`: Alice's two saves both go through, and salaries.csv is never touched."""
    db = team_plan(shared_root, template, folder_mode, 0o660)
    other = salaries(db.parent)
    plant(MALLORY, kind, db.with_name("plan.json.bak"), other)
    for number in (1, 2):
        r = ALICE.run(db, "set", str(number), "done")
        assert r.returncode == 0, r.stderr
        assert recs(db)[number]["status"] == "done"
    assert other.read_bytes() == SALARIES
    st = other.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (ALICE.uid, TEAM, 0o660)


@pytest.mark.parametrize("folder_mode", sampled([0o2770, 0o3770]), ids=["setgid", "sticky-setgid"])
@pytest.mark.parametrize("kind", sampled(["fifo", "folder", "symlink", "hardlink"], 2))
def test_a_planted_lock_is_refused_in_one_line_naming_its_owner(shared_root: Path, template: Path,
                                                                 folder_mode: int, kind: str) -> None:
    """(Before: a hard link at the lock's name made Alice's save chmod salaries.csv to the plan's mode;
    a FIFO or folder there blocked every save with a less clear message.) Nothing is saved, nothing
    is changed, and the line says whose file it is."""
    db = team_plan(shared_root, template, folder_mode, 0o664)
    other = salaries(db.parent)
    lock = db.with_name("plan.json.lock")
    plant(MALLORY, kind, lock, other)
    before = db.read_bytes()
    r = ALICE.run(db, "set", "1", "done")
    line = assert_one_line_error(r, names=db, code=3)
    owner = ALICE.uid if kind == "hardlink" else MALLORY.uid  # a hard link is the file it links to
    assert "lock" in line and f"user id {owner}" in line and "nothing was saved" in line, line
    assert db.read_bytes() == before
    assert other.read_bytes() == SALARIES
    assert stat.S_IMODE(other.stat().st_mode) == 0o660


def test_a_read_only_lock_file_planted_by_a_colleague_does_not_block_saves(shared_root: Path, template: Path) -> None:
    """An empty read-only file at the lock's name is locked read-only (flock needs no write access):
    saves go on, and it is never made writable."""
    db = team_plan(shared_root, template, 0o3770, 0o660)
    lock = db.with_name("plan.json.lock")
    plant(MALLORY, "readonly", lock)
    r = ALICE.run(db, "set", "1", "done")
    assert r.returncode == 0, r.stderr
    assert recs(db)[1]["status"] == "done" and stat.S_IMODE(lock.stat().st_mode) == 0o444
