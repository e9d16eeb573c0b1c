"""Shared fixtures: a plan file made from the embedded seed, and a way to run the CLI like a user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hsp_tui.formats.importing import seed_to_data
from hsp_tui.storage.seed import seed_document
from hsp_tui.storage.store import Store
# The throwaway PostgreSQL server (one per session) for the server and contract tests.
from pgharness import eve, pg_bindir, pg_cluster, pg_db, pg_people, pg_plan_db, pg_plan_template  # noqa: F401
from inprocess import Result, clean_env, run_in_process

FIXED_AT = "2010-06-01T09:00:00+01:00"


def pytest_collection_modifyitems(config, items):
    """Tests marked `monkey` (more seeds of the random-keys test) run only when asked for: -m monkey."""
    if "monkey" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="more monkey seeds: run with -m monkey")
    for item in items:
        if "monkey" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory, monkeypatch) -> Path:
    """Each test's own cache folder (this user's memo of checked plan files, `checked`), never the
    real home's: a command run by a test starts with no memo, as on a new machine."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture
def seed_data() -> dict:
    return seed_to_data(seed_document(), by="tester", at=FIXED_AT)


@pytest.fixture
def plan_path(tmp_path: Path, seed_data: dict) -> Path:
    path = tmp_path / "plan.json"
    Store(path).create(seed_data)
    return path


@pytest.fixture
def store(plan_path: Path) -> Store:
    return Store(plan_path, clock=lambda: FIXED_AT)


def run_process(tmp_path: Path, args: tuple[str, ...], env: dict[str, str] | None = None,
                input: str | None = None) -> Result:
    """`python -m hsp_tui ARGS` in a subprocess, as a user would, with a clean environment."""
    full_env = clean_env(tmp_path)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "hsp_tui", *args], capture_output=True, text=True,
        encoding="utf-8", env=full_env, input=input, timeout=120, cwd=tmp_path,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(tmp_path: Path):
    """Run `hsp-tui ARGS` in this process (`run_in_process`): what the command prints, writes and
    returns, without starting an interpreter. A test of the process itself (its exit code from the
    shell, a traceback, a signal, a terminal) takes `cli_process`."""

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        return run_in_process(tmp_path, args, env, input)

    return run


@pytest.fixture
def cli_process(tmp_path: Path):
    """Run `python -m hsp_tui ARGS` in a subprocess, as a user would, with a clean environment."""

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        return run_process(tmp_path, args, env, input)

    return run


@pytest.fixture
def terminal(tmp_path: Path):
    """Run `python -m hsp_tui ARGS` with its output on a real terminal (a pseudo-terminal), as an
    officer at a prompt sees it; returns what reached the terminal (CR LF made LF)."""
    import pty

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Result:
        full_env = clean_env(tmp_path)
        full_env.update(env or {})
        master, slave = pty.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "hsp_tui", *args], stdin=subprocess.DEVNULL,
                                stdout=slave, stderr=subprocess.PIPE, env=full_env, cwd=tmp_path)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        err = proc.stderr.read() if proc.stderr else b""
        code = proc.wait(timeout=timeout)
        out = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
        return Result(code, out, err.decode("utf-8", errors="replace"))

    return run
