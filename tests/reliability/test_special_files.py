"""A FIFO, /dev/zero or a huge file given as the plan (`--db`) or to `import`.

Each is refused at once with one line naming it (nothing hangs, nothing reads until memory runs
out), and nothing is created beside it. The CLI runs in a subprocess with a memory limit, so the
old behaviour (reading /dev/zero for ever) fails the test instead of the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import pytest

MAX_READ = 512 * 1024 * 1024  # the documented limit (README, Reliability)

from .helpers import assert_one_line_error, make_plan, run_cli

LIMIT = 1 << 30  # address space of the CLI under test: far above what it needs, far below "all memory"


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def run_limited(db: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return run_cli(db, *args, timeout=60, preexec_fn=_limited)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hsp-tui {' '.join(args)} on {db} hung")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("args", [["list"], ["show", "1"], ["set", "1", "done"], ["export"]])
def test_db_on_a_fifo_is_refused_at_once(tmp_path: Path, fifo: Path, args: list[str]) -> None:
    """(Before the fix: the command waited for ever for someone to write into the FIFO.)"""
    r = run_limited(fifo, *args)
    line = assert_one_line_error(r, names=fifo, code=3)
    assert "FIFO" in line and "not a regular file" in line
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no lock, no seed, no temp


@pytest.mark.parametrize("args", [["list"], ["set", "1", "done"]])
def test_db_on_dev_zero_is_refused_at_once(args: list[str]) -> None:
    """(Before the fix: it read zeros until memory ran out.)"""
    had_lock = os.path.exists("/dev/zero.lock")
    try:
        r = run_limited(Path("/dev/zero"), *args)
        line = assert_one_line_error(r, names="/dev/zero", code=3)
        assert "character device" in line
        assert had_lock or not os.path.exists("/dev/zero.lock")
    finally:
        if not had_lock and os.path.exists("/dev/zero.lock"):
            os.unlink("/dev/zero.lock")  # left by a version that locked before reading


def test_import_from_a_fifo_or_dev_zero_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)
    for source in (fifo, Path("/dev/zero")):
        r = run_limited(tmp_path / "new.json", "import", str(source))
        line = assert_one_line_error(r, names=source, code=2)
        assert "not a regular file" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.csv"]


def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    """A sparse file of MAX_READ + 1 bytes (no disk used): refused by its size, naming the limit.
    (Before the fix: read whole, 512 MiB of memory, then 'not valid JSON'.)"""
    huge = tmp_path / "plan.json"
    with open(huge, "wb") as fh:
        fh.truncate(MAX_READ + 1)
    src = tmp_path / "rows.csv"
    with open(src, "wb") as fh:
        fh.truncate(MAX_READ + 1)
    r = run_limited(huge, "list")
    line = assert_one_line_error(r, names=huge, code=3)
    assert "larger than 512 MiB" in line
    r = run_limited(tmp_path / "new.json", "import", str(src))
    line = assert_one_line_error(r, names=src, code=2)
    assert "larger than 512 MiB" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "rows.csv"]


def test_plans_on_tmpfs_work_as_on_disk(template_on_shm: Path) -> None:
    """/dev/shm is tmpfs: saves, backup and lock there work as on disk (and a plan just under the
    limit is not refused)."""
    r = run_cli(template_on_shm, "set", "1", "done")
    assert r.returncode == 0, r.stderr
    assert template_on_shm.with_name("plan.json.bak").exists()
    r = run_cli(template_on_shm, "show", "1")
    assert r.returncode == 0 and "Done" in r.stdout


@pytest.fixture
def template_on_shm(tmp_path: Path) -> Path:
    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm here")
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        yield make_plan(folder, 30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
