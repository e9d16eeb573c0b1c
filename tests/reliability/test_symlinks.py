"""Symbolic links, FIFOs and devices given as the plan (`--db`) or as an export's `-o`.

Real links, FIFOs and device nodes (mknod, as root) in real folders. The CLI runs in this process
(run_cli_here) where a process adds nothing, and in a real process where an export to a FIFO could
block (a timeout ends it) or another user runs it.
"""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from .helpers import PYTHON, assert_one_line_error, cli_env, load_raw, make_plan, recs, run_cli, run_cli_here
from .people import ALICE, needs_root, shared_root  # noqa: F401

ITEMS = 50


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("links"), ITEMS, name="template.json")


@pytest.fixture
def team_plan(tmp_path: Path, template: Path) -> Path:
    """The team's plan in a shared folder, and an officer's link to it from her home folder."""
    team = tmp_path / "srv" / "team"
    team.mkdir(parents=True)
    db = team / "plan.json"
    db.write_bytes(template.read_bytes())
    return db


def test_db_through_a_link_changes_the_linked_plan(tmp_path: Path, team_plan: Path) -> None:
    """`--db ~/plan.json -> /srv/team/plan.json`: the change lands in the team's file; the link stays
    a link; the backup and the lock sit beside the real file, the backup a real copy of the version
    before. (Before the fix: the link became a private copy and the .bak a link to the live file.)"""
    home = tmp_path / "home"
    home.mkdir()
    link = home / "plan.json"
    link.symlink_to(team_plan)
    before = team_plan.read_bytes()
    for k in (1, 2):
        r = run_cli_here(link, "set", str(k), "done")
        assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(team_plan)
    assert recs(team_plan)[1]["status"] == recs(team_plan)[2]["status"] == "done"
    assert sorted(p.name for p in home.iterdir()) == ["plan.json"]  # nothing beside the link
    bak = team_plan.with_name("plan.json.bak")
    assert not bak.is_symlink() and stat.S_ISREG(bak.lstat().st_mode)
    assert recs(bak)[1]["status"] == "done" and recs(bak)[2]["status"] == "not_started"
    assert team_plan.with_name("plan.json.lock").exists()
    assert before != team_plan.read_bytes()


def test_a_link_to_a_folder_on_the_way_is_resolved_too(tmp_path: Path, team_plan: Path) -> None:
    shortcut = tmp_path / "team-share"
    shortcut.symlink_to(team_plan.parent, target_is_directory=True)
    r = run_cli_here(shortcut / "plan.json", "note", "3", "via the folder link")
    assert r.returncode == 0, r.stderr
    assert shortcut.is_symlink()
    assert recs(team_plan)[3]["history"][-1]["note"] == "via the folder link"


@pytest.mark.parametrize("args", [["list"], ["set", "1", "done"], ["import", "x.csv"]])
def test_a_dangling_link_is_refused_never_seeded(tmp_path: Path, args: list[str]) -> None:
    """The share is not mounted: `--db` names a link to nothing. One clear line, exit 3, and no plan is
    made in its place. (Before the fix: a fresh seeded plan appeared, exit 0.)"""
    (tmp_path / "x.csv").write_text("number,ref,recommendation,management_response,deadline,owner\n"
                                    "1,1,A,B,April 2011,C\n", encoding="utf-8")
    link = tmp_path / "plan.json"
    missing = tmp_path / "share" / "team" / "plan.json"
    link.symlink_to(missing)
    r = run_cli_here(link, *[a if a != "x.csv" else str(tmp_path / "x.csv") for a in args])
    line = assert_one_line_error(r, names=link, code=3)
    assert "does not exist" in line and "symbolic link" in line
    assert link.is_symlink() and not missing.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "x.csv"]


def test_export_through_a_link_writes_its_target_and_keeps_the_link(tmp_path: Path, team_plan: Path) -> None:
    """(Before the fix: the link was replaced by a regular file and its target never written.)"""
    target = tmp_path / "board" / "latest.json"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    r = run_cli_here(team_plan, "export", "--format", "json", "-o", str(link))
    assert r.returncode == 0, r.stderr
    assert link.is_symlink()
    assert len(load_raw(target)["recommendations"]) == ITEMS


