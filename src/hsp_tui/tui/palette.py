"""Textual's command palette, kept from crashing the app when keys come in a burst.

Textual 8.2.8's own CommandPalette (a bare Textual app does the same):
- PgUp/PgDn pressed before its list of commands has been laid out (Ctrl+P then PgUp within ~30 ms)
  raise KeyError in OptionList._move_page (the list has options but no lines yet);
- a second Enter that reaches the palette before it has closed dismisses it a second time:
  ScreenStackError, and the chosen command would run twice.
- every character typed into its search box starts a new search and redraws the list: a paste of
  thousands of characters after a Ctrl+P froze the app for 9-95 s (issue 26). The box here takes at
  most MAX_SEARCH characters (no command name is longer) and ignores the rest at once.
This subclass changes neither look nor behaviour otherwise, and uses only public API: a page key on a
list not laid out yet waits for the next refresh; the palette closes once, and an Enter after it has
decided is ignored.
"""

from __future__ import annotations

from textual import events, on
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.command import CommandInput, CommandList, CommandPalette
from textual.widgets import Input

from hsp_tui.tui.keys import pass_on


MAX_SEARCH = 60


class SafeCommandPalette(CommandPalette):
    KEYS_IN_ORDER = True  # each key acted on before the next (tui/keys.py): Escape closes it first
    BINDINGS = [
        Binding("pagedown", "page(1)", "Next page", show=False),
        Binding("pageup", "page(-1)", "Previous page", show=False),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.closing = False

    def on_mount(self) -> None:
        for box in self.query(CommandInput):
            box.max_length = MAX_SEARCH

    def action_page(self, direction: int, retried: bool = False) -> None:
        found = self.query(CommandList)
        if not found:  # closing, or not composed yet (keys typed at once under ASCII drawing): nothing to page
            return
        commands = found.first()
        if not commands.scrollable_content_region.area:  # not laid out yet: its lines are not known
            if not retried:
                self.call_after_refresh(self.action_page, direction, True)
            return
        if direction > 0:
            commands.action_page_down()
        else:
            commands.action_page_up()

    def dismiss(self, result=None) -> AwaitComplete:
        if self.closing or not self.is_current:
            return AwaitComplete.nothing()
        self.closing = True
        return super().dismiss(result)

    def on_key(self, event: events.Key) -> None:
        """A key typed after the palette decided to close goes to the screen below (as after a dialog)."""
        if self.closing:
            pass_on(self, event)

    @on(Input.Submitted)
    def _after_closing(self, event: Input.Submitted) -> None:
        """An Enter typed after the palette chose its command: nothing more to do (not a second run)."""
        if self.closing:
            event.stop()
            event.prevent_default()
