"""The layers talk one way. The import rules are written once, as import-linter contracts in
pyproject.toml ([tool.importlinter]); this runs them, checks that they name every package and list
no exception, and that they do fail when a layer is broken. What an import cannot show is checked
here too: the app never names the file's raw layout, and the domain reads no clock and no file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

import hsp_tui

PACKAGE = Path(hsp_tui.__file__).parent
ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
CONTRACTS = {c["id"]: c for c in CONFIG["contracts"]}


def lint_imports(config: Path, *, path: Path | None = None) -> subprocess.CompletedProcess:
    """import-linter run on `config` (as `lint-imports` runs), on the hsp_tui found first on `path`."""
    code = ("import sys\n"
            + (f"sys.path.insert(0, {str(path)!r})\n" if path is not None else "")
            + "from importlinter.cli import lint_imports\n"
            f"sys.exit(lint_imports(config_filename={str(config)!r}, no_cache=True, no_logo=True))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=config.parent,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"}, timeout=300)


def test_the_import_contracts_hold():
    result = lint_imports(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout, result.stdout


def test_the_contracts_name_every_package_and_list_no_exception():
    top = {p.stem for p in PACKAGE.iterdir() if (p.suffix == ".py" or (p / "__init__.py").exists())} - {"__init__"}
    assert {m.removeprefix("hsp_tui.") for m in CONTRACTS["layers"]["layers"]} == top
    assert CONTRACTS["tui-floors"]["exhaustive"] and CONTRACTS["storage-floors"]["exhaustive"]
    assert CONTRACTS["no-loops"]["ancestors"] == ["hsp_tui"]
    for contract in CONFIG["contracts"]:
        assert not {"ignore_imports", "exhaustive_ignores", "skip_descendants"} & contract.keys(), contract["id"]


# (module to change, the import added to it, the contract it breaks)
BREAKS = [
    ("domain/model.py", "import hsp_tui.storage.store", "layers"),
    ("cli/listing.py", "import hsp_tui.tui.app", "layers"),
    ("storage/file/paths.py", "import hsp_tui.storage.postgres.connect", "storage-floors"),
    ("formats/csvdates.py", "import textual", "textual"),
    ("tui/widgets/footer.py", "import hsp_tui.tui.screens.main", "tui-floors"),
    ("domain/errors.py", "import hsp_tui.domain.records", "no-loops"),
    ("cli/output.py", "import hsp_tui.storage.postgres.connect", "backend-insides"),
    ("storage/store.py", "import hsp_tui.domain.review", "store"),
    ("tui/words.py", "import hsp_tui.cli.program", "app-not-program"),
]


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """A copy of the package and its contracts, to break."""
    where = tmp_path_factory.mktemp("broken")
    shutil.copytree(PACKAGE, where / "hsp_tui", ignore=shutil.ignore_patterns("__pycache__", "*.json", "*.sql"))
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


@pytest.mark.parametrize(("module", "line", "broken"), BREAKS, ids=[b[0] for b in BREAKS])
def test_a_broken_layer_breaks_its_contract(copy, module, line, broken):
    path = copy / "hsp_tui" / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + f"\n\ndef _broken():\n    {line}\n", encoding="utf-8")  # lazy imports count
    try:
        result = lint_imports(copy / "pyproject.toml", path=copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout + result.stderr
    said = " ".join(result.stdout.split())
    assert f"{CONTRACTS[broken]['name']} BROKEN" in said, result.stdout


def test_the_app_never_names_the_files_raw_layout():
    """The app reads typed records through the Store; the file's table names and raw readers stay
    in storage (which modules it may import is the contract `backend-insides`)."""
    for path in (PACKAGE / "tui").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(RECS|META|plan_from_data)\b", text), path.relative_to(PACKAGE)


def test_the_domain_reads_no_clock_and_no_file():
    """"Today" and the time of a change are passed in (domain/clock.py is the one clock)."""
    for path in (PACKAGE / "domain").rglob("*.py"):
        if path.name == "clock.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"datetime\.now|date\.today|\bopen\(|\btime\.time\(", text), path.relative_to(PACKAGE)


def test_the_store_keeps_no_file_format():
    assert "tinydb" not in (PACKAGE / "storage" / "store.py").read_text(encoding="utf-8").lower()


def test_nothing_asks_a_backend_or_store_what_it_can_do_by_hasattr():
    """What a backend can do is declared in storage/contract.py (e.g. `listener` gives None where
    a backend cannot tell of changes), never guessed from its attributes."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(hasattr|getattr)\([\w.]*(backend|store)\b", text), path.relative_to(PACKAGE)


def test_no_module_of_the_core_reaches_into_another_objects_private_parts():
    """E.g. the server's item and contact transactions work through the session's public face
    (`Session.transaction_on`, `Held`), never the backend's `_run`/`_commit` (as tui/ is checked in
    test_tui_structure)."""
    from test_tui_structure import private_reaches

    offences = [f"{path.relative_to(PACKAGE)}:{line}: {expr}"
                for package in ("domain", "storage", "formats")
                for path in sorted((PACKAGE / package).rglob("*.py"))
                for line, expr in private_reaches(path.read_text(encoding="utf-8"))]
    assert offences == []


def test_one_name_per_module_across_the_tree():
    """A module's name says which one it is: no two modules of the package share a file name
    (three `followup.py` once stood in three places)."""
    root = Path(hsp_tui.__file__).parent
    names = Counter(p.name for p in root.rglob("*.py") if p.name != "__init__.py")
    assert [name for name, n in names.items() if n > 1] == []
