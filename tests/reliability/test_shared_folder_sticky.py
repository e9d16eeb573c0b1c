"""A plan in a *sticky* team folder (chmod +t): every member keeps saving, a kill never leaves half a plan.

In a sticky folder only a file's owner may rename over it, so the other members' saves write into
the plan itself, with a journal (src/hsp_tui/inplace.py). Every command runs as a real other user
(see people.py); a save is stopped half-way through writing the plan (slowdisk/sitecustomize.py)
to be killed there, or read meanwhile.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import threading
import time
from pathlib import Path

import orjson
import pytest

from hsp_tui.storage.file import journal
from hsp_tui.storage.file.planbytes import read_plan_bytes

from .helpers import AS_OF, HERE, PYTHON, assert_one_line_error, disk_env, make_plan, recs
from .people import ALICE, BOB, READER, TEAM, Person, needs_root, shared_root, team_folder  # noqa: F401

pytestmark = needs_root
ITEMS = 3000


@pytest.fixture(scope="module")
def big_template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("sticky"), ITEMS, name="template.json")


def team_plan(shared_root: Path, template: Path, folder_mode: int, plan_mode: int = 0o660) -> Path:
    team = team_folder(shared_root, folder_mode)
    db = team / "plan.json"
    db.write_bytes(template.read_bytes())
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, plan_mode)
    return db


def live_journals(folder: Path) -> list[Path]:
    """Journals that still count (an emptied one is gone)."""
    return [p for p in folder.iterdir() if p.name.endswith(".journal") and p.stat().st_size > 0]


def start_paused(person: Person, db: Path, marks: Path, target: str, *args: str) -> subprocess.Popen:
    """`hsp-tui ARGS` as `person`, stopped half-way through its first write to `target`."""
    marks.mkdir(exist_ok=True)
    os.chmod(marks, 0o777)  # the paused process (another user) leaves its mark there
    proc = subprocess.Popen(
        [PYTHON, str(HERE / "scripts" / "as_user.py"), str(person.uid), str(person.gid),
         ",".join(str(g) for g in (person.gid, *person.groups)), "002",
         "--db", str(db), "--user", person.name, "--as-of", AS_OF, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=disk_env(HOME="/nonexistent", HSP_TEST_PAUSE_WRITING=target, HSP_TEST_PAUSE_DIR=str(marks)))
    while not (marks / "paused").exists():
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    return proc


def status_seen(person: Person, db: Path, number: int) -> str:
    r = person.run(db, "list", "--format", "json")
    assert r.returncode == 0, (person.name, r.stderr)
    return {item["number"]: item["status"] for item in json.loads(r.stdout)}[number]


@pytest.mark.slow
@pytest.mark.parametrize("folder_mode", [0o3770, 0o1770], ids=["sticky-setgid", "sticky"])
def test_every_member_saves_in_a_sticky_folder(shared_root: Path, big_template: Path, folder_mode: int) -> None:
    """Alice owns the plan; Bob's saves go through too (written in place), Alice reads them and
    saves again, and the plan keeps its owner, group and mode: nobody is locked out. Bob saves first,
    so the backup is his: Alice's saves write it in place in turn.
    (Before: Bob's save was refused, as only a file's owner may rename over it in a sticky folder.)"""
    db = team_plan(shared_root, big_template, folder_mode)
    team = db.parent
    inode = db.stat().st_ino
    for k, person in enumerate([BOB, ALICE, ALICE, BOB, BOB, ALICE], start=1):
        before = db.read_bytes()
        r = person.run(db, "note", str(k), f"note by {person.name}")
        assert r.returncode == 0, (person.name, r.stderr)
        st = db.stat()
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (ALICE.uid, TEAM, 0o660), person.name
        assert db.with_name("plan.json.bak").read_bytes() == before, person.name  # the backup: one save back
        for other in (ALICE, BOB):
            r = other.run(db, "show", str(k))
            assert r.returncode == 0 and f"note by {person.name}" in r.stdout, (other.name, r.stderr)
    assert db.stat().st_ino != inode  # Alice's own saves still rename a new file into place
    r = BOB.run(db, "set", "9", "done")
    assert r.returncode == 0, r.stderr
    assert recs(db)[9]["status"] == "done" and len(recs(db)) == ITEMS
    assert not live_journals(team)
    assert not [p.name for p in team.iterdir() if p.name.endswith(".tmp")]
    bak = db.with_name("plan.json.bak")
    # (a copy a member made carries the set-group-ID bit, proof that a member made it: see backups.py)
    assert bak.stat().st_gid == TEAM and stat.S_IMODE(bak.stat().st_mode) & 0o777 == 0o660


@pytest.mark.slow
@pytest.mark.parametrize("stopped_in", ["plan", "journal"])
def test_a_kill_during_a_save_in_place_never_leaves_half_a_plan(shared_root: Path, big_template: Path,
                                                                stopped_in: str) -> None:
    """Bob's save is stopped half-way through writing the plan itself (or its journal) and killed
    with SIGKILL. While it is stopped, and after the kill, every member reads the plan whole: the new
    one once the journal is complete, else the old one, never a mix. Alice's next save finishes the
    job (or discards the incomplete journal) and the plan is a whole file again. A reader outside
    the team (the plan is 0664) who can change nothing reads it whole too."""
    db = team_plan(shared_root, big_template, 0o3775, plan_mode=0o664)
    r = ALICE.run(db, "note", "1", "first")
    assert r.returncode == 0, r.stderr
    old = db.read_bytes()
    target = str(db) if stopped_in == "plan" else "*.journal"
    proc = start_paused(BOB, db, shared_root / "marks", target, "set", "2", "done")
    expected = "done" if stopped_in == "plan" else "not_started"
    if stopped_in == "plan":
        half = db.read_bytes()
        assert half != old  # really half-written: neither the old plan nor a whole new one
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(half)
    else:
        assert db.read_bytes() == old
    for person in (ALICE, BOB, READER):  # the save stopped, holding the lock: readers do not wait for ever
        assert status_seen(person, db, 2) == expected, person.name
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    for person in (ALICE, BOB, READER):
        assert status_seen(person, db, 2) == expected, person.name
    assert live_journals(db.parent)

    r = ALICE.run(db, "set", "5", "done")
    assert r.returncode == 0, r.stderr
    assert recs(db)[2]["status"] == expected and recs(db)[5]["status"] == "done"
    assert [h["note"] for h in recs(db)[1]["history"] if h.get("note")][-1:] == ["first"]
    assert not live_journals(db.parent)
    st = db.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (ALICE.uid, TEAM, 0o664)
    r = BOB.run(db, "set", "6", "done")
    assert r.returncode == 0, r.stderr
    assert recs(db)[6]["status"] == "done" and len(recs(db)) == ITEMS
    assert not live_journals(db.parent)


def run_on_failing_disk(person: Person, db: Path, suffix: str, error: str, after: int,
                        *args: str) -> subprocess.CompletedProcess:
    """`hsp-tui ARGS` as `person`, whose writes to files named `*suffix` fail with `error` after `after` bytes."""
    return subprocess.run(
        [PYTHON, str(HERE / "scripts" / "as_user.py"), str(person.uid), str(person.gid),
         ",".join(str(g) for g in (person.gid, *person.groups)), "002",
         "--db", str(db), "--user", person.name, "--as-of", AS_OF, *args],
        capture_output=True, text=True, env=disk_env(HOME="/nonexistent", HSP_TEST_FAIL_WRITE=error,
                                                     HSP_TEST_FAIL_SUFFIX=suffix, HSP_TEST_FAIL_AFTER=str(after)))


def test_a_save_in_place_on_a_full_disk_changes_nothing(shared_root: Path, big_template: Path) -> None:
    """The disk fills while Bob's journal is written: one line, exit 3, and the plan, its backup and
    the folder are as they were (his journal removed)."""
    db = team_plan(shared_root, big_template, 0o3770)
    r = ALICE.run(db, "note", "1", "first")
    assert r.returncode == 0, r.stderr
    before = {p.name: p.read_bytes() for p in db.parent.iterdir()}
    r = run_on_failing_disk(BOB, db, ".journal", "ENOSPC", 100_000, "set", "2", "done")
    line = assert_one_line_error(r, names=db, code=3)
    assert "disk is full" in line and "unchanged" in line
    assert {p.name: p.read_bytes() for p in db.parent.iterdir()} == before


@pytest.mark.slow
def test_a_save_in_place_that_fails_half_way_is_completed_by_the_next(shared_root: Path,
                                                                      big_template: Path) -> None:
    """An I/O error half-way through writing the plan itself: Bob is told in one line that the change
    is kept and will be completed; meanwhile every member reads the new plan; Alice's next save
    writes it whole, with her own change."""
    db = team_plan(shared_root, big_template, 0o3770)
    r = ALICE.run(db, "note", "1", "first")
    assert r.returncode == 0, r.stderr
    r = run_on_failing_disk(BOB, db, "/plan.json", "EIO", 100_000, "set", "2", "done")
    line = assert_one_line_error(r, names=db, code=3)
    assert "interrupted" in line and "next save completes it" in line
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(db.read_bytes())  # really half-written
    for person in (ALICE, BOB):
        assert status_seen(person, db, 2) == "done", person.name
    r = ALICE.run(db, "set", "3", "done")
    assert r.returncode == 0, r.stderr
    assert recs(db)[2]["status"] == recs(db)[3]["status"] == "done" and len(recs(db)) == ITEMS
    assert not live_journals(db.parent)


@pytest.mark.slow
def test_a_reader_during_saves_in_place_never_sees_a_damaged_plan(shared_root: Path, big_template: Path) -> None:
    """While Bob saves again and again in place (on a slow disk), plans read meanwhile (the same
    reader as the app's and the CLI's) always parse whole; Alice's commands read it meanwhile too."""
    db = team_plan(shared_root, big_template, 0o3770)
    r = ALICE.run(db, "note", "1", "first")  # the plan's lock file and backup exist, as in a team
    assert r.returncode == 0, r.stderr
    errors: list[str] = []

    def bob_saves() -> None:
        for k in range(2, 8):
            r = subprocess.run(
                [PYTHON, str(HERE / "scripts" / "as_user.py"), str(BOB.uid), str(BOB.gid), f"{BOB.gid},{TEAM}", "002",
                 "--db", str(db), "--user", "bob", "--as-of", AS_OF, "set", str(k), "done"],
                capture_output=True, text=True, env=disk_env(HOME="/nonexistent", HSP_TEST_SLOW_DISK="1"))
            if r.returncode != 0:
                errors.append(r.stderr)

    writer = threading.Thread(target=bob_saves)
    writer.start()
    reads = 0
    seen = set()
    while writer.is_alive():
        data = orjson.loads(read_plan_bytes(db))  # raises on a damaged plan
        assert len(data["recommendations"]) == ITEMS
        seen.add(sum(doc["status"] == "done" for doc in data["recommendations"].values()))
        reads += 1
        if reads % 10 == 0:
            assert status_seen(ALICE, db, 1) == "not_started"
    writer.join()
    assert not errors, errors
    assert reads > 1 and len(seen) > 1  # the reads really overlapped the saves
    assert all(recs(db)[k]["status"] == "done" for k in range(2, 8))


