"""The wheel carries the seed plan, and the core never imports Textual."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE_MODULES = [
    "hsp_tui", "hsp_tui.cli.program", "hsp_tui.domain.model", "hsp_tui.domain.deadlines", "hsp_tui.domain.review", "hsp_tui.storage.store",
    "hsp_tui.storage.file.planbytes", "hsp_tui.formats.importing", "hsp_tui.formats.spreadsheets", "hsp_tui.storage.file.paths", "hsp_tui.storage.seed", "hsp_tui.domain.textsafe",
    "hsp_tui.domain.errors", "hsp_tui.domain.commands", "hsp_tui.storage.backends", "hsp_tui.storage.file.jsonfile",
    "hsp_tui.storage.file.lockfile",
]


def test_core_modules_do_not_import_textual():
    code = (
        "import importlib, sys, pkgutil, hsp_tui\n"
        f"mods = {CORE_MODULES!r}\n"
        "mods += [m.name for m in pkgutil.iter_modules(hsp_tui.__path__, 'hsp_tui.') "
        "if not m.name.startswith('hsp_tui.tui') and m.name != 'hsp_tui.__main__']\n"
        "for m in mods: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(len(mods), bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("command", [["list"], ["export"], ["export", "--format", "csv"], ["note", "1", "x"]])
def test_cli_commands_do_not_load_textual(tmp_path, command):
    code = (
        "import sys, runpy\n"
        "from hsp_tui.__main__ import main\n"
        f"rc = main(['--db', {str(tmp_path / 'p.json')!r}] + {command!r})\n"
        "assert rc == 0, rc\n"
        "sys.exit(2 if 'textual' in sys.modules else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_wheel_ships_the_seed_and_the_installed_package_finds_it(tmp_path):
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheel_dir), str(ROOT)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(wheel_dir.glob("hsp_tui-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "hsp_tui/data/partnership-working-in-haringey-2010.json" in names
    assert "hsp_tui/storage/postgres/hsp.sql" in names  # the server's schema, read by `init`
    assert "hsp_tui/formats/report.css" in names  # the HTML report's stylesheet, embedded in the page
    target = tmp_path / "site"
    inst = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True, text=True,
    )
    assert inst.returncode == 0, inst.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import hsp_tui, hsp_tui.storage.seed as s, hsp_tui.formats.report_html as h; "
            "assert '@page' in h.CSS; print(hsp_tui.__file__); print(s.seed_path())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    module_file, seed_file = proc.stdout.split()
    assert module_file.startswith(str(target)) and seed_file.startswith(str(target))


def test_every_runtime_dependency_declares_the_range_ci_tests():
    """Each runtime dependency (the server's driver too) has a lower and an upper bound, and CI's run
    on the lowest versions (.ci/lowest.txt) installs exactly those lower bounds."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.version import Version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {}
    for line in (ROOT / ".ci" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = Version(version.strip())
    lower = {}
    for text in project["dependencies"] + project["optional-dependencies"]["server"]:
        req = Requirement(text)
        ops = {spec.operator: Version(spec.version) for spec in req.specifier}
        assert set(ops) == {">=", "<"}, f"{text}: give the range tested, '>=lowest,<next major'"
        lower[req.name.lower()] = ops[">="]
        for extra in req.extras:  # psycopg[binary]: its binary build, pinned alike
            lower[f"{req.name.lower()}-{extra}"] = ops[">="]
    assert lower == pins, "pyproject.toml's lower bounds and .ci/lowest.txt must name the same versions"
    assert "lowest.txt" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_filelock_is_installed_only_where_it_is_used():
    """The plan's lock is flock(2); filelock serves only where there is no fcntl (Windows), so it is
    a dependency there only, and imported only on that path (planlock's fallback)."""
    import ast
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (req,) = [Requirement(t) for t in project["dependencies"] if Requirement(t).name == "filelock"]
    assert req.marker is not None and req.marker.evaluate({"sys_platform": "win32"})
    assert not req.marker.evaluate({"sys_platform": "linux"}) and not req.marker.evaluate({"sys_platform": "darwin"})
    importers = []
    for path in (ROOT / "src" / "hsp_tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and inner.module == "filelock":
                        importers.append(f"{path.name}:{node.name}")
            elif isinstance(node, ast.Import) and any(a.name == "filelock" for a in node.names):
                importers.append(f"{path.name}:top")
    assert importers == ["planlock.py:_acquire_fallback"]
