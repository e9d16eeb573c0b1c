"""The app talks to the core, never to the command line: no tui module imports hsp_tui.cli.program."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

TUI = Path(__file__).resolve().parents[1] / "src" / "hsp_tui" / "tui"


def test_no_tui_module_imports_the_command_line():
    code = (
        "import importlib, pkgutil, sys, hsp_tui.tui as t\n"
        "mods = [m.name for m in pkgutil.walk_packages(t.__path__, 'hsp_tui.tui.')]\n"
        "for m in mods: importlib.import_module(m)\n"
        "print(len(mods))\n"
        "sys.exit(3 if 'hsp_tui.cli.program' in sys.modules else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert int(proc.stdout.split()[-1]) >= 8  # every module of the app was imported


def test_no_tui_source_names_the_cli_module():
    offenders = []
    for path in TUI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(n == "cli" or n.endswith(".cli") or n == "hsp_tui.cli.program" for n in names):
                offenders.append(f"{path.relative_to(TUI)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.level and any(a.name == "cli" for a in node.names):
                offenders.append(f"{path.relative_to(TUI)}:{node.lineno}")
    assert offenders == []
