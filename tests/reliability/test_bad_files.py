"""Plan files that are broken, foreign, too new, unwritable, deleted or replaced.

Every case: one line naming the file, a non-zero exit (CLI) or an HspError (the store, as the TUI
uses it), and every byte in the folder left as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import orjson
import pytest

from hsp_tui.domain.errors import HspError, PlanFileError
from hsp_tui.storage.store import Store

from .helpers import assert_one_line_error, make_plan, recs, run_cli, run_cli_here

ITEMS = 50
NOBODY = 65534


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = make_plan(tmp_path_factory.mktemp("badfiles"), ITEMS, name="template.json")
    r = run_cli(path, "set", "2", "in_progress", "--note", "good change")
    assert r.returncode == 0, r.stderr
    return path


@pytest.fixture
def good(template: Path, tmp_path: Path) -> bytes:
    return template.read_bytes()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, except an empty lock file (taking the lock may create it)."""
    files = {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    return {k: v for k, v in files.items() if not (k.endswith(".lock") and v == b"")}


READS = [["list"], ["show", "2"]]
WRITES = [["set", "2", "done"], ["note", "2", "hello"], ["revise", "2", "May 2012", "--reason", "why"],
          ["undo", "2"]]


def _ours(good: bytes, **changes) -> bytes:
    data = orjson.loads(good)
    for key, value in changes.items():
        data["meta"]["1"][key] = value
    return orjson.dumps(data)


def _damaged_record(good: bytes, field: str, value) -> bytes:
    data = orjson.loads(good)
    data["recommendations"]["2"][field] = value
    return orjson.dumps(data)


BAD_FILES = {
    "truncated": lambda good: good[: len(good) // 2],
    "empty": lambda good: b"",
    "zeros": lambda good: b"\0" * 4096,  # what some file systems leave after a crash
    "garbage": lambda good: bytes(range(256)) * 8,
    "utf16": lambda good: good.decode("utf-8").encode("utf-16"),
    "json array": lambda good: b"[1, 2, 3]",
    "json string": lambda good: b'"plan"',
    "other app": lambda good: b'{"name": "my shopping list", "items": ["milk"]}',
    "other tinydb": lambda good: b'{"_default": {"1": {"task": "x"}}}',
    "our export": lambda good: b'{"format": "hsp-tui-export", "format_version": 1, "plan": {}, "recommendations": []}',
    "newer schema": lambda good: _ours(good, schema_version=2),
    "schema as text": lambda good: _ours(good, schema_version="1"),
    "bad status": lambda good: _damaged_record(good, "status", "finished!"),
    "history not a list": lambda good: _damaged_record(good, "history", 5),
    "history of strings": lambda good: _damaged_record(good, "history", ["a", "b"]),
    "milestones not a list": lambda good: _damaged_record(good, "milestones", 7),
    "revisions of numbers": lambda good: _damaged_record(good, "revisions", [1, 2]),
}


# Each bad file with each command runs twice: in this process (`run_cli_here`: the command's own
# code, exit code and lines, a traceback failing the test) and in a real process (`run_cli`: the exit
# code the shell sees, nothing printed by the interpreter). The real processes of a sample, each
# command with another kind, run in the quick loop; all of them in the whole suite (`-m slow`).
RUNNERS = {"here": run_cli_here, "process": run_cli}
PROCESS_SAMPLE = {("truncated", "list"), ("utf16", "show"), ("newer schema", "set"), ("bad status", "note"),
                  ("other app", "revise"), ("zeros", "undo")}


def _bad_file_cases():
    for args in READS + WRITES:
        for kind in BAD_FILES:
            yield pytest.param(kind, args, "here", id=f"{args[0]}-{kind}-here")
            slow = () if (kind, args[0]) in PROCESS_SAMPLE else (pytest.mark.slow,)
            yield pytest.param(kind, args, "process", marks=slow, id=f"{args[0]}-{kind}-process")


@pytest.mark.parametrize("kind, args, runner", _bad_file_cases())
def test_bad_file_is_refused_and_left_untouched(tmp_path: Path, good: bytes, kind: str, args: list[str],
                                                runner: str) -> None:
    db = tmp_path / "plan.json"
    db.write_bytes(BAD_FILES[kind](good))
    before = snapshot(tmp_path)
    r = RUNNERS[runner](db, *args)
    line = assert_one_line_error(r, names=db)
    if kind == "newer schema":
        assert "newer" in line and "upgrade" in line
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind, runner", [
    pytest.param(kind, runner, marks=() if runner == "here" or kind == "truncated" else (pytest.mark.slow,))
    for kind in ("truncated", "empty", "zeros", "garbage") for runner in RUNNERS])
