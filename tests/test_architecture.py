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
    forbidden = ("hsp_tui.records.META", "hsp_tui.records.RECS", "hsp_tui.records.plan_from_data",
                 "hsp_tui.storage", "hsp_tui.backends.jsonfile", "hsp_tui.backends.lockfile")
    for path in (PACKAGE / "tui").rglob("*.py"):
        bad = sorted(name for name in imported(path) if name.startswith(forbidden))
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"
        assert "[RECS]" not in path.read_text(encoding="utf-8")


def test_domain_commands_and_review_are_pure():
    for name in ("commands.py", "review.py", "model.py"):
        names = imported(PACKAGE / name)
        assert not any(n.startswith(("hsp_tui.store", "hsp_tui.backends", "hsp_tui.storage", "hsp_tui.cli"))
                       for n in names), (name, names)
        text = (PACKAGE / name).read_text(encoding="utf-8")
        assert "datetime.now" not in text and "date.today" not in text and "open(" not in text


def test_the_store_neither_judges_items_nor_knows_where_the_plan_is_kept():
    names = imported(PACKAGE / "store.py")
    assert not any(n.startswith(("hsp_tui.review", "hsp_tui.backends.jsonfile", "hsp_tui.backends.postgres"))
                   for n in names), names
    assert "tinydb" not in (PACKAGE / "store.py").read_text(encoding="utf-8").lower()
