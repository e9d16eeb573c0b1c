"""The help: every key as currently bound, laid out for the terminal's width and scrolled inside
the dialog."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from hsp_tui.tui.screens.dialog import PassesKeysOn
from hsp_tui.tui.words import HELP_FOOTNOTE


KEYS_WIDTH = 16  # the keys column of the help, right-aligned; descriptions start two cells after it


def help_text(rows: list[tuple[str, str]], width: int, footnote: str = HELP_FOOTNOTE) -> Text:
    """The keys and what they do, `width` cells wide: a description too long for one line goes on
    under the description column (not under the keys), so the keys stand out down the left."""
    text = Text()
    for keys, description in rows:
        head = f"{keys:>{KEYS_WIDTH}}  "
        indent = max(len(head), KEYS_WIDTH + 2)
        lines = textwrap.wrap(description, max(width - indent, 12), break_on_hyphens=False) or [""]
        text.append(head, style="bold")
        text.append(lines[0] + "\n")
        for more in lines[1:]:
            text.append(" " * indent + more + "\n")
    text.append(footnote, style="dim")
    return text


class HelpText(Static):
    """The help's text, laid out again for its width whenever that changes."""

    def __init__(self, rows: list[tuple[str, str]], footnote: str = HELP_FOOTNOTE, **kwargs) -> None:
        super().__init__(help_text(rows, 80, footnote), **kwargs)
        self.rows, self.footnote = rows, footnote
        self._width = 0

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            self.update(help_text(self.rows, self._width, self.footnote))


class HelpScreen(PassesKeysOn, ModalScreen[None]):
    """Every key, as currently bound (remapped keys included)."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help_close")]

    def __init__(self, rows: list[tuple[str, str]], footnote: str = HELP_FOOTNOTE) -> None:
        super().__init__()
        self.rows, self.footnote = rows, footnote

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help") as box:
            box.border_title = "Keys"
            with VerticalScroll():
                yield HelpText(self.rows, self.footnote, id="help-text")
            yield Label("Up/Down, PgUp/PgDn, Home/End scroll · Escape or ? closes", classes="dim")

    def on_resize(self) -> None:
        # The keys scroll inside the dialog, which fits the terminal: at 80x24 every line is reachable.
        # The dialog leaves a row above and below; its border and the closing line take three more.
        height = max(6, self.size.height - 2)
        self.query_one(".dialog", Vertical).styles.max_height = height
        self.query_one(VerticalScroll).styles.max_height = height - 3

    def action_close(self) -> None:
        self.close()
