"""The auditor's verdict on a done item: Accept makes it Verified, Reject sends it back to In progress.

A rejection needs the auditor's reason, typed in the note box; an acceptance may have a note too.
Dismisses with the verdict, or None on Escape.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from hsp_tui.domain.records import Recommendation
from hsp_tui.tui.screens.dialog import heading


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    note: str | None


class VerifyScreen(ModalScreen[Verdict | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="verify_cancel")]

    def __init__(self, rec: Recommendation) -> None:
        super().__init__()
        self.rec = rec

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Verify: is this item really done?"
            yield Label(heading(self.rec), classes="dialog-heading")
            yield Label("Done, awaiting verification. Accept it (Verified, closed) or reject it "
                        "(back to In progress, with your reason).", markup=False)
            yield Input(placeholder="Note (required to reject)", id="verify-note")
            yield Label("", id="verify-error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Accept: verified", id="verify-accept", variant="success")
                yield Button("Reject: back to In progress", id="verify-reject", variant="error")
            yield Label("Tab to Accept or Reject, Enter chooses · Escape cancels", classes="dim", markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.decide(event.button.id == "verify-accept")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#verify-error", Label).update("Choose Accept or Reject (Tab to the buttons).")

    def decide(self, accepted: bool) -> None:
        note = self.query_one("#verify-note", Input).value
        if not accepted and not note.strip():
            self.query_one("#verify-error", Label).update(
                "A rejection needs your reason: type it in the note, then Reject again.")
            self.query_one("#verify-note", Input).focus()
            return
        self.dismiss(Verdict(accepted, note if note.strip() else None))

    def action_cancel(self) -> None:
        self.dismiss(None)
