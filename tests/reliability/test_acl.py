"""A plan shared through a POSIX ACL keeps it: saves never widen (or narrow) who may read and write it.

The plan is 0600 alice:team plus `setfacl -m u:bob:rw` (so its mode shows the ACL's mask, 0660, but
the team's group entry gives nothing). Alice's saves (rename) and Bob's (written in place, so the plan
keeps its owner and ACL) leave the ACL as it was; Mallory, in the team, can read neither the plan nor
its backup, journal or exports. Needs setfacl/getfacl (Debian's `acl` package).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sampling import sampled

from .helpers import make_plan, recs
from .people import ALICE, BOB, MALLORY, TEAM, needs_root, shared_root, team_folder  # noqa: F401

pytestmark = [needs_root, pytest.mark.skipif(shutil.which("setfacl") is None, reason="needs setfacl (Debian: acl)")]

CAN_READ = "import sys\ntry:\n    open(sys.argv[1], 'rb').read(1)\n    print('yes')\nexcept PermissionError:\n    print('no')\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("acl"), 12, name="template.json")


def acl_of(path: Path) -> list[str]:
    out = subprocess.run(["getfacl", "-n", "-p", "--omit-header", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return sorted(line for line in out.splitlines() if line and not line.startswith("#"))


def mallory_can_read(path: Path) -> bool:
    return MALLORY.python(CAN_READ, str(path)).stdout.strip() == b"yes"


@pytest.mark.parametrize("folder_mode", sampled([0o2770, 0o3770]), ids=["setgid", "sticky-setgid"])
def test_saves_keep_the_plans_acl(shared_root: Path, template: Path, folder_mode: int) -> None:
    """(Before: Alice's save left a plain 0660 alice:team file: Mallory could read and write it.)"""
    db = team_folder(shared_root, folder_mode) / "plan.json"
    db.write_bytes(template.read_bytes())
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, 0o600)
    subprocess.run(["setfacl", "-m", f"u:{BOB.uid}:rw", str(db)], check=True)
    wanted = acl_of(db)
    assert f"user:{BOB.uid}:rw-" in wanted and "group::---" in wanted
    assert not mallory_can_read(db)

    for k, person in enumerate([ALICE, BOB, ALICE, BOB], start=1):
        r = person.run(db, "set", str(k), "done")
        assert r.returncode == 0, (person.name, r.stderr)
        assert recs(db)[k]["status"] == "done"
        assert acl_of(db) == wanted, person.name
        assert db.stat().st_uid == ALICE.uid, person.name
        assert not mallory_can_read(db), person.name
        for p in db.parent.iterdir():  # the backup, and anything else a save leaves
            if p.is_file() and p.name != "plan.json.lock" and p.stat().st_size:
                assert not mallory_can_read(p), (person.name, p.name)
    r = MALLORY.run(db, "list")
    assert r.returncode == 3 and "permission denied" in r.stderr, r.stderr


def test_an_export_of_an_acl_plan_is_no_more_readable(shared_root: Path, template: Path) -> None:
    """Alice exports the 0600+ACL plan into the team folder: the team cannot read the export."""
    db = team_folder(shared_root, 0o2770) / "plan.json"
    db.write_bytes(template.read_bytes())
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, 0o600)
    subprocess.run(["setfacl", "-m", f"u:{BOB.uid}:rw", str(db)], check=True)
    out = db.with_name("export.csv")
    r = ALICE.run(db, "export", "--format", "csv", "-o", str(out), umask=0o002)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size and not mallory_can_read(out)
