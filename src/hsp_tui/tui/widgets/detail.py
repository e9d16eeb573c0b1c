"""The detail of one recommendation: full text, response, deadlines, milestones, history."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from hsp_tui.formats.formatting import detail_pieces
from hsp_tui.domain.review import ItemReview


def render_detail(item: ItemReview | None, reference) -> Text:
    """The pane's text: the detail the command line's `show` prints, with styles and key hints.
    Every piece of file text is appended as plain text (never markup)."""
    out = Text()
    if item is None:
        out.append("No recommendation selected.\n", style="italic")
        out.append("Nothing matches the current filters: press Escape to clear them.")
        return out
    for text, style in detail_pieces(item, reference, keys=True):
        out.append(text, style=style or None)
    return out


class DetailPane(VerticalScroll):
    """Focusable, so the officer can scroll long text with the keyboard."""

    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False, id="detail_down"),
        Binding("k", "scroll_up", "Up", show=False, id="detail_up"),
    ]

    _shown: tuple | None = None  # (item, reference) shown now

    def compose(self) -> ComposeResult:
        yield Static(id="detail-text", markup=False)

    def show(self, item: ItemReview | None, reference) -> None:
        if self._shown == (item, reference):  # e.g. the whole plan read after its first items
            return
        self._shown = (item, reference)
        self.query_one("#detail-text", Static).update(render_detail(item, reference))
        self.border_subtitle = f"No. {item.number}" if item else ""
