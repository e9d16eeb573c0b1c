"""The app's structure (issue 11): no module of tui/ reaches into another object's private parts,
nor into Textual's private modules; screens and helpers are typed against the app's public face.

A name starting with "_" is private to the class that defines it: other modules (and other classes)
use what the owner offers in public (e.g. `HspApp.in_turn`, `HspApp.show_plan`), so the owner can
change its insides without breaking them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hsp_tui

TUI = Path(hsp_tui.__file__).parent / "tui"

# (module, "expression._name"): the only private uses allowed, each with the reason.
ALLOWED: dict[tuple[str, str], str] = {}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _own_privates(cls: ast.ClassDef) -> set[str]:
    """The private names a class defines: in its body, and as `self._x = ...` in its methods."""
    names = {n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(n.name)}
    for node in ast.walk(cls):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for t in targets:
            if isinstance(t, ast.Name) and _private(t.id):
                names.add(t.id)
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" and _private(t.attr):
                names.add(t.attr)
    return names


def private_reaches(source: str) -> list[tuple[int, str]]:
    """(line, expression) for each `x._name` where x is not self/cls, nor another instance of the
    class that defines `_name` (a class may read its own private parts on another of its kind)."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, own: set[str]) -> None:
        if isinstance(node, ast.ClassDef):
            own = own | _own_privates(node)
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            if not (isinstance(base, ast.Name) and base.id in ("self", "cls")) and node.attr not in own:
                found.append((node.lineno, ast.unparse(node)))
        for child in ast.iter_child_nodes(node):
            visit(child, own)

    visit(ast.parse(source), set())
    return found


def test_no_tui_module_uses_another_objects_private_parts():
    offences = []
    for path in sorted(TUI.rglob("*.py")):
        module = path.relative_to(TUI).as_posix()
        for line, expr in private_reaches(path.read_text(encoding="utf-8")):
            if (module, expr) not in ALLOWED:
                offences.append(f"tui/{module}:{line}: {expr}")
    assert offences == [], "use the owner's public API instead:\n" + "\n".join(offences)


def test_the_private_check_finds_a_reach_and_allows_a_class_its_own():
    source = '''
class Link:
    def refresh(self, app):
        app._adopt(1)          # another object's private method
        self.app._token = 2    # another object's private attribute, through self

class View:
    def __init__(self):
        self._positions = {}
    def merged(self, other):
        return other._positions  # the same class's own private part, on another View
'''
    assert [expr for _, expr in private_reaches(source)] == ["app._adopt", "self.app._token"]


# Which modules of tui/ may import which (app > its helpers > screens > widgets > the ground floor)
# is the import-linter contract `tui-floors` in pyproject.toml (run by tests/test_architecture.py).


def test_the_app_is_what_its_screens_and_helpers_are_typed_against(store):
    from datetime import date

    from hsp_tui.tui import build_app
    from hsp_tui.tui.planapp import PlanApp

    assert isinstance(build_app(store, as_of=date(2010, 6, 1), user="alice"), PlanApp)


def test_no_tui_module_imports_a_private_module():
    """A private module (textual.widgets._footer, textual._context ...) may change in any release:
    every module of the app, not only the widgets and the main screen, keeps to public ones."""
    offences = []
    for path in sorted(TUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            offences += [f"tui/{path.relative_to(TUI)}:{node.lineno}: {name}" for name in names
                         if any(_private(part) for part in name.split("."))]
    assert offences == []
