"""The footer: the five status keys as one entry ("1-5 Status"), and on a narrow terminal only the
keys an officer needs most (the rest are in the help screen and the command palette)."""

from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

STATUS_ACTION = "set_status("
NARROW_HIDDEN = ("toggle_overdue", "cycle_sort", "review_date")  # and the command palette's ^p
NARROW_BELOW = 110  # columns


class HspFooter(Footer):
    narrow: reactive[bool] = reactive(False, recompose=True)
    covered: reactive[bool] = reactive(False)  # the filter line is over it: nothing to rebuild

    def __init__(self, status_keys: Callable[[], str], **kwargs) -> None:
        """`status_keys()`: how the status keys read now ("1-5", or the remapped keys)."""
        super().__init__(**kwargs)
        self.status_keys = status_keys
        self._showing: tuple | None = None  # the bindings the footer was last built from

    def bindings_changed(self, screen: Screen) -> None:
        """Rebuild only when the keys it shows change. Textual rebuilds the footer (a dozen widgets,
        ~20 ms) whenever the focus moves, and moving between the panes or into and out of the
        filter box changes no key shown here (while one types in the filter box, Textual leaves out
        the letter and digit keys, but the box covers the footer then)."""
        if self.covered:
            return
        showing = tuple((b.key, b.action, b.description, enabled, tooltip)
                        for _, b, enabled, tooltip in screen.active_bindings.values() if b.show)
        if showing == self._showing:
            return
        if screen.app.app_focus and self.is_attached and screen is self.screen:  # it rebuilds now
            self._showing = showing
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        status_shown = False
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                if widget.action.startswith(STATUS_ACTION):
                    if status_shown:
                        continue
                    status_shown = True
                    # One entry for the five keys; a click on it opens the help, which lists them.
                    widget = FooterKey("question_mark", self.status_keys(), "Status", "help",
                                       tooltip="Set the highlighted item's status (see Help)"
                                       ).data_bind(compact=Footer.compact)
                elif self.narrow and (widget.action in NARROW_HIDDEN or widget.has_class("-command-palette")):
                    continue
            yield widget

    def watch_covered(self, covered: bool) -> None:
        if not covered and self.is_attached:  # once the focus has moved back
            self.call_after_refresh(lambda: self.is_attached and self.bindings_changed(self.screen))
