"""A colleague flips the team plan, or the team folder, to a link into Alice's private plan while she works.

Mallory (a team member who may rename files in the team folder and in the folder above it) runs a
loop that swaps `team/plan.json` (or `team` itself) for a symbolic link to Alice's private plan (or
its folder) and back, while Alice runs `note` on the team plan again and again. Each of Alice's
commands either works on the team plan or is refused in one line; her private plan is never read
into the team plan and never receives a team note. The loop runs for a bounded time (Alice's
commands), and nothing depends on when a flip happens.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path

import pytest

from .helpers import PYTHON, make_plan
from .people import ALICE, MALLORY, TEAM, needs_root, shared_root  # noqa: F401

pytestmark = needs_root
MARKER = "PRIVATE-MARKER-7f3a"
NOTES = 25

FLIP = """
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
def swap(a, b):  # renameat2(RENAME_EXCHANGE): both names always exist, the swap is atomic
    if libc.renameat2(-100, a.encode(), -100, b.encode(), 2) != 0:
        raise OSError(ctypes.get_errno(), "renameat2")
link_at, target, stop = sys.argv[1], sys.argv[2], sys.argv[3]
spare = link_at + ".link"
os.symlink(target, spare)
flips = 0
deadline = time.monotonic() + 300
while not os.path.exists(stop) and time.monotonic() < deadline:
    for _ in range(20):  # a burst: the link in place half the time, 2 ms at a time
        swap(spare, link_at)
        flips += 1
        time.sleep(0.002)
        swap(spare, link_at)
        time.sleep(0.002)
    time.sleep(0.1)  # then the real one a while: a note in between must go through (no blanket refusal)
os.unlink(spare)
print(flips)
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("links"), 12, name="template.json")


def setup(root: Path, template: Path) -> tuple[Path, Path]:
    """team plan area/team/plan.json (alice:team 0660, folders root:team 2770); Alice's private plan
    home/plan.json (0600 in her own 0700 folder), item 1's owner a marker."""
    area = root / "area"
    team = area / "team"
    team.mkdir(parents=True)
    for folder in (area, team):
        os.chown(folder, 0, TEAM)
        os.chmod(folder, 0o2770)
    db = team / "plan.json"
    db.write_bytes(template.read_bytes())
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, 0o660)
    home = root / "home"
    home.mkdir()
    private = home / "plan.json"
    private.write_bytes(template.read_bytes().replace(b'"Officer 1"', f'"{MARKER}"'.encode(), 1))
    assert MARKER.encode() in private.read_bytes()
    os.chown(home, ALICE.uid, ALICE.gid)
    os.chmod(home, 0o700)
    os.chown(private, ALICE.uid, ALICE.gid)
    os.chmod(private, 0o600)
    return db, private


def run_flipping(root: Path, link_at: Path, target: Path, db: Path) -> tuple[int, list[subprocess.CompletedProcess]]:
    """Alice's notes on the team plan while Mallory's loop flips `link_at` to `target` and back."""
    stop = root / "stop"
    flipper = subprocess.Popen(MALLORY.command(PYTHON, "-c", FLIP, str(link_at), str(target), str(stop)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runs = []
    try:
        for k in range(NOTES):
            runs.append(ALICE.run(db, "note", "1", f"team note {k}"))
    finally:
        stop.touch()
        out, err = flipper.communicate(timeout=60)
    assert flipper.returncode == 0, err
    return int(out), runs


def check(runs: list[subprocess.CompletedProcess], db: Path, private: Path, private_before: bytes) -> None:
    for r in runs:
        assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
        if r.returncode != 0:
            lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
            assert r.returncode == 3 and len(lines) == 1 and str(db) in lines[0], r.stderr
    assert private.read_bytes() == private_before  # no team note went into it, nothing replaced it
    st = private.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (ALICE.uid, ALICE.gid, 0o600)
    assert sorted(p.name for p in private.parent.iterdir()) == ["plan.json"]
    for p in db.parent.iterdir():  # the team plan, its backup, anything left: never her private plan
        if p.is_file() and not p.is_symlink():
            assert MARKER.encode() not in p.read_bytes(), p.name
    st = db.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (ALICE.uid, TEAM, 0o660)
    assert any(r.returncode == 0 for r in runs)


@pytest.mark.slow
def test_a_plan_flipped_to_a_link_to_a_private_plan_is_never_followed(shared_root: Path, template: Path) -> None:
    """(Before: the team plan held her private marker, and team notes went into her private plan.)"""
    db, private = setup(shared_root, template)
    before = private.read_bytes()
    flips, runs = run_flipping(shared_root, db, private, db)
    assert flips > 0
    check(runs, db, private, before)
    refused = [r.stderr for r in runs if r.returncode != 0]
    said = ("symbolic link", "replaced", "another program saved", "not found")
    assert all(any(words in line for words in said) for line in refused), "\n".join(refused)


@pytest.mark.slow
def test_a_team_folder_swapped_for_a_link_to_a_private_folder_is_never_followed(shared_root: Path,
                                                                                template: Path) -> None:
    """(Before: once the team plan became 0600 alice:alice holding her private plan.)"""
    db, private = setup(shared_root, template)
    before = private.read_bytes()
    flips, runs = run_flipping(shared_root, db.parent, private.parent, db)
    assert flips > 0
    check(runs, db, private, before)


def test_a_link_the_user_made_is_followed(shared_root: Path, template: Path) -> None:
    """Links are not refused as such: Alice's own link to the team plan (in her own folder) works,
    and so does a link made by the folder's owner; Mallory's link in the team folder is refused."""
    db, private = setup(shared_root, template)
    mine = private.parent / "team-plan.json"
    os.symlink(db, mine)
    os.lchown(mine, ALICE.uid, ALICE.gid)
    r = ALICE.run(mine, "note", "2", "through my link")
    assert r.returncode == 0, r.stderr
    assert b"through my link" in db.read_bytes() and not mine.with_name("team-plan.json.bak").exists()
    planted = db.with_name("shortcut.json")
    MALLORY.python("import sys\nos.symlink(sys.argv[1], sys.argv[2])", str(private), str(planted))
    r = ALICE.run(planted, "list")
    assert r.returncode == 3 and str(MALLORY.uid) in r.stderr and "symbolic link" in r.stderr, r.stderr
    assert MARKER not in r.stdout
