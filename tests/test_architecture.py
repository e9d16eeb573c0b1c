"""The layers talk one way: the app (tui/) uses the core's public API, never the file's raw layout
or a backend's insides; the domain commands and the review touch no file, clock or backend."""

from __future__ import annotations

import ast
from pathlib import Path

import hsp_tui

PACKAGE = Path(hsp_tui.__file__).parent


def imported(path: Path) -> set[str]:
    """Every hsp_tui module (and name) that `path` imports, as absolute dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = parts[: len(parts) - node.level] if node.level else ()
            module = ".".join((*base, *(node.module.split(".") if node.module else ())))
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {name for name in found if name.startswith("hsp_tui")}


def test_the_app_never_reads_the_files_raw_layout_or_a_backends_insides():
    forbidden = ("hsp_tui.domain.records.META", "hsp_tui.domain.records.RECS", "hsp_tui.storage.file.planfile.plan_from_data",
                 "hsp_tui.storage.file.planbytes", "hsp_tui.storage.file.jsonfile", "hsp_tui.storage.file.lockfile")
    for path in (PACKAGE / "tui").rglob("*.py"):
        bad = sorted(name for name in imported(path) if name.startswith(forbidden))
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"
        assert "[RECS]" not in path.read_text(encoding="utf-8")


def test_domain_commands_and_review_are_pure():
    for name in ("domain/commands.py", "domain/review.py", "domain/model.py"):
        names = imported(PACKAGE / name)
        assert not any(n.startswith(("hsp_tui.storage.store", "hsp_tui.storage.backends", "hsp_tui.storage.file.planbytes", "hsp_tui.cli.program"))
                       for n in names), (name, names)
        text = (PACKAGE / name).read_text(encoding="utf-8")
        assert "datetime.now" not in text and "date.today" not in text and "open(" not in text


def test_the_store_neither_judges_items_nor_knows_where_the_plan_is_kept():
    names = imported(PACKAGE / "storage" / "store.py")
    assert not any(n.startswith(("hsp_tui.domain.review", "hsp_tui.storage.file.jsonfile", "hsp_tui.storage.postgres.server"))
                   for n in names), names
    assert "tinydb" not in (PACKAGE / "storage" / "store.py").read_text(encoding="utf-8").lower()


def core_imports() -> dict[str, set[str]]:
    """{core module: the core modules it imports}, for every module of hsp_tui outside tui/. Imports
    inside functions count (a lazy import is still a dependency); those under `if TYPE_CHECKING:`
    do not (they are never run: annotations only)."""
    files = {p: _module_name(p) for p in PACKAGE.rglob("*.py") if "tui" not in p.relative_to(PACKAGE).parts[:1]}
    modules = set(files.values())
    graph: dict[str, set[str]] = {}
    for path, name in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):  # drop the TYPE_CHECKING blocks before looking at imports
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = parts[: len(parts) - node.level] if node.level else ()
                module = ".".join((*base, *(node.module.split(".") if node.module else ())))
                for a in node.names:  # `from . import planfile` names a module; `from .x import f` names x
                    found.add(f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One loop of imports in `graph` (its modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for dep in sorted(graph[module]):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state and (loop := visit(dep)):
                return loop
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (loop := visit(module)):
            return loop
    return None


def test_the_core_has_no_import_cycles():
    """Each core module stands above what it imports, so it can be read, tested and changed from the
    bottom up: no module imports one that (directly or through others) imports it back."""
    graph = core_imports()
    assert {"hsp_tui.cli.program", "hsp_tui.storage.store", "hsp_tui.storage.backends", "hsp_tui.storage.file.jsonfile", "hsp_tui.domain.records",
            "hsp_tui.storage.file.planfile"} <= graph.keys()
    assert "hsp_tui.storage.file.jsonfile" in graph["hsp_tui.storage.backends"]  # lazy imports are seen
    assert import_cycle(graph) is None, " -> ".join(import_cycle(graph))


def test_the_cycle_check_finds_a_loop():
    assert import_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert import_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