def test_broken_file_names_its_backup_and_how_to_restore(tmp_path: Path, good: bytes, kind: str,
                                                         runner: str) -> None:
    run = RUNNERS[runner]
    db = tmp_path / "plan.json"
    db.write_bytes(good)
    assert run(db, "note", "3", "last good change").returncode == 0
    last_good = db.read_bytes()
    assert run(db, "note", "3", "the change before the damage").returncode == 0
    db.write_bytes(BAD_FILES[kind](db.read_bytes()))  # damaged by something outside hsp-tui
    bak = tmp_path / "plan.json.bak"
    assert bak.read_bytes() == last_good

    line = assert_one_line_error(run(db, "list"), names=db, code=3)
    assert str(bak) in line and "copy it over" in line
    # Following the advice gives the plan back as it was one save before the damage.
    shutil.copyfile(bak, db)
    r = run(db, "show", "3")
    assert r.returncode == 0 and "last good change" in r.stdout


def test_store_refuses_foreign_or_newer_files_and_names_them(tmp_path: Path, good: bytes) -> None:
    db = tmp_path / "plan.json"
    for kind in ("other app", "newer schema", "truncated", "history not a list"):
        db.write_bytes(BAD_FILES[kind](good))
        before = db.read_bytes()
        store = Store(db)
        attempts = [store.load, lambda: store.add_note(2, "x", by="t"), lambda: store.set_status(2, "done", by="t")]
        if kind != "history not a list":  # replacing a plan with a damaged record is how to repair it
            attempts.append(lambda: store.replace(orjson.loads(good)))
        for attempt in attempts:
            with pytest.raises(HspError) as info:
                attempt()
            assert str(db) in str(info.value) and "\n" not in str(info.value), kind
        assert db.read_bytes() == before, kind


# -- unwritable files and folders ------------------------------------------------------------------
def _chattr(flag: str, *paths: Path) -> None:
    subprocess.run(["chattr", flag, *map(str, paths)], check=True, capture_output=True)


@pytest.fixture
def immutable(tmp_path: Path):
    """chattr +i (refuses writes even to root); undone afterwards so pytest can clean up."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    marked: list[Path] = []

    def mark(*paths: Path) -> None:
        try:
            _chattr("+i", *paths)
        except subprocess.CalledProcessError as exc:
            pytest.skip(f"chattr +i does not work here: {exc.stderr.decode().strip()}")
        marked.extend(paths)

    yield mark
    if marked:
        _chattr("-i", *marked)


@pytest.mark.slow
def test_read_only_file_is_readable_but_not_saved(tmp_path: Path, good: bytes, immutable) -> None:
    db = tmp_path / "plan.json"
    db.write_bytes(good)
    Path(str(db) + ".lock").touch()
    immutable(db)
    before = snapshot(tmp_path)
    assert run_cli(db, "list").returncode == 0
    for args in WRITES + [["import", str(tmp_path / "x.csv"), "--replace"]]:
        if args[0] == "import":
            (tmp_path / "x.csv").write_text("number,ref,recommendation,management_response,deadline,owner\n"
                                            "1,1,A,B,April 2011,C\n", encoding="utf-8")
            before = snapshot(tmp_path)
        r = run_cli(db, *args)
        line = assert_one_line_error(r, names=db)
        assert "read-only" in line or "permission" in line.lower() or "not permitted" in line
        assert snapshot(tmp_path) == before


def test_read_only_folder_is_readable_but_not_saved(tmp_path: Path, good: bytes, immutable) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    db = folder / "plan.json"
    db.write_bytes(good)
    immutable(folder)  # no lock file yet, and none can be made
    before = snapshot(folder)
    assert run_cli(db, "list").returncode == 0
    for args in WRITES:
        line = assert_one_line_error(run_cli(db, *args), names=db, code=3)
        assert "nothing was saved" in line or "unchanged" in line, line
        assert snapshot(folder) == before


@pytest.fixture
def shared_folder():
    """A folder outside pytest's private tmp dir, so another user can reach it."""
    folder = Path(tempfile.mkdtemp(prefix="hsp-shared-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _as_nobody(*, umask: int | None = None):
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to run a command as another user")

    def prefix(args: list[str]) -> list[str]:
        return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *args]

    return prefix


def _run_as(prefix, db: Path, *args: str, umask: int = 0o022) -> subprocess.CompletedProcess:
    from .helpers import PYTHON, cli_env

    cmd = prefix([PYTHON, "-m", "hsp_tui", "--db", str(db), "--user", "nobody", "--as-of", "2011-01-01", *args])
    return subprocess.run(cmd, capture_output=True, text=True, env=cli_env(HOME=str(db.parent)),
                          preexec_fn=lambda: os.umask(umask), timeout=120)


def test_another_users_file_is_readable_but_not_saved(shared_folder: Path, good: bytes) -> None:
    as_nobody = _as_nobody()
    db = shared_folder / "plan.json"
    db.write_bytes(good)
    os.chmod(db, 0o644)
    before = snapshot(shared_folder)
    assert _run_as(as_nobody, db, "list").returncode == 0
    for args in WRITES:
        line = assert_one_line_error(_run_as(as_nobody, db, *args), names=db, code=3)
        assert "permission" in line.lower() or "read-only" in line
    assert snapshot(shared_folder) == before


def test_team_folder_lock_file_follows_the_plan_files_permissions(shared_folder: Path, good: bytes) -> None:
    """Two officers in one group share a group-writable folder. The plan file is group-writable,
    but whoever saved first has umask 022: the lock file must not lock the other officer out."""
    as_nobody = _as_nobody()
    os.chown(shared_folder, 0, NOBODY)
    os.chmod(shared_folder, 0o2775)
    db = shared_folder / "plan.json"
    db.write_bytes(good)
    os.chown(db, 0, NOBODY)
    os.chmod(db, 0o664)
    old = os.umask(0o022)
    try:  # officer A (root here) saves first: the lock file is created now
        assert run_cli(db, "note", "1", "from A").returncode == 0
    finally:
        os.umask(old)
    as_group_member = lambda args: ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",  # noqa: E731
                                    "--clear-groups", *args]
    r = _run_as(as_group_member, db, "note", "1", "from B")
    assert r.returncode == 0, r.stderr
    assert [h["note"] for h in recs(db)[1]["history"]][-2:] == ["from A", "from B"]
    # And the other way round: B's save kept the file group-writable for A.
    assert db.stat().st_mode & 0o060 == 0o060


