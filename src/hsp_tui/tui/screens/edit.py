"""The edit dialog: an item's owner and deadline (a new deadline is a revision, with its reason)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from hsp_tui.domain.deadlines import parse_deadline
from hsp_tui.formats.formatting import fmt_date
from hsp_tui.domain.records import Recommendation
from hsp_tui.domain.textsafe import visible
from hsp_tui.tui.screens.dialog import DayChoice, Dialog, heading


@dataclass(frozen=True)
class EditResult:
    owner: str | None  # None: unchanged
    deadline: str | None  # None: unchanged
    reason: str | None


class EditScreen(Dialog[EditResult]):
    """Owner and deadline. A changed deadline is a revision and needs a reason.

    Tab goes Owner, Deadline, Reason, Save, Cancel and stops there (Shift+Tab back to Owner, then to
    the day it happened above it, and stops): a Tab too many never comes round to the owner. The owner's text is selected when the
    dialog opens, so typing replaces it; a field reached by Tab afterwards keeps its text and
    takes the typing at its cursor."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="edit_cancel"),
                Binding("tab", "next_field", "Next field", show=False, id="edit_next"),
                Binding("shift+tab", "previous_field", "Previous field", show=False, id="edit_previous")]

    def __init__(self, rec: Recommendation, reference: date | None, day: DayChoice | None = None) -> None:
        super().__init__(day)
        self.rec = rec
        self.reference = reference
        # What the boxes show at first: the file's text, every control character spelled out (an
        # owner saved with an escape sequence must not reach the terminal from the box).
        self.shown_owner = visible(rec.owner)
        self.shown_deadline = visible(rec.current_deadline)

    AUTO_FOCUS = "#edit-owner"

    def compose(self) -> ComposeResult:
        rec = self.rec
        with Vertical(classes="dialog") as box:
            box.border_title = "Edit owner and deadline"
            yield Label(heading(rec), classes="dialog-heading")
            yield from self.day_field()
            yield Label("Owner")
            yield Input(self.shown_owner, id="edit-owner")
            yield Label(Text("Deadline (agreed: ") + Text(visible(rec.deadline)) + Text(")"))
            yield Input(self.shown_deadline, id="edit-deadline",
                        placeholder="e.g. July 2010, 31/03/2011, Q3 2010/11, Ongoing")
            yield Label("", id="edit-resolves", markup=False)
            yield Label("Reason for the new deadline (needed if it changes)")
            yield Input(id="edit-reason", placeholder="why the deadline moved")
            yield Label("", id="edit-error", classes="error", markup=False)
            yield Label("Enter saves · Escape cancels · Tab moves", classes="dim")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="edit-save")
                yield Button("Cancel", id="edit-cancel")

    def on_mount(self) -> None:
        self._show_resolution(self.shown_deadline)

    def _move_focus(self, step: int) -> None:
        for box in self.query(Input):
            box.select_on_focus = False  # set before the focus moves, so the next field sees it
            if box.selection.start != box.selection.end:  # the owner as selected on opening
                box.cursor_position = len(box.value)
        chain = self.focus_chain
        if not chain:
            return
        here = chain.index(self.focused) if self.focused in chain else -1
        there = here + step
        if 0 <= there < len(chain):
            self.set_focus(chain[there])

    def action_next_field(self) -> None:
        self._move_focus(1)

    def action_previous_field(self) -> None:
        self._move_focus(-1)

    @on(Button.Pressed, "#edit-save")
    def save_pressed(self) -> None:
        self.confirm()

    @on(Button.Pressed, "#edit-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    def _show_resolution(self, text: str) -> bool:
        label = self.query_one("#edit-resolves", Label)
        if not text.strip():
            label.update("→ a deadline is needed")
            label.set_class(True, "error")
            return False
        parsed = parse_deadline(text, self.reference)
        if parsed.warning:
            label.update(f"→ {visible(parsed.warning)}")
        elif parsed.due:
            label.update(f"→ due {fmt_date(parsed.due)}")
        else:
            label.update("→ Ongoing (no due date)")
        label.set_class(bool(parsed.warning), "error")
        return not parsed.warning

    @on(Input.Changed, "#edit-deadline")
    def deadline_changed(self, event: Input.Changed) -> None:
        self._show_resolution(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.confirm()

    def confirm(self) -> None:
        error = self.query_one("#edit-error", Label)
        owner = self.query_one("#edit-owner", Input).value
        deadline = self.query_one("#edit-deadline", Input).value
        reason = self.query_one("#edit-reason", Input).value
        if not owner.strip():
            error.update("The owner is empty.")
            return
        new_deadline = deadline.strip() != self.shown_deadline.strip()
        if new_deadline:
            if not self._show_resolution(deadline):
                error.update("The deadline cannot be read: fix it, or Escape to cancel.")
                return
            if not reason.strip():
                error.update("A new deadline is a revision: type its reason in the box above (the cursor is there), then Enter.")
                self.set_focus(self.query_one("#edit-reason", Input))  # at once: the next key typed goes there
                return
        owner_changed = owner != self.shown_owner
        if not owner_changed and not new_deadline:
            self.decide(EditResult(None, None, None))  # saved as it was: the caller says "No change"
            return
        if not self.read_day():
            return
        self.decide(EditResult(owner if owner_changed else None,
                               deadline.strip() if new_deadline else None,
                               reason if new_deadline else None))
