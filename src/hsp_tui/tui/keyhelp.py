"""The app's keys in words: the help dialog's rows, the footer's status keys (as remapped), and the
command palette's commands. Mixed into the app (`HspApp`), whose `?` and Ctrl+P open them."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Iterable

from textual.app import SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen

from hsp_tui.domain.textsafe import visible
from hsp_tui.tui.bindings import command_title
from hsp_tui.tui.screens.main import MainScreen

if TYPE_CHECKING:
    from textual.app import App as _App

    from hsp_tui.cli.config import Settings
else:
    _App = object  # a mixin of the app; typed as one

NAVIGATION_HELP = [
    ("Up/Down, j/k", "move in a table or list; scroll the detail"),
    ("PgUp/PgDn", "a page up / down (table, lists, detail)"),
    ("Home/End", "the first / last row (table, lists); top / bottom of the detail"),
    ("Tab / Shift+Tab", "next / previous pane (table, detail, owners, deadlines)"),
    ("Enter", "table: focus the detail · owners: filter to that owner · deadlines: go to the item"),
    ("Escape", "clear filters (owner, text, overdue) and go back to the table"),
    ("N P B D V X", "the status in a narrow table: Not started, In progress, Blocked, Done (awaiting verification), Verified, Dropped"),
]


class KeyHelp(_App):
    settings: "Settings"
    if TYPE_CHECKING:
        @property
        def main(self) -> MainScreen: ...  # the app's main screen

    # -- help and the command palette -----------------------------------------------------------
    def keys_for(self, binding: Binding) -> str:
        keys = self.settings.keys.get(binding.id or "", binding.key)
        shown = (self.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))
        return visible(" ".join(f"Ctrl+{k[1:].upper()}" if k.startswith("^") and len(k) > 1 else k for k in shown))

    def status_keys_display(self) -> str:
        """The five status keys as the footer shows them: '1-5', or the keys as remapped."""
        keys = [self.keys_for(b) for b in MainScreen.BINDINGS
                if isinstance(b, Binding) and b.id and b.id.startswith("set_")]
        return "1-5" if keys == ["1", "2", "3", "4", "5"] else " ".join(keys)

    def help_footnote(self) -> str:  # the app's: what saving means for the backend in use
        raise NotImplementedError

    def help_rows(self) -> list[tuple[str, str]]:
        rows = list(NAVIGATION_HELP)
        for b in (*MainScreen.BINDINGS, *self.BINDINGS):
            if isinstance(b, Binding) and b.id not in ("next_pane", "previous_pane", "clear_filters", "stop_waiting"):
                rows.append((self.keys_for(b), command_title(b)))
        rows.append(("Ctrl+P", "command palette: every action by name"))
        return rows

    def action_help(self) -> None:
        from hsp_tui.tui.screens.help import HelpScreen  # noqa: PLC0415 - not shown on the first screen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_rows(), self.help_footnote()))

    def action_command_palette(self) -> None:
        """Textual's palette, guarded against the keys that crash it (see palette.py)."""
        from hsp_tui.tui.palette import SafeCommandPalette  # noqa: PLC0415 - not shown on the first screen

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(SafeCommandPalette(id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The app's own actions, then Theme and Quit (not Textual's others: its key panel, maximise
        and screenshot do nothing an officer needs here). Over a dialog or the progress chart, only
        Theme and Quit: a command never opens a dialog over another one."""
        main = self.main
        if screen is main:  # over a dialog, none of them: one dialog at a time
            for b in MainScreen.BINDINGS:
                if isinstance(b, Binding) and b.id not in ("next_pane", "previous_pane"):
                    yield SystemCommand(command_title(b), f"key: {self.keys_for(b)}", partial(main.run_action, b.action))
            yield SystemCommand("Help: keys", "key: ?", self.action_help)
        yield SystemCommand("Theme", "Change the colours for this session (theme = \"...\" in the "
                            "settings file keeps one)", self.action_change_theme)
        yield SystemCommand("Quit", "key: q", self.action_quit)
