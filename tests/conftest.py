"""Shared fixtures: a plan file made from the embedded seed, and a way to run the CLI like a user."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from hsp_tui.formats.importing import seed_to_data
from hsp_tui.storage.seed import seed_document
from hsp_tui.storage.store import Store
# The throwaway PostgreSQL server (one per session) for the server and contract tests.
from pgharness import pg_bindir, pg_cluster, pg_db, pg_people, pg_plan_db  # noqa: F401

FIXED_AT = "2010-06-01T09:00:00+01:00"


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


@dataclass
class Result:
    code: int
    out: str
    err: str


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HSP_TUI_")}
    # Never touch the real home: platformdirs follows these.
    env["HOME"] = str(tmp_path / "home")
    env["XDG_DATA_HOME"] = str(tmp_path / "home" / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "home" / "config")
    env["COLUMNS"] = "160"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_process(tmp_path: Path, args: tuple[str, ...], env: dict[str, str] | None = None,
                input: str | None = None) -> Result:
    """`python -m hsp_tui ARGS` in a subprocess, as a user would, with a clean environment."""
    full_env = _clean_env(tmp_path)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "hsp_tui", *args], capture_output=True, text=True,
        encoding="utf-8", env=full_env, input=input, timeout=120, cwd=tmp_path,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def run_in_process(tmp_path: Path, args: tuple[str, ...], env: dict[str, str] | None = None,
                   input: str | None = None) -> Result:
    """The same command run by `hsp_tui.cli.program.main` in this process: the same environment
    (os.environ replaced for the call), folder, standard streams (pipes, not terminals: UTF-8, or
    PYTHONIOENCODING's encoding as a process would take it) and exit code (argparse's SystemExit
    included); output read as `subprocess.run(text=True)` reads it (universal newlines). An
    exception that escapes `main` fails the test, as its traceback would have shown in a process."""
    from hsp_tui.cli.program import main

    full_env = _clean_env(tmp_path)
    full_env.update(env or {})
    encoding, _, errors = full_env.get("PYTHONIOENCODING", "utf-8").partition(":")
    out, err = io.BytesIO(), io.BytesIO()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    wrappers = (io.TextIOWrapper(io.BytesIO((input or "").encode("utf-8")), encoding="utf-8"),
                io.TextIOWrapper(out, encoding=encoding or "utf-8", errors=errors or "strict", write_through=True),
                io.TextIOWrapper(err, encoding=encoding or "utf-8", errors=errors or "backslashreplace",
                                 write_through=True))
    sys.stdin, sys.stdout, sys.stderr = wrappers
    os.environ.clear()
    os.environ.update(full_env)
    os.chdir(tmp_path)
    try:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
    finally:
        for wrapper in wrappers[1:]:
            wrapper.flush()
        printed = out.getvalue(), err.getvalue()
        for wrapper in wrappers:
            wrapper.detach()  # the buffers stay open for the next lines
        sys.stdin, sys.stdout, sys.stderr = streams
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)

    def text(data: bytes) -> str:
        return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")

    return Result(code, text(printed[0]), text(printed[1]))


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
        full_env = _clean_env(tmp_path)
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
