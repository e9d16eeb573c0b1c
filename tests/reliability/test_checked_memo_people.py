"""This user's memo of checked plan files (`storage.file.checked`, issue 25), with real other users.

Alice keeps her cache where Mallory, a team member, may rename and create things (in the team
folder). Her memo is hers alone (0700 / 0600 whatever her umask: a digest lets whoever reads it
confirm a guess of the plan); the very memo her hsp-tui would believe, saying a plan Mallory damaged
was checked, is not believed when Mallory planted it (her own folder in place of Alice's, or a link
to it), and nothing is written into what Mallory planted. Every command runs as a real other user.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path

import pytest

from .helpers import assert_one_line_error, make_plan
from .people import ALICE, MALLORY, TEAM, needs_root, shared_root, team_folder  # noqa: F401

pytestmark = needs_root
NAME = "checked-plans"  # storage.file.checked.NAME
COUNT = 3200


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    db = make_plan(tmp_path_factory.mktemp("memo"), COUNT, name="template.json")
    assert db.stat().st_size > 2 * 1024 * 1024  # over storage.file.checked.WORTH: a note uses the memo
    return db


def setup_team(root: Path, template: Path) -> tuple[Path, dict[str, str], Path]:
    """Alice's plan in a team folder (setgid, 2770), and her cache folder, to be, beside it."""
    team = team_folder(root, 0o2770)
    db = team / "plan.json"
    db.write_bytes(template.read_bytes())
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, 0o660)
    cache = team / "alice-cache"
    return db, {"XDG_CACHE_HOME": str(cache)}, cache / "hsp-tui" / NAME


def damaged(raw: bytes) -> bytes:
    """The plan with its last record's status damaged (far from the item noted)."""
    at = raw.rindex(b'"status": "') + len(b'"status": "')
    return raw[:at] + b"finished-ish" + raw[raw.index(b'"', at):]


def test_alices_memo_is_hers_alone(shared_root: Path, template: Path) -> None:
    db, env, memo = setup_team(shared_root, template)
    for n in ("3", "4"):
        r = ALICE.run(db, "note", n, "Met the partners.", env=env)  # umask 002: the team may read her files
        assert r.returncode == 0, r.stderr
    raw = db.read_bytes()
    assert b"%s %d" % (hashlib.sha256(raw).hexdigest().encode(), len(raw)) in memo.read_bytes().splitlines()
    for path, mode in ((memo.parent.parent, 0o700), (memo.parent, 0o700), (memo, 0o600)):
        st = os.lstat(path)
        assert (st.st_uid, stat.S_IMODE(st.st_mode) & 0o777) == (ALICE.uid, mode), path  # (setgid kept)
    with pytest.raises(subprocess.CalledProcessError):
        MALLORY.python("import sys; open(sys.argv[1], 'rb').read()", str(memo))


PLANT = """
import os, sys
how, cache, body = sys.argv[1], sys.argv[2], sys.stdin.buffer.read()
os.rename(cache, cache + ".alices")
mine = cache + ".mallorys" if how == "link" else cache
os.makedirs(os.path.join(mine, "hsp-tui"))
fd = os.open(os.path.join(mine, "hsp-tui", "checked-plans"), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
os.write(fd, body)
os.close(fd)
for path, mode in ((mine, 0o755), (os.path.join(mine, "hsp-tui"), 0o755),
                   (os.path.join(mine, "hsp-tui", "checked-plans"), 0o644)):
    os.chmod(path, mode)  # Alice may read it all; only she and Mallory may write

if how == "link":
    os.symlink(mine, cache)
"""


@pytest.mark.parametrize("how", ["folder", "link"])
def test_a_memo_mallory_planted_is_not_believed(shared_root: Path, template: Path, how: str) -> None:
    db, env, memo = setup_team(shared_root, template)
    r = ALICE.run(db, "note", "3", "Met the partners.", env=env)
    assert r.returncode == 0, r.stderr
    valid = db.read_bytes()
    spoiled = damaged(valid)
    # The memo Alice's hsp-tui would believe: hers, with the damaged plan's digest added ...
    forged = memo.read_bytes() + b"%s %d\n" % (hashlib.sha256(spoiled).hexdigest().encode(), len(spoiled))
    own = memo.read_bytes()
    memo.write_bytes(forged)
    db.write_bytes(spoiled)
    r = ALICE.run(db, "note", "3", "Believed.", env=env)
    assert r.returncode == 0, r.stderr  # (the control: it is believed, the damaged record not read)
    memo.write_bytes(own)
    # ... planted by Mallory, in her own folder put in place of Alice's cache folder, or a link to it.
    db.write_bytes(spoiled)
    MALLORY.python(PLANT, how, str(memo.parent.parent), input=forged)
    planted = Path(f"{memo.parent.parent}.mallorys" if how == "link" else memo.parent.parent) / "hsp-tui" / NAME
    before = os.stat(planted)
    r = ALICE.run(db, "note", "3", "Not believed.", env=env)
    line = assert_one_line_error(r, names=db)
    assert f"recommendation {COUNT}" in line and "status" in line, line
    assert db.read_bytes() == spoiled
    db.write_bytes(valid)  # a valid plan: Alice's note goes through, and her memo is not written there
    r = ALICE.run(db, "note", "3", "A valid plan again.", env=env)
    assert r.returncode == 0, r.stderr
    after = os.stat(planted)
    assert planted.read_bytes() == forged and (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(os.listdir(planted.parent)) == [NAME]