def plant(person: Person, path: Path, payload: bytes, mode: int) -> None:
    """`person` creates `path` holding `payload`, then asks for `mode` (the kernel decides what stays)."""
    code = ("import os, sys\n"
            "uid, gid, groups = int(sys.argv[3]), int(sys.argv[4]), [int(g) for g in sys.argv[5].split(',') if g]\n"
            "os.setgroups(groups); os.setresgid(gid, gid, gid); os.setresuid(uid, uid, uid)\n"
            "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)\n"
            "os.write(fd, sys.stdin.buffer.read()); os.fchmod(fd, int(sys.argv[2], 8)); os.close(fd)\n")
    subprocess.run([PYTHON, "-c", code, str(path), f"{mode:o}", str(person.uid), str(person.gid),
                    ",".join(str(g) for g in person.groups)], input=payload, check=True)


@pytest.mark.slow
@pytest.mark.parametrize("folder_mode", [0o3777, 0o1777], ids=["sticky-setgid-open", "sticky-open"])
def test_a_journal_planted_by_a_non_member_is_ignored(shared_root: Path, big_template: Path, folder_mode: int) -> None:
    """In a sticky folder anyone may write to, an outsider plants complete, well-formed journals for
    the plan (its inode, the right checksums) holding a plan of their own: one group-writable (in the
    setgid folder it even gets the team's group), one writable by everyone. Nobody's reads or saves
    ever take their content."""
    db = team_plan(shared_root, big_template, folder_mode, plan_mode=0o664)
    r = ALICE.run(db, "note", "1", "first")
    assert r.returncode == 0, r.stderr
    data = orjson.loads(db.read_bytes())
    data["recommendations"]["3"]["owner"] = "INJECTED"
    fake = orjson.dumps(data)
    st = db.stat()
    header = {"dev": st.st_dev, "ino": st.st_ino, "length": len(fake), "old": journal.digest(db.read_bytes()),
              "new": journal.digest(fake)}
    whole = (journal.MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + fake
             + b"\nend " + journal.digest(fake).encode() + b"\n")
    plant(READER, db.with_name(".plan.json.00112233aabbccdd.journal"), whole, 0o2664)
    plant(READER, db.with_name(".plan.json.aabbccdd00112233.journal"), whole, 0o666)
    planted = db.with_name(".plan.json.00112233aabbccdd.journal").stat()
    if folder_mode & stat.S_ISGID:  # the team's group from the folder, but not the bit only members can set
        assert planted.st_gid == TEAM and not planted.st_mode & stat.S_ISGID
    for person in (ALICE, BOB, READER):
        r = person.run(db, "show", "3")
        assert r.returncode == 0 and "INJECTED" not in r.stdout, (person.name, r.stdout, r.stderr)
    assert "INJECTED" not in read_plan_bytes(db).decode()
    for person in (BOB, ALICE):
        r = person.run(db, "set", "4", "done")
        assert r.returncode == 0, r.stderr
        assert recs(db)[3]["owner"] != "INJECTED" and recs(db)[4]["status"] == "done"
