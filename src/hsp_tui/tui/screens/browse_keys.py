"""The main screen's keys that move around the plan without changing it: the next or previous
pane, the text filter, the owner and overdue-only filters, and the sort order.

They set the screen's reactives (`filter_text`, `owner`, `overdue_only`, `sort_key`, `slot`,
`filtering`); the screen's watchers redraw from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widget import Widget
from textual.widgets import Input

from hsp_tui.tui.view import SORTS

if TYPE_CHECKING:
    from textual.screen import Screen as _Screen

    from hsp_tui.tui.planapp import PlanApp
    from hsp_tui.tui.widgets.panes import OwnersPane
    from hsp_tui.tui.widgets.rectable import RecTable
else:
    _Screen = object  # a mixin of the main screen; typed as a screen

PANES = ("table", "detail", "owners", "deadlines")  # Tab's order


class BrowseKeys(_Screen):
    """Mixed into the main screen: its `action_*` methods for moving between panes and filtering."""

    app: "PlanApp"
    table: "RecTable"
    owners: "OwnersPane"
    sort_key: str
    overdue_only: bool
    filter_text: str
    owner: str | None
    slot: str
    filtering: bool
    if TYPE_CHECKING:
        def _refilter(self, keep: int | None) -> None: ...  # the screen's: the table shown again

    # -- panes ----------------------------------------------------------------------------------
    def _pane_of(self, widget: Widget | None) -> str:
        while widget is not None:
            if widget.id in PANES:
                return widget.id
            widget = widget.parent  # type: ignore[assignment]
        return "table"

    def _focus_pane(self, name: str) -> None:
        if name != "table":
            self.slot = name
        # At once (not after the next refresh): a key typed right after Tab goes to the new pane.
        self.set_focus(self.query_one(f"#{name}", Widget))

    def action_next_pane(self) -> None:
        k = PANES.index(self._pane_of(self.focused))
        self._focus_pane(PANES[(k + 1) % len(PANES)])

    def action_previous_pane(self) -> None:
        k = PANES.index(self._pane_of(self.focused))
        self._focus_pane(PANES[(k - 1) % len(PANES)])

    # -- filters and sort -----------------------------------------------------------------------
    def action_toggle_overdue(self) -> None:
        self.overdue_only = not self.overdue_only  # the table's border says so (a toast costs a full layout)

    def action_cycle_sort(self) -> None:
        self.sort_key = SORTS[(SORTS.index(self.sort_key) + 1) % len(SORTS)]

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if self.filtering:  # "/" typed in the filter is part of it ("2010/11")
            box.insert_text_at_cursor("/")
            return
        self.filtering = True
        box.value = self.filter_text
        self.set_focus(box)  # at once: the keys typed right after "/" go into the box, in order

    def type_into_filter(self, event: events.Key) -> bool:
        """Keys typed right after `/`, before the filter box has the focus, go into the box (not to
        the table's bindings: "o" would toggle overdue-only). True: the key was taken."""
        if not self.filtering:
            return False
        box = self.query_one("#filter", Input)
        if box.has_focus or not (event.is_printable or event.key == "enter"):
            return False
        event.stop()
        event.prevent_default()
        self.app.key_handled(event)  # the next key need not wait for this one (tui/keys.py)
        if event.key == "enter":
            self._keep_filter(box.value)
        elif event.character:
            box.insert_text_at_cursor(event.character)
        return True

    def _keep_filter(self, text: str) -> None:
        """Enter: the filter stays (in the table's border) and the keys go back to the table."""
        self.filtering = False
        self.filter_text = text
        self._focus_pane("table")

    def action_clear_filters(self) -> None:
        if self.filtering:
            self.filtering = False
            self.query_one("#filter", Input).value = ""
        if self.focused is not None and self._pane_of(self.focused) != "table":
            self._focus_pane("table")
        if self.filter_text or self.owner is not None or self.overdue_only:
            keep = self.table.current_number
            had_owner = self.owner is not None
            # Set without their watchers (each would filter again): one refilter below.
            screen = type(self)
            self.set_reactive(screen.filter_text, "")
            self.set_reactive(screen.owner, None)
            self.set_reactive(screen.overdue_only, False)
            if had_owner:  # only then does the owners pane show a chosen owner (▸) to clear
                self.owners.show(self.app.plan_view, None)
            self._refilter(keep)
