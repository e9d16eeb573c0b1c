"""The app's structure (issue 11): no module of tui/ reaches into another object's private parts.

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


# -- the imports inside tui/ run one way, from the app down ----------------------------------------
# Each module's floor (higher floors import lower ones, never the other way). A module not named
# here is a building block on the ground floor (view.py, messages.py, planapp.py, words.py ...).
FLOORS = [
    ("the entry and the key map", lambda m: m in ("", "keymap")),
    ("the app", lambda m: m == "app"),
    ("the app's helpers", lambda m: m in ("contact_actions", "live", "lockwait", "keyhelp")),
    ("the screens", lambda m: m.startswith("screens")),
    ("the widgets", lambda m: m.startswith("widgets")),
    ("the ground floor", lambda m: True),
]


def floor_of(module: str) -> int:
    return next(k for k, (_, holds) in enumerate(FLOORS) if holds(module))


def tui_modules() -> dict[str, Path]:
    """Dotted names inside tui/ ("" for the package itself, "screens.main" ...) -> file."""
    found = {}
    for path in TUI.rglob("*.py"):
        parts = list(path.relative_to(TUI).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def tui_imports() -> dict[str, set[str]]:
    """module -> the tui/ modules it imports, counting imports inside functions and those made for
    type checking only (a circle of types is still a circle for the reader)."""
    modules = tui_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        package = [p for p in package if p]
        graph[name] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level == 0:  # absolute: hsp_tui.tui.x
                if not (node.module or "").startswith("hsp_tui.tui"):
                    continue
                base = node.module.split(".")[2:]
            elif node.level - 1 > len(package):
                continue
            else:
                base = package[:len(package) - (node.level - 1)] + (node.module.split(".") if node.module else [])
            for alias in node.names:
                for target in (".".join(base + [alias.name]), ".".join(base)):
                    if target in modules:
                        graph[name].add(target)
                        break
        graph[name].discard(name)
    return graph


def test_the_import_reader_sees_the_app_and_its_screens():
    graph = tui_imports()
    assert {"screens.main", "contact_actions", "live", "lockwait"} <= graph["app"]
    assert "app" in graph[""] and "screens.main" in graph["keymap"]


def test_no_circle_of_imports_inside_the_app():
    graph = tui_imports()
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> list[str] | None:
        seen[module] = 1
        for target in sorted(graph[module]):
            if seen.get(target) == 1:
                return path + [module, target]
            if target not in seen and (circle := visit(target, path + [module])):
                return circle
        seen[module] = 2
        return None

    for module in sorted(graph):
        if module not in seen:
            circle = visit(module, [])
            assert circle is None, " -> ".join(m or "__init__" for m in circle)


def test_imports_only_go_down_a_floor_widgets_never_import_screens_and_screens_never_the_app():
    upward = [f"tui/{module or '__init__'} ({FLOORS[floor_of(module)][0]}) imports tui/{target} "
              f"({FLOORS[floor_of(target)][0]})"
              for module, targets in sorted(tui_imports().items()) for target in sorted(targets)
              if floor_of(target) < floor_of(module)]
    assert upward == []


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