@pytest.mark.parametrize("suffix", ["", ".bak", ".lock"])
def test_export_through_a_link_to_the_plans_own_files_is_refused(tmp_path: Path, team_plan: Path,
                                                                  suffix: str) -> None:
    run_cli_here(team_plan, "set", "1", "done")  # makes the .bak and the .lock
    own = team_plan.with_name(team_plan.name + suffix)
    link = tmp_path / "innocent.csv"
    link.symlink_to(own)
    before = {p.name: p.read_bytes() for p in team_plan.parent.iterdir()}
    r = run_cli_here(team_plan, "export", "--format", "csv", "-o", str(link))
    assert_one_line_error(r, names=link, code=2)
    assert {p.name: p.read_bytes() for p in team_plan.parent.iterdir()} == before
    assert link.is_symlink()


def test_export_to_a_fifo_writes_through_it(tmp_path: Path, team_plan: Path) -> None:
    """A FIFO with a reader gets the export and stays a FIFO. (Before the fix: replaced by a file.)"""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = run_cli(team_plan, "export", "--format", "csv", "-o", str(fifo), timeout=60)
    reader.join(timeout=60)
    if reader.is_alive():  # nothing came (the FIFO was replaced): let the reader go
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)) if stat.S_ISFIFO(fifo.lstat().st_mode) else None
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert got and got[0].count(b"\n") == ITEMS + 1


def test_export_to_a_fifo_nobody_reads_is_refused_at_once(tmp_path: Path, team_plan: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = run_cli(team_plan, "export", "-o", str(fifo), timeout=60)
    line = assert_one_line_error(r, names=fifo, code=2)
    assert "FIFO" in line
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@needs_root
def test_export_to_a_character_device_writes_through_and_never_replaces_it(tmp_path: Path,
                                                                           team_plan: Path) -> None:
    """A null device made with mknod (as /dev/null is): written through, still a device after.
    (Before the fix, as root: replaced by a regular file holding the export.)"""
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    r = run_cli_here(team_plan, "export", "--format", "md", "-o", str(null))
    assert r.returncode == 0, r.stderr
    st = null.lstat()
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)


@needs_root
def test_export_to_a_block_device_or_socket_is_refused(tmp_path: Path, team_plan: Path) -> None:
    import socket

    disk = tmp_path / "disk"
    os.mknod(disk, 0o600 | stat.S_IFBLK, os.makedev(7, 200))  # a loop device number: never opened
    sock_path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for target, kind in ((disk, "block device"), (sock_path, "socket")):
            r = run_cli_here(team_plan, "export", "-o", str(target))
            line = assert_one_line_error(r, names=target, code=2)
            assert kind in line
        assert stat.S_ISBLK(disk.lstat().st_mode) and stat.S_ISSOCK(sock_path.lstat().st_mode)
    finally:
        sock.close()


@needs_root
def test_export_to_dev_stdout_writes_to_standard_output(shared_root: Path, template: Path) -> None:
    """`-o /dev/stdout` (a link to the process's own output) works, into a pipe and into a file the
    shell opened. Run as another user, so the old code's attempt to replace /dev/stdout fails
    instead of breaking the machine's /dev."""
    db = shared_root / "plan.json"
    db.write_bytes(template.read_bytes())
    os.chmod(db, 0o644)
    r = ALICE.run(db, "export", "--format", "csv", "-o", "/dev/stdout")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("\n") == ITEMS + 1
    out = shared_root / "out.csv"
    with open(out, "w") as fh:
        fh.write("before\n")
    os.chown(out, ALICE.uid, ALICE.gid)
    with open(out, "a") as fh:
        r = ALICE.run(db, "export", "--format", "csv", "-o", "/dev/stdout", stdout=fh, stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("before\n") and text.count("\n") == ITEMS + 2