# -- deleted or replaced while open ----------------------------------------------------------------
def test_file_deleted_while_open_is_an_error_and_not_recreated(tmp_path: Path, good: bytes) -> None:
    db = tmp_path / "plan.json"
    db.write_bytes(good)
    store = Store(db)
    store.load()
    assert store.add_note(2, "before", by="tui").number == 2  # now a .bak exists too
    db.unlink()
    before = snapshot(tmp_path)
    with pytest.raises(PlanFileError) as info:
        store.add_note(2, "after", by="tui")
    msg = str(info.value)
    assert str(db) in msg and "not found" in msg and "plan.json.bak" in msg
    assert snapshot(tmp_path) == before and not db.exists()


def test_cli_does_not_start_afresh_over_a_deleted_plan_with_a_backup(tmp_path: Path, good: bytes) -> None:
    """A missing plan file with a backup beside it is a lost plan, not a first run: creating a new
    plan from the seed there would, on the next save, overwrite the backup, the last good copy."""
    db = tmp_path / "plan.json"
    db.write_bytes(good)
    assert run_cli(db, "note", "2", "kept").returncode == 0
    db.unlink()
    before = snapshot(tmp_path)
    for args in (["list"], ["note", "2", "x"]):
        line = assert_one_line_error(run_cli(db, *args), names=db, code=3)
        assert "plan.json.bak" in line
        assert snapshot(tmp_path) == before
    shutil.copyfile(tmp_path / "plan.json.bak", db)
    assert run_cli(db, "note", "2", "after restore").returncode == 0


def test_file_replaced_while_open(tmp_path: Path, good: bytes) -> None:
    db = tmp_path / "plan.json"
    db.write_bytes(good)
    store = Store(db)
    sig = store.change_token()
    store.load()
    # Someone copies a file that is not ours over it: refused, untouched.
    db.write_bytes(BAD_FILES["other app"](good))
    with pytest.raises(PlanFileError, match="not an hsp-tui plan file"):
        store.set_status(2, "done", by="tui")
    assert db.read_bytes() == BAD_FILES["other app"](good)
    # Someone imports a different plan over it: the open store sees the change and works on the new file.
    other = orjson.loads(good)
    other["meta"]["1"]["plan"]["title"] = "Replaced plan"
    Store(db.with_name("other.json")).create(other)
    os.replace(db.with_name("other.json"), db)
    assert store.change_token() != sig
    change = store.add_note(2, "on the new file", by="tui")
    assert change.plan.meta.title == "Replaced plan"
