"""The note dialog: one progress note for one item."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from hsp_tui.domain.records import Recommendation
from hsp_tui.tui.screens.dialog import DayChoice, Dialog, heading


class NoteScreen(Dialog[str]):
    """A progress note for one item. Enter saves, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note_cancel")]
    AUTO_FOCUS = "#note-text"

    def __init__(self, rec: Recommendation, draft: str = "", *, title: str = "Add a progress note",
                 prompt: str = "What happened? (Enter saves, Escape cancels)", day: DayChoice | None = None) -> None:
        """`draft`: the text of a note whose save failed, offered again; `title` and `prompt`: another
        use of the dialog (a drop's reason); `day`: the day it happened, offered (see Dialog)."""
        super().__init__(day)
        self.rec, self.draft, self.title_text, self.prompt = rec, draft, title, prompt

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self.title_text
            yield Label(heading(self.rec), classes="dialog-heading")
            yield from self.day_field()
            yield Input(self.draft, placeholder=self.prompt, id="note-text")
            kept = "Not saved last time: your note is kept here; Enter tries again." if self.draft else ""
            yield Label(kept, id="note-error", classes="error", markup=False)
            # The prompt says it too, but only until the first key: the other dialogs keep it in view.
            yield Label("Enter saves · Escape cancels", classes="dim", markup=False)

    def confirm(self) -> None:
        text = self.query_one("#note-text", Input).value
        if not text.strip():
            self.query_one("#note-error", Label).update("The note is empty: type something, or Escape to cancel.")
            return
        if self.read_day():
            self.decide(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.confirm()
