"""What the command line writes, whatever the plan file, the review date or the output stream
(issue #10's output points): nothing raw reaches a terminal, every accepted date works, and a stream
that cannot carry every character still gets all of the output."""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import orjson
import pytest

from .helpers import AS_OF, PYTHON, cli_env, run_cli, run_cli_here
from .test_hostile_text import UNSAFE

SRC = Path(__file__).resolve().parents[2] / "src" / "hsp_tui"
HOSTILE_AT = [
    "\x1b]52;c;cm0gLXJmIH4=\x07",  # OSC 52: write to the clipboard
    "\x1b]0;owned\x07",  # window title
    "\x1b[2J\x1b[3J\x1b[H",  # clear screen and scrollback
]


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    db = tmp_path / "plan.json"  # made in this process: the real processes are the tests' own
    assert run_cli_here(db, "revise", "8", "July 2010", "--reason", "late").returncode == 0
    assert run_cli_here(db, "note", "8", "minuted").returncode == 0
    return db


def _tamper(db: Path, edit) -> None:
    data = orjson.loads(db.read_bytes())
    edit(data["recommendations"]["8"])
    db.write_bytes(orjson.dumps(data))


@pytest.mark.slow
@pytest.mark.parametrize("at", HOSTILE_AT, ids=["osc52", "title", "clear"])
def test_a_tampered_timestamp_never_reaches_the_terminal_raw(plan: Path, at: str) -> None:
    def edit(rec):
        rec["history"][-1]["at"] = at
        rec["history"][-2]["at"] = at
        rec["revisions"][-1]["at"] = at

    _tamper(plan, edit)
    for args in (["show", "8"], ["list"], ["summary"], ["export", "--format", "md"]):
        r = run_cli(plan, *args)
        bad = UNSAFE.search(r.stdout) or UNSAFE.search(r.stderr)
        assert bad is None, (args, r.stdout[-600:], r.stderr)
        if r.returncode != 0:  # refused as a damaged file: one line, naming it
            assert len(r.stderr.strip().splitlines()) == 1 and str(plan) in r.stderr, r.stderr


def test_every_print_of_the_command_line_goes_through_the_literal_rendering() -> None:
    """A field added tomorrow cannot reach the terminal raw: the commands print only through
    output.say() (spelled out) and output.write_data() (spelled out on a terminal, exact to a file or
    a pipe)."""
    offenders = []
    commands = ("cli/program.py", "cli/invocation.py", "cli/view_commands.py", "cli/change_commands.py", "cli/plan_commands.py",
                "cli/followup_commands.py")
    for module in (*commands, "cli/listing.py", "formats/formatting.py", "formats/exports.py", "cli/output.py"):
        tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
        offenders += _prints(tree, module, allowed={"say", "write_data"} if module == "cli/output.py" else set())
    assert offenders == []
    import importlib

    from hsp_tui.cli import output

    for module in commands:  # a module's say / write_data, where it has one, is output's own
        mod = importlib.import_module("hsp_tui." + module[:-3].replace("/", "."))
        for name in ("say", "write_data"):
            assert getattr(mod, name, getattr(output, name)) is getattr(output, name), (module, name)
    assert importlib.import_module("hsp_tui.cli.program").say is output.say


def _prints(tree: ast.AST, module: str, allowed: set[str]) -> list[str]:
    offenders = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef) or fn.name in allowed:
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else ast.unparse(f)
                if name == "print" or name.endswith((".write", ".buffer.write")) and "std" in name:
                    offenders.append(f"{module}:{fn.name}:{node.lineno} {name}")
    return offenders


# -- any date the command line accepts -------------------------------------------------------------
COMMANDS = [["list"], ["list", "--due-soon"], ["list", "--format", "json"], ["summary"], ["show", "8"],
            ["export"], ["export", "--format", "csv"], ["export", "--format", "md"], ["export", "--format", "html"],
            ["note", "3", "x"],
            ["set", "3", "blocked"]]


@pytest.mark.slow
@pytest.mark.parametrize("as_of", ["9999-12-05", "9999-12-31", "0001-01-01"])
def test_every_command_and_export_works_at_the_ends_of_the_calendar(tmp_path: Path, as_of: str) -> None:
    db = tmp_path / "plan.json"
    for args in COMMANDS:
        r = run_cli(db, "--as-of", as_of, *args)
        assert "internal error" not in r.stderr
        if args[0] in ("note", "set") and as_of < "2010-03-16":  # before the (seed) plan began
            # a change cannot take effect then (issue 22): one line saying so, exit 2, nothing saved
            assert r.returncode == 2 and r.stderr.count("\n") == 1 and "before the plan's date" in r.stderr, r.stderr
        else:
            assert r.returncode == 0, (args, r.stderr)
    md = run_cli(db, "--as-of", as_of, "--due-soon-days", "100000", "export", "--format", "md")
    assert md.returncode == 0, md.stderr
    assert "## Due in the next 100000 days" in md.stdout  # the window asked for, to the last date there is


# -- a stream that cannot carry every character ------------------------------------------------------
_ESCAPE = re.compile(r"\\x([0-9a-f]{2})|\\u([0-9a-f]{4})|\\U([0-9a-f]{8})")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(next(g for g in m.groups() if g), 16)), text)


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize("args", [["list"], ["summary"], ["show", "8"]], ids=" ".join)
def test_a_non_utf8_stream_gets_all_of_the_output(plan: Path, encoding: str, args: list[str]) -> None:
    full = run_cli_here(plan, *args)  # the whole output, in UTF-8
    cmd = [PYTHON, "-m", "hsp_tui", "--db", str(plan), "--as-of", AS_OF, *args]
    r = subprocess.run(cmd, capture_output=True, env=cli_env(PYTHONIOENCODING=encoding), timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode(encoding)  # what the stream carries is all in its own encoding
    assert "internal error" not in r.stderr.decode(encoding)
    # Everything is there, what the encoding cannot carry written as an escape ('\u2013').
    assert _unescape(out).replace("\r\n", "\n") == full.stdout
    if args[0] == "show":
        assert "April \\u2013 May 2010" in out or "April – May 2010" in out


@pytest.mark.parametrize("fmt", ["json", "csv", "md"])
def test_an_export_to_a_non_utf8_pipe_is_the_exact_utf8_export(plan: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    assert run_cli_here(plan, "export", "--format", fmt, "-o", str(out)).returncode == 0
    r = run_cli(plan, "export", "--format", fmt, env=cli_env(PYTHONIOENCODING="ascii"))
    assert r.returncode == 0, r.stderr
    piped = r.stdout
    if fmt == "json":
        a, b = json.loads(piped), json.loads(out.read_text(encoding="utf-8"))
        a.pop("exported_at", None), b.pop("exported_at", None)
        assert a == b
    elif fmt == "csv":
        assert piped.replace("\r\n", "\n") == out.read_text(encoding="utf-8").replace("\r\n", "\n")
    else:
        assert "April – May 2010" in piped


def test_an_error_to_a_non_utf8_stream_is_one_whole_line(plan: Path) -> None:
    r = run_cli(plan, "set", "8", "fini – done", env=cli_env(PYTHONIOENCODING="ascii"))
    assert r.returncode == 2 and "internal error" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "\\u2013" in r.stderr
