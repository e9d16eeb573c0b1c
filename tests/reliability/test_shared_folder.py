"""A plan in a team folder: colleagues who can write to the folder, with real uids, groups and modes.

Every command runs as a real other user (see people.py). A hostile member plants symbolic links on
the names a save or an export might use; a careless one saves with another primary group; a reader
has no write access at all.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from sampling import sampled

from .helpers import HERE, PYTHON, assert_one_line_error, cli_env, disk_env, load_raw, make_plan, recs, run_cli
from .people import ALICE, AUDIT, BOB, MALLORY, READER, TEAM, needs_root, shared_root, team_folder  # noqa: F401

pytestmark = needs_root
ITEMS = 3000


@pytest.fixture(scope="module")
def big_template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("shared"), ITEMS, name="template.json")


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    out = {}
    for p in folder.iterdir():
        st = p.lstat()
        out[p.name] = (p.read_bytes() if stat.S_ISREG(st.st_mode) else b"", st.st_mode, st.st_gid)
    return out


def plant_while_running(proc: subprocess.Popen, names: list[Path], target: Path) -> int:
    """Keep symbolic links to `target` on `names` until `proc` ends (as a hostile colleague's loop
    would; a cleanup that removes them is undone at once). Returns how many were planted."""
    planted = 0
    while proc.poll() is None:
        for name in names:
            try:
                os.symlink(target, name)
                os.lchown(name, MALLORY.uid, MALLORY.gid)
                planted += 1
            except FileExistsError:
                pass
    return planted


@pytest.mark.parametrize("command", sampled(["save", "export"]))
def test_a_link_planted_on_a_temporary_name_is_never_followed(shared_root: Path, big_template: Path,
                                                              command: str) -> None:
    """Mallory (a team member) keeps links to Alice's private file on the temporary names the old
    code used (`.<name>.<pid>.tmp`, `.<name>.<pid>.bak.tmp` with the writer's own pid); Alice's
    save or export never writes through them. (Before the fix: Alice's file was overwritten.)"""
    team = team_folder(shared_root, 0o2770)
    home = shared_root / "alice"
    home.mkdir(mode=0o700)
    os.chown(home, ALICE.uid, ALICE.gid)
    secret = home / "notes.txt"
    secret.write_text("alice's own notes\n")
    os.chown(secret, ALICE.uid, ALICE.gid)
    os.chmod(secret, 0o600)
    db = team / "plan.json"
    db.write_bytes(big_template.read_bytes())
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, 0o660)

    if command == "save":
        args, written = ["set", "7", "done", "--note", "planted"], db
    else:
        args, written = ["export", "--format", "json", "-o", str(team / "board.json")], team / "board.json"
    proc = subprocess.Popen(
        [PYTHON, str(HERE / "scripts" / "as_user.py"), str(ALICE.uid), str(ALICE.gid), f"{ALICE.gid},{TEAM}", "002",
         "--db", str(db), "--user", "alice", "--as-of", "2011-01-01", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(HOME="/nonexistent"))
    names = [written.with_name(f".{written.name}.{proc.pid}.tmp"),
             written.with_name(f".{written.name}.{proc.pid}.bak.tmp")]
    planted = plant_while_running(proc, names, secret)
    out, err = proc.communicate(timeout=120)
    assert planted >= 1
    assert secret.read_text() == "alice's own notes\n", "a save wrote through a planted link"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert proc.returncode == 0, err
    if command == "save":
        assert recs(db)[7]["status"] == "done"
        assert not db.is_symlink() and stat.S_ISREG(db.lstat().st_mode)
    else:
        assert load_raw(written)["recommendations"][6]["number"] == 7


def test_the_temporary_file_of_a_private_plan_is_private_and_cleared_after_a_kill(tmp_path: Path,
                                                                                  big_template: Path) -> None:
    """A 0600 plan is saved through a temporary file that nobody else can read, from its creation;
    a save killed mid-write leaves it 0600, and the next save clears it away. (Before the fix: the
    temporary file was 0644 under the usual umask until the rename, and stayed 0644 after a kill.)"""
    db = tmp_path / "plan.json"
    db.write_bytes(big_template.read_bytes())
    os.chmod(db, 0o600)
    proc = subprocess.Popen([PYTHON, "-m", "hsp_tui", "--db", str(db), "--user", "t", "--as-of", "2011-01-01",
                             "set", "3", "done"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=disk_env(HSP_TEST_SLOW_DISK="1"), preexec_fn=lambda: os.umask(0o022))
    seen: dict[str, int] = {}
    while proc.poll() is None:
        for p in tmp_path.iterdir():
            if p.name.endswith(".tmp"):
                try:
                    st = p.lstat()
                except FileNotFoundError:
                    continue
                seen[p.name] = seen.get(p.name, 0) | st.st_mode
                if st.st_size > 0 and not p.name.endswith(".bak.tmp"):
                    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the save finished before it could be killed mid-write"
    assert seen and all(mode & 0o077 == 0 for mode in seen.values()), {k: oct(v) for k, v in seen.items()}
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in leftovers)
    assert recs(db)[3]["status"] == "not_started"  # the plan itself untouched by the killed save

    r = run_cli(db, "set", "4", "done")
    assert r.returncode == 0, r.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # the dead one cleared
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


@pytest.mark.parametrize("plan_mode, given, expected", sampled([
    (0o600, None, 0o600), (0o640, None, 0o640), (0o664, None, 0o644), (0o600, "644", 0o644)], 2, multi=True))
def test_an_export_is_never_more_open_than_its_plan(tmp_path: Path, big_template: Path, plan_mode: int,
                                                    given: str | None, expected: int) -> None:
    """Under umask 022 an export of a 0600 plan is 0600 unless `--mode` asks otherwise; the temporary
    file is 0600 meanwhile. (Before the fix: every export was 0644, and there was no --mode.)"""
    db = tmp_path / "plan.json"
    db.write_bytes(big_template.read_bytes())
    os.chmod(db, plan_mode)
    out = tmp_path / "board.csv"
    args = ["export", "--format", "csv", "-o", str(out)] + (["--mode", given] if given else [])
    r = subprocess.run([PYTHON, "-m", "hsp_tui", "--db", str(db), "--as-of", "2011-01-01", *args],
                       capture_output=True, text=True, env=cli_env(), preexec_fn=lambda: os.umask(0o022))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == expected
    # Exporting again over it gives it the same rule, not the old file's mode.
    r = subprocess.run([PYTHON, "-m", "hsp_tui", "--db", str(db), "--as-of", "2011-01-01", *args],
                       capture_output=True, text=True, env=cli_env(), preexec_fn=lambda: os.umask(0o022))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == expected


@pytest.mark.slow
@pytest.mark.parametrize("folder_mode", [0o770, 0o2770], ids=["plain", "setgid"])
def test_every_member_keeps_working_after_anothers_save(shared_root: Path, big_template: Path,
                                                        folder_mode: int) -> None:
    """Alice and Bob (both in the team group, each with a private primary group) take turns saving;
    the plan keeps its group and mode, so both can always read and save it, and so can the lock.
    (Before the fix, in the plain folder: Bob's save gave the plan his own group and Alice could no
    longer read it.)"""
    team = team_folder(shared_root, folder_mode)
    db = team / "plan.json"
    db.write_bytes(big_template.read_bytes())
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, 0o660)
    for k, person in enumerate([BOB, ALICE, BOB, ALICE, BOB], start=1):
        r = person.run(db, "note", str(k), f"note by {person.name}")
        assert r.returncode == 0, (person.name, r.stderr)
        st = db.stat()
        assert (st.st_gid, stat.S_IMODE(st.st_mode)) == (TEAM, 0o660), person.name
        for other in (ALICE, BOB):
            r = other.run(db, "show", str(k))
            assert r.returncode == 0 and f"note by {person.name}" in r.stdout, (other.name, r.stderr)
    bak = db.with_name("plan.json.bak")
    assert bak.stat().st_gid == TEAM and stat.S_IMODE(bak.stat().st_mode) == 0o660
    lock = db.with_name("plan.json.lock")
    assert lock.stat().st_gid == TEAM
    assert not [p.name for p in team.iterdir() if p.name.endswith(".tmp")]


def test_a_save_that_cannot_keep_the_group_says_so_and_replaces_nothing(shared_root: Path,
                                                                        big_template: Path) -> None:
    """The plan belongs to Alice but its group is one she is not in (the auditors read it through
    that group). Her save would hand the file to her own group and shut them out: it is refused
    first, in one line, exit 3, and nothing changes. (Before the fix: saved, group lost.)"""
    team = team_folder(shared_root, 0o2770)
    db = team / "plan.json"
    db.write_bytes(big_template.read_bytes())
    os.chown(db, ALICE.uid, AUDIT)
    os.chmod(db, 0o660)
    before = snapshot(team)
    r = ALICE.run(db, "set", "2", "done")
    line = assert_one_line_error(r, names=db, code=3)
    assert "group" in line and str(AUDIT) in line and "nothing was saved" in line
    assert snapshot(team) == before  # plan, group and mode as they were; no temporary file left


@pytest.mark.slow
def test_read_only_commands_work_in_a_folder_the_user_cannot_write(shared_root: Path, big_template: Path) -> None:
    """A reader with read access only (folder 0755, plan 0644, both root's) lists, shows, summarises
    and exports; nothing is created beside the plan (no lock file)."""
    folder = shared_root / "published"
    folder.mkdir(mode=0o755)
    db = folder / "plan.json"
    db.write_bytes(big_template.read_bytes())
    os.chmod(db, 0o644)
    own = shared_root / "reader"
    own.mkdir()
    os.chown(own, READER.uid, READER.gid)
    before = snapshot(folder)
    for args in (["list"], ["show", "5"], ["summary"], ["export", "--format", "csv"],
                 ["export", "--format", "md", "-o", str(own / "board.md")]):
        r = READER.run(db, *args)
        assert r.returncode == 0, (args, r.stderr)
    assert (own / "board.md").stat().st_uid == READER.uid
    r = READER.run(db, "set", "5", "done")
    assert_one_line_error(r, names=db, code=3)
    assert snapshot(folder) == before


@pytest.mark.parametrize("content", sampled([b'{"notes": ["not a plan"]}\n', b"not json at all\n"]))
def test_no_lock_file_is_left_beside_a_file_that_is_not_a_plan(tmp_path: Path, content: bytes) -> None:
    """A change pointed at a file that is not a plan is refused and leaves the folder as it was.
    (Before the fix: `notes.json.lock` stayed behind.)"""
    notes = tmp_path / "notes.json"
    notes.write_bytes(content)
    for args in (["set", "1", "done"], ["note", "1", "x"], ["list"], ["export"]):
        r = run_cli(notes, *args)
        assert_one_line_error(r, names=notes, code=3)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.json"], args
        assert notes.read_bytes() == content
