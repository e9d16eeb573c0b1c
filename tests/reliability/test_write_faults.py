"""A disk that fills up or fails during a save: a clear one-line error, the previous file intact.

The failures are real OS errors raised inside the CLI process: either the file-size limit of the
process (RLIMIT_FSIZE, so write() fails with EFBIG) or os.write/os.fsync replaced at start-up by
slowdisk/sitecustomize.py to fail with ENOSPC / EIO / EDQUOT after some bytes.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
from pathlib import Path

import pytest

from sampling import sampled

from hsp_tui.storage.file import safefiles
from hsp_tui.domain.errors import PlanFileError
from hsp_tui.storage.store import Store

from .helpers import assert_one_line_error, disk_env, make_plan, run_cli, run_cli_here

ITEMS = 1000


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("faults"), ITEMS, name="template.json")


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    """A plan with one change saved (so a .bak exists), in a folder of its own."""
    path = tmp_path / "plan.json"
    path.write_bytes(template.read_bytes())
    r = run_cli_here(path, "set", "1", "in_progress", "--note", "first")  # the faults are the tests' processes
    assert r.returncode == 0, r.stderr
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("code, words", [
    ("ENOSPC", "the disk is full"),
    ("EIO", os.strerror(errno.EIO)),
    ("EDQUOT", os.strerror(errno.EDQUOT)),
])
@pytest.mark.parametrize("after", sampled([0, 100_000]))
def test_failing_write_leaves_the_plan_untouched(db: Path, code: str, words: str, after: int) -> None:
    before = snapshot(db.parent)
    r = run_cli(db, "set", "5", "done", "--note", "lost", env=disk_env(HSP_TEST_FAIL_WRITE=code,
                                                                       HSP_TEST_FAIL_AFTER=str(after)))
    line = assert_one_line_error(r, names=db, code=3)
    assert words in line and "unchanged" in line
    assert snapshot(db.parent) == before  # plan, .bak and lock byte for byte; no temporary file left
    # With the disk healthy again the same change goes through.
    r = run_cli(db, "set", "5", "done", "--note", "saved")
    assert r.returncode == 0, r.stderr


def test_failing_fsync_leaves_the_plan_untouched(db: Path) -> None:
    before = snapshot(db.parent)
    r = run_cli(db, "note", "5", "lost", env=disk_env(HSP_TEST_FAIL_FSYNC="EIO"))
    assert_one_line_error(r, names=db, code=3)
    assert snapshot(db.parent) == before


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so write() fails with EFBIG instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


@pytest.mark.parametrize("args", [
    ["set", "5", "done", "--note", "lost"],
    ["note", "5", "lost"],
    ["assign", "5", "Someone Else"],
    ["revise", "5", "March 2012", "--reason", "lost"],
])
def test_file_size_limit_refuses_cleanly(db: Path, args: list[str]) -> None:
    before = snapshot(db.parent)
    r = run_cli(db, *args, preexec_fn=_limit_file_size)
    line = assert_one_line_error(r, names=db, code=3)
    assert "could not save" in line
    assert snapshot(db.parent) == before


def test_import_replace_on_a_full_disk_keeps_the_old_plan(db: Path, tmp_path: Path) -> None:
    src = tmp_path / "new.csv"
    src.write_text("number,ref,recommendation,management_response,deadline,owner\n"
                   + "".join(f"{i},1.{i},New rec {i},Agreed,April 2011,Someone\n" for i in range(1, 3000)),
                   encoding="utf-8")
    before = snapshot(db.parent)
    r = run_cli(db, "import", str(src), "--replace", env=disk_env(HSP_TEST_FAIL_WRITE="ENOSPC",
                                                                  HSP_TEST_FAIL_AFTER="50000"))
    line = assert_one_line_error(r, names=db, code=3)
    assert "disk is full" in line
    assert snapshot(db.parent) == before


def test_store_keeps_working_after_a_failed_save(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In one long-running process (as the TUI is): a failed save is an error, not the end."""
    store = Store(db)
    before = db.read_bytes()
    real_write = os.write

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(safefiles.os, "write", full)
    with pytest.raises(PlanFileError, match="disk is full") as info:
        store.set_status(5, "done", by="tui", note="lost")
    assert "\n" not in str(info.value) and str(db) in str(info.value)
    assert db.read_bytes() == before
    assert store.load().get(5).status.value == "not_started"

    monkeypatch.setattr(safefiles.os, "write", real_write)
    change = store.set_status(5, "done", by="tui", note="saved")
    assert change.plan.get(5).status.value == "done"
    assert [h.note for h in store.load().get(5).history][-1] == "saved"
    assert not any(p.name.endswith(".tmp") for p in db.parent.iterdir())
