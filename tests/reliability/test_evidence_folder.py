"""The evidence folder beside a plan in a team folder (issue 24): `<plan>.evidence/`, under every rule
of the hostile team folder (docs/reliability.md, "The evidence folder").

Real other users (people.py): Alice keeps the plan; Bob is a member who may write it; Mallory, a
member, plants traps (a link, a FIFO, a hard link to Alice's file, another file) at the name a copy
will take, or a folder of her own at the evidence folder's name; Eve is outside the team.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from sampling import sampled

from .helpers import assert_one_line_error, make_plan
from .people import ALICE, BOB, EVE, MALLORY, READER, TEAM, needs_root, shared_root, team_folder  # noqa: F401

pytestmark = needs_root
MINUTES = b"Minutes of the Executive Board, 28 May 2010: the conference was held.\n"
REPORT = b"%PDF-1.4 the partnership's annual report\n" * 50
SALARIES = b"name,salary\nalice,100\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("evidence"), 12, name="template.json")


def team_plan(root: Path, template: Path, folder_mode: int, plan_mode: int) -> Path:
    db = team_folder(root, folder_mode) / "plan.json"
    db.write_bytes(template.read_bytes())
    os.chown(db, ALICE.uid, TEAM if plan_mode & 0o070 else ALICE.gid)
    os.chmod(db, plan_mode)
    return db


def document(root: Path, name: str, content: bytes) -> Path:
    """A file anyone may read, to attach."""
    docs = root / "docs"
    docs.mkdir(exist_ok=True)
    path = docs / name
    path.write_bytes(content)
    os.chmod(docs, 0o755)
    os.chmod(path, 0o644)
    return path


def salaries(folder: Path) -> Path:
    """Alice's own file beside the plan, which the team may read and write (0660)."""
    path = folder / "salaries.csv"
    path.write_bytes(SALARIES)
    os.chown(path, ALICE.uid, TEAM)
    os.chmod(path, 0o660)
    return path


def copy_of(db: Path, content: bytes) -> Path:
    return db.with_name("plan.json.evidence") / hashlib.sha256(content).hexdigest()


PLANT = """
import sys
kind, at, other = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "symlink":
    os.symlink(other, at)
elif kind == "fifo":
    os.mkfifo(at, 0o666)
elif kind == "hardlink":
    os.link(other, at)
elif kind == "file":
    fd = os.open(at, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666); os.write(fd, b"forged"); os.fchmod(fd, 0o666); os.close(fd)
elif kind == "folder":
    os.mkdir(at, 0o777); os.chmod(at, 0o777)
"""


@pytest.mark.parametrize("kind", sampled(["symlink", "fifo", "hardlink", "file"], 2))
def test_a_trap_at_a_copys_name_is_replaced_never_written_into_or_read(shared_root: Path, template: Path,
                                                                       kind: str) -> None:
    db = team_plan(shared_root, template, 0o3770, 0o660)
    mine = salaries(db.parent)
    assert ALICE.run(db, "evidence", "add", "1", str(document(shared_root, "minutes.txt", MINUTES))).returncode == 0
    folder = db.with_name("plan.json.evidence")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o3770 and folder.stat().st_gid == TEAM
    trap = copy_of(db, REPORT)
    MALLORY.python(PLANT, kind, str(trap), str(mine))  # Mallory may write the plan: she may add here
    r = ALICE.run(db, "evidence", "add", "1", str(document(shared_root, "report.pdf", REPORT)), timeout=60)
    assert r.returncode == 0, r.stderr
    assert mine.read_bytes() == SALARIES and os.lstat(mine).st_nlink == 1  # the hard link's name was replaced
    st = os.lstat(trap)
    assert stat.S_ISREG(st.st_mode) and st.st_uid == ALICE.uid and st.st_nlink == 1
    assert trap.read_bytes() == REPORT and stat.S_IMODE(st.st_mode) == 0o440 and st.st_gid == TEAM
    got = BOB.run(db, "evidence", "get", "1", "3")
    assert got.returncode == 0 and got.stdout.encode() == REPORT


def test_a_link_or_fifo_at_a_kept_copys_name_is_refused_on_read(shared_root: Path, template: Path) -> None:
    db = team_plan(shared_root, template, 0o3770, 0o660)
    mine = salaries(db.parent)
    assert ALICE.run(db, "evidence", "add", "2", str(document(shared_root, "minutes.txt", MINUTES)),
                     str(document(shared_root, "report.pdf", REPORT))).returncode == 0
    copy = copy_of(db, MINUTES)
    copy.unlink()
    os.symlink(mine, copy)  # whoever could (the folder's owner, root): never followed
    out = shared_root / "out"
    out.mkdir(mode=0o777)
    os.chmod(out, 0o777)
    r = BOB.run(db, "evidence", "get", "2", "2", "-o", str(out / "minutes.txt"))
    assert "symbolic link" in assert_one_line_error(r, names=copy, code=3)
    assert not (out / "minutes.txt").exists()
    copy.unlink()
    os.mkfifo(copy, 0o666)
    r = BOB.run(db, "evidence", "get", "2", "2", timeout=30)  # refused at once: a FIFO never blocks it
    assert "FIFO" in assert_one_line_error(r, names=copy, code=3)
    check = BOB.run(db, "check")
    assert check.returncode == 3 and "recommendation 2, attachment #2 (minutes.txt)" in check.stderr
    assert mine.read_bytes() == SALARIES


