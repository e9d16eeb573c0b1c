"""The app: owns the store and the current review; the screens show it and ask it for changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..cli import render_export, write_output
from ..config import Settings
from ..errors import HspError
from ..model import Plan
from ..review import DEFAULT_DUE_SOON_DAYS, Review, review
from ..store import Change, Signature, Store, now_iso
from ..textsafe import visible
from .screens.main import MainScreen
from .screens.modals import HelpScreen
from .widgets.detail import DetailPane
from .widgets.panes import DeadlinesPane, OwnersPane
from .widgets.rectable import RecTable

POLL_SECONDS = 1.0
NAVIGATION_HELP = [
    ("Up/Down, j/k", "move in a table or list; scroll the detail"),
    ("Tab / Shift+Tab", "next / previous pane (table, detail, owners, deadlines)"),
    ("Enter", "table: focus the detail · owners: filter to that owner · deadlines: go to the item"),
    ("Escape", "clear filters (owner, text, overdue) and go back to the table"),
]


class HspApp(App[int]):
    CSS_PATH = "hsp.tcss"
    TITLE = "hsp-tui"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, store: Store, *, as_of: date, user: str, as_of_given: bool = False,
                 due_soon_days: int = DEFAULT_DUE_SOON_DAYS, settings: Settings | None = None,
                 plan: Plan | None = None, clock: Callable[[], str] = now_iso,
                 poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.store = store
        self.as_of = as_of
        self.as_of_given = as_of_given
        self.user = user
        self.due_soon_days = due_soon_days
        self.settings = settings or Settings()
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.review: Review = review(plan or store.load(), as_of, due_soon_days)
        self._signature: Signature | None = store.last_signature
        self._bad_signature: Signature | None = None
        self._missing = False
        self._positions_of: tuple | None = None
        self._index: dict[int, int] = {}
        self.undo_stack: list[tuple[int, int, str]] = []  # (number, history entry id, what it did)
        self.notices: list[tuple[str, str]] = []  # (severity, message), newest last: what was said

    # -- start ----------------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return MainScreen()

    def on_mount(self) -> None:
        if self.settings.theme:
            self.theme = self.settings.theme
        if self.settings.keys:
            self.set_keymap(dict(self.settings.keys))
        self.set_interval(self.poll_seconds, self.check_file)

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    def notify(self, message: str, *, title: str = "", severity="information", timeout=None,
               markup: bool = False) -> None:
        """Every notice is plain text (file text is never markup) and is kept in `notices`."""
        self.notices.append((severity, message))
        super().notify(visible(message), title=title, severity=severity, timeout=timeout, markup=False)

    # -- changes --------------------------------------------------------------------------------
    def change(self, apply: Callable[[Store, str], Change], summary: str) -> bool:
        """Run one store change (locked, on the latest file); show the plan as it was saved."""
        try:
            change = apply(self.store, self.user)
        except (HspError, OSError) as exc:
            self.notify(f"Not saved: {exc}", severity="error", timeout=8)
            return False
        if change.entry is not None and change.number is not None:
            self.undo_stack.append((change.number, int(change.entry["id"]), summary))
        seen = self._signature
        self._adopt_change(change, unchanged_before=change.read_from is not None and change.read_from == seen)
        self.notify(f"Saved. {summary}")
        return True

    def undo_last(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo: you have made no change in this session", severity="warning")
            return
        number, entry_id, summary = self.undo_stack.pop()
        try:
            change = self.store.undo(number, entry_id, by=self.user)
        except (HspError, OSError) as exc:
            self.notify(f"Cannot undo ({summary}): {exc}", severity="error", timeout=8)
            return
        self._adopt_change(change, unchanged_before=False)
        self.main.table.go_to(number)
        self.notify(f"Undone: {summary} (kept in the history as change #{change.entry['id']})")

    def _adopt_change(self, change: Change, *, unchanged_before: bool) -> None:
        """Show the plan as this change saved it.

        When nobody else had saved since we last read the file, only the changed item is rebuilt
        (O(1) instead of re-reading every item of a large plan); otherwise the whole plan as saved.
        """
        item = change.item(self.as_of, self.due_soon_days) if unchanged_before else None
        index = self._positions().get(change.number) if item is not None else None
        if item is None or index is None:
            self._adopt(change.plan)
            return
        old = self.review
        items = list(old.items)
        items[index] = item
        recs = list(old.plan.recommendations)
        recs[index] = item.rec
        self.review = Review(replace(old.plan, recommendations=tuple(recs)), old.as_of, old.due_soon_days,
                             tuple(items))
        self._signature = self.store.last_signature
        self.main.apply_review(old, self.review, changed=item)

    def _positions(self) -> dict[int, int]:
        if self._positions_of is not self.review.items:
            self._index = {i.number: k for k, i in enumerate(self.review.items)}
            self._positions_of = self.review.items
        return self._index

    def _adopt(self, plan: Plan) -> None:
        old = self.review
        self.review = review(plan, self.as_of, self.due_soon_days)
        self._signature = self.store.last_signature
        self.main.apply_review(old, self.review)

    def check_file(self) -> None:
        """Reload when another process has saved the file; keep the cursor on the same item."""
        sig = self.store.signature()
        if sig == self._signature:
            return
        if sig is None:
            if not self._missing:
                self._missing = True
                self.notify(f"{self.store.path} has gone (moved or deleted); showing the last copy read",
                            severity="error", timeout=10)
            return
        self._missing = False
        if sig == self._bad_signature:
            return
        try:
            plan = self.store.load()
        except HspError as exc:
            self._bad_signature = sig
            self.notify(f"Cannot re-read the file: {exc}; showing the last good copy",
                        severity="error", timeout=10)
            return
        number = self.main.table.current_number
        self._adopt(plan)
        where = f"; still on No. {number}" if number is not None and self.main.table.current_number == number else ""
        self.notify(f"The file was changed elsewhere and has been reloaded{where}")

    def export(self, fmt: str, path: Path) -> None:
        try:
            write_output(path, render_export(self.review, fmt, self.clock()))
        except ImportError:
            self.notify("Markdown export is not available in this version of hsp-tui", severity="error")
        except (HspError, OSError) as exc:
            self.notify(f"Export failed: {exc}", severity="error", timeout=8)
        else:
            self.notify(f"Exported {len(self.review.items)} recommendations as {fmt.upper()} to {path}")

    # -- help and the command palette -----------------------------------------------------------
    def keys_for(self, binding: Binding) -> str:
        keys = self.settings.keys.get(binding.id or "", binding.key)
        return " ".join(self.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))

    def help_rows(self) -> list[tuple[str, str]]:
        rows = list(NAVIGATION_HELP)
        for b in (*MainScreen.BINDINGS, *self.BINDINGS):
            if isinstance(b, Binding) and b.id not in ("next_pane", "previous_pane", "clear_filters"):
                rows.append((self.keys_for(b), command_title(b)))
        rows.append(("Ctrl+P", "command palette: every action by name"))
        return rows

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_rows()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main
        for b in MainScreen.BINDINGS:
            if isinstance(b, Binding) and b.id not in ("next_pane", "previous_pane"):
                yield SystemCommand(command_title(b), f"key: {self.keys_for(b)}", partial(main.run_action, b.action))
        yield SystemCommand("Help: keys", "key: ?", self.action_help)


def command_title(b: Binding) -> str:
    titles = {
        "add_note": "Add a progress note", "edit": "Edit owner and deadline",
        "milestone": "Mark a milestone done / open", "undo": "Undo my last change",
        "overdue_only": "Overdue only on / off", "filter": "Filter by text",
        "cycle_sort": "Sort by number / due / owner / status", "export": "Export (JSON, CSV, Markdown)",
        "clear_filters": "Clear filters", "help": "Help: keys", "quit": "Quit",
    }
    if b.id in titles:
        return titles[b.id]
    if b.id and b.id.startswith("set_"):
        return f"Set status: {b.description}"
    return b.description


def binding_ids() -> set[str]:
    """Every binding id a [keys] table may remap."""
    ids = set()
    for cls in (HspApp, MainScreen, RecTable, DetailPane, OwnersPane, DeadlinesPane):
        ids |= {b.id for b in cls.BINDINGS if isinstance(b, Binding) and b.id}
    return ids
