"""The footer: the five status keys as one entry ("1-5 Status"), and on a narrow terminal only the
keys an officer needs most (the rest are in the help screen and the command palette)."""

from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

STATUS_ACTION = "set_status("
NARROW_HIDDEN = ("toggle_overdue", "cycle_sort")  # and the command palette's ^p
NARROW_BELOW = 110  # columns


class HspFooter(Footer):
    narrow: reactive[bool] = reactive(False, recompose=True)

    def __init__(self, status_keys: Callable[[], str], **kwargs) -> None:
        """`status_keys()`: how the status keys read now ("1-5", or the remapped keys)."""
        super().__init__(**kwargs)
        self.status_keys = status_keys

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