def test_a_tampered_copy_is_refused_on_read_and_check_names_it(shared_root: Path, template: Path) -> None:
    db = team_plan(shared_root, template, 0o3770, 0o660)
    assert ALICE.run(db, "evidence", "add", "3", str(document(shared_root, "minutes.txt", MINUTES))).returncode == 0
    copy = copy_of(db, MINUTES)
    os.chmod(copy, 0o640)
    copy.write_bytes(MINUTES.replace(b"was held", b"was NOT held"))  # as its owner could
    r = BOB.run(db, "evidence", "get", "3", "2")
    assert "does not match its SHA-256" in assert_one_line_error(r, names=copy, code=3)
    assert "NOT held" not in r.stdout
    check = BOB.run(db, "check")
    assert check.returncode == 3 and "does not match" in check.stderr and check.stdout == ""


def test_a_folder_planted_at_the_evidence_folders_name_is_never_used(shared_root: Path, template: Path) -> None:
    """Mallory may only read the plan (0640): a folder of hers there is refused, nothing written into it."""
    db = team_plan(shared_root, template, 0o3770, 0o640)
    folder = db.with_name("plan.json.evidence")
    MALLORY.python(PLANT, "folder", str(folder), "")
    before = db.read_bytes()
    r = ALICE.run(db, "evidence", "add", "4", str(document(shared_root, "minutes.txt", MINUTES)))
    line = assert_one_line_error(r, names=folder, code=3)
    assert f"made by user id {MALLORY.uid}, who may not write plan.json" in line  # (no passwd entry here)
    assert list(folder.iterdir()) == [] and db.read_bytes() == before


def test_another_member_attaches_in_a_sticky_folder_and_nobody_else_reads_the_copies(shared_root: Path,
                                                                                      template: Path) -> None:
    db = team_plan(shared_root, template, 0o3770, 0o660)
    assert ALICE.run(db, "evidence", "add", "5", str(document(shared_root, "minutes.txt", MINUTES))).returncode == 0
    r = BOB.run(db, "evidence", "add", "5", str(document(shared_root, "report.pdf", REPORT)),
                str(document(shared_root, "minutes again.txt", MINUTES)))
    assert r.returncode == 0, r.stderr
    bobs = copy_of(db, REPORT)
    assert bobs.stat().st_uid == BOB.uid and bobs.stat().st_gid == TEAM and stat.S_IMODE(bobs.stat().st_mode) == 0o440
    assert copy_of(db, MINUTES).stat().st_uid == ALICE.uid  # kept once: Bob's second attachment is Alice's copy
    assert ALICE.run(db, "check").stdout.strip() == "plan checked: 12 items, 2 copies, no problems"
    assert ALICE.run(db, "evidence", "get", "5", "3").stdout.encode() == REPORT
    for outsider in (EVE, READER):  # not in the team: the plan is closed to them, so are its copies
        r = outsider.run(db, "evidence", "get", "5", "2")
        assert r.returncode != 0 and "conference" not in r.stdout


def test_a_private_plans_copies_are_private(shared_root: Path, template: Path) -> None:
    """A 0600 plan in a folder anyone may write (1777): its evidence folder is 0700, its copies 0400."""
    db = team_plan(shared_root, template, 0o1777, 0o600)
    assert ALICE.run(db, "evidence", "add", "6", str(document(shared_root, "minutes.txt", MINUTES))).returncode == 0
    folder = db.with_name("plan.json.evidence")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and folder.stat().st_uid == ALICE.uid
    assert stat.S_IMODE(copy_of(db, MINUTES).stat().st_mode) == 0o400
    probe = EVE.python("import sys\ntry:\n    os.listdir(sys.argv[1]); print('listed')\nexcept OSError:\n    print('refused')",
                       str(folder))
    assert probe.stdout.strip() == b"refused"


def test_get_o_refuses_a_link_or_fifo_another_user_planted_as_export_does(shared_root: Path, template: Path) -> None:
    """`evidence get -o` writes through export's own safe output (outputfiles.write_output)."""
    db = team_plan(shared_root, template, 0o3770, 0o660)
    mine = salaries(db.parent)
    assert ALICE.run(db, "evidence", "add", "7", str(document(shared_root, "minutes.txt", MINUTES))).returncode == 0
    link, fifo = db.parent / "minutes-copy.txt", db.parent / "minutes-pipe.txt"
    MALLORY.python(PLANT, "symlink", str(link), str(mine))
    MALLORY.python(PLANT, "fifo", str(fifo), "")
    for out, words in ((link, "symbolic link"), (fifo, "FIFO")):
        r = ALICE.run(db, "evidence", "get", "7", "2", "-o", str(out), timeout=60)
        line = assert_one_line_error(r, names=out, code=2)
        assert words in line and f"user id {MALLORY.uid}" in line, line
    assert mine.read_bytes() == SALARIES and link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    fine = db.parent / "minutes-out.txt"
    r = ALICE.run(db, "evidence", "get", "7", "2", "-o", str(fine))
    assert r.returncode == 0 and fine.read_bytes() == MINUTES
    assert stat.S_IMODE(fine.stat().st_mode) == 0o660  # as an export of this plan: never more open than it
