"""Test helpers: reading what the app shows (widget state as an officer would read it)."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static

from notices import Notices, last_notice  # noqa: F401  (what the app says: for the app's tests)


def plain(widget: Static) -> str:
    content = widget.content
    return content.plain if hasattr(content, "plain") else str(content)


def table_rows(table) -> list[list[str]]:
    return [[cell.plain if hasattr(cell, "plain") else str(cell) for cell in table.get_row_at(k)]
            for k in range(table.row_count)]


def detail_text(app) -> str:
    return plain(app.main.query_one("#detail-text"))


def cursor_row(app) -> list[str]:
    table = app.main.table
    return [c.plain for c in table.get_row_at(table.cursor_row)]


def toasts(app) -> list[tuple[str, str]]:
    """(severity, text) of each toast on the screen now (an app run with notifications shown)."""
    shown = []
    for toast in app.screen.query("Toast"):  # Textual's toast widget, by its CSS type name
        severity = next((c[1:] for c in toast.classes if c in ("-information", "-warning", "-error")), "")
        shown.append((severity, str(toast.render())))
    return shown


def on_disk(path: Path, number: int) -> dict:
    """A recommendation as stored in the file right now."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["recommendations"][str(number)]


async def settled(pilot) -> None:
    """Until the whole plan is read (a large plan's rest is read in a worker started once the first
    screen is drawn) and every change asked for so far has been saved and shown (saves run in a
    worker too)."""
    app = pilot.app
    for _ in range(200):  # a few frames at most in practice
        if not app.loading or app.failure is not None or not app.is_running:
            break
        await pilot.pause(0.01)
    # A key posts its change to the app as a message, whose handler starts the worker that saves it:
    # let pending messages run, then wait for the workers they started (twice: a change's worker
    # may ask for another).
    for _ in range(2):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot, condition, what: str, tries: int = 1000) -> None:
    """Until `condition()` holds (what the officer waits to see on the screen or in the file), checked
    between frames. Keys typed at once travel from the app to a widget, up to the screen and back to
    the app (and a dialog's answer then to the screen below): more hops than one pause waits for on a
    busy machine. Fails naming `what` if it never holds."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never seen: {what}")


async def open_contacts(pilot):
    """The app's contacts dialog (`c`), opened once the plan is shown and its list has the focus."""
    from hsp_tui.tui.screens.contacts import ContactsScreen

    await settled(pilot)
    await pilot.press("c")
    await until(pilot, lambda: isinstance(pilot.app.screen, ContactsScreen) and pilot.app.screen.focused is not None,
                "the contacts dialog")
    return pilot.app.screen


def file_data(path) -> dict:
    """A plan file's data as stored (the raw TinyDB layout), to build test plans from."""
    import json
    from pathlib import Path

    return json.loads(Path(path).read_bytes())


def seed_docs_repeated(data: dict, count: int, **fields) -> dict:
    """`data` (a plan file's data) with its recommendations repeated to `count` items, numbered 1 to
    `count`; each keyword is a function of the number giving that field (e.g. owner=...)."""
    import copy

    seed = list(data["recommendations"].values())
    recs = {}
    for n in range(1, count + 1):
        doc = copy.deepcopy(seed[(n - 1) % len(seed)])
        doc["number"] = n
        for name, value in fields.items():
            doc[name] = value(n)
        recs[str(n)] = doc
    return {**data, "recommendations": recs}

