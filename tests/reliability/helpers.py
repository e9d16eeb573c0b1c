"""Shared helpers for the reliability tests: run the real CLI in subprocesses, build big plans."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

import orjson

PYTHON = sys.executable
HERE = Path(__file__).resolve().parent
AS_OF = "2011-01-01"
HEADER = ("number", "ref", "recommendation", "management_response", "deadline", "owner")


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HSP_TUI_", "COLUMNS", "LINES"))}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env["COLUMNS"] = "160"
    env.update(extra)
    return env


def disk_env(**settings: str) -> dict[str, str]:
    """An environment whose Python loads slowdisk/sitecustomize.py (slow or failing OS writes)."""
    return cli_env(PYTHONPATH=str(HERE / "slowdisk"), **settings)


def run_cli(db: Path, *args: str, user: str = "tester", env: dict[str, str] | None = None,
            timeout: float = 120, preexec_fn=None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`hsp-tui --db DB --user USER --as-of AS_OF ARGS...` in a fresh Python process."""
    cmd = [PYTHON, "-m", "hsp_tui", "--db", str(db), "--user", user, "--as-of", AS_OF, *args]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                          env=env if env is not None else cli_env(), timeout=timeout,
                          preexec_fn=preexec_fn, cwd=cwd)


def run_cli_here(db: Path, *args: str, user: str = "tester", env: dict[str, str] | None = None):
    """`run_cli`'s command run in this process (`inprocess.run_in_process`), where the process itself
    proves nothing more: the same environment, arguments and captured output, as a CompletedProcess."""
    from inprocess import run_in_process  # noqa: PLC0415

    argv = ("--db", str(db), "--user", user, "--as-of", AS_OF, *args)
    r = run_in_process(Path.cwd(), argv, env if env is not None else cli_env(), exact_env=True)
    return subprocess.CompletedProcess(["hsp-tui", *argv], r.code, r.out, r.err)


def write_csv(path: Path, rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER, *,
              encoding: str = "utf-8", lineterminator: str = "\r\n") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, lineterminator=lineterminator)
        w.writerow(header)
        w.writerows(rows)
    return path


def plan_rows(n: int) -> list[list[Any]]:
    deadlines = ["April 2010", "June - July 2010", "2010/11", "Q3 2010/11", "Ongoing", "31/03/2011",
                 "Autumn 2010", "April 2010 October 2010"]
    return [[i, f"{2 + i % 7}.{i % 11}", f"Recommendation {i}: the board should review item {i}. More text.",
             f"Agreed. Response {i}.", deadlines[i % len(deadlines)], f"Officer {i % 37}"]
            for i in range(1, n + 1)]


def make_plan(tmp: Path, n: int, name: str = "plan.json") -> Path:
    """A plan of `n` items, created through the real import path (CSV + `hsp-tui import`)."""
    src = write_csv(tmp / f"source-{n}.csv", plan_rows(n))
    db = tmp / name
    r = run_cli(db, "import", str(src), "--plan-date", "2010-03-16", "--title", f"Big plan {n}")
    assert r.returncode == 0, r.stderr
    return db


def fresh_copy(template: Path, tmp_path: Path) -> Path:
    """A private copy of a module-wide template plan, for one test to change."""
    db = tmp_path / "plan.json"
    db.write_bytes(template.read_bytes())
    return db


def load_raw(db: Path) -> dict[str, Any]:
    return orjson.loads(db.read_bytes())


def recs(db: Path) -> dict[int, dict[str, Any]]:
    return {int(k): v for k, v in load_raw(db)["recommendations"].items()}


def assert_one_line_error(r: subprocess.CompletedProcess, *, names: str | Path, code: int | None = None) -> str:
    """A failure a user can read: non-zero exit, exactly one line on stderr naming the file, no traceback."""
    assert r.returncode != 0, (r.stdout, r.stderr)
    if code is not None:
        assert r.returncode == code, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    assert lines[0].startswith("hsp-tui: error: "), r.stderr
    assert str(names) in lines[0], f"{names} not named in: {lines[0]}"
    return lines[0]
