"""The auditor's verdict on an item awaiting one: a done item (Accept makes it Verified, Reject sends
it back to In progress) or a dropped one (Accept makes the drop final, Reject returns the item to its
status before the drop).

The dialog shows the evidence claimed: the officer's note with the Done (or the drop's reason), who
recorded it and when, the attachments standing (issue 24: what the verdict rests on, by short hash;
the verdict records them), and the item's recent history. Either verdict needs the auditor's note (what
was seen, or why it is rejected). Dismisses with the verdict, or None on Escape.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from hsp_tui.domain.records import Recommendation, Status
from hsp_tui.domain.verdicts import claim, status_before_drop
from hsp_tui.domain.history import size_words
from hsp_tui.formats.formatting import SHORT_HASH, history_lines
from hsp_tui.domain.textsafe import one_line, visible
from hsp_tui.tui.screens.dialog import DayChoice, Dialog, heading

RECENT = 5  # history entries shown


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    note: str | None


class VerifyScreen(Dialog[Verdict]):
    """Enter on Accept or Reject decides at once, as the key arrives (not when the button's Pressed
    message comes round): the keys typed after it go to the screen below (issue 26)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="verify_cancel")]
    AUTO_FOCUS = "#verify-note"

    def __init__(self, rec: Recommendation, day: DayChoice | None = None) -> None:
        super().__init__(day)
        self.rec = rec

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            rec = self.rec
            dropped = rec.status is Status.DROPPED
            box.border_title = "Verify: agree this drop?" if dropped else "Verify: is this item really done?"
            yield Label(heading(rec), classes="dialog-heading")
            yield from self.day_field()
            if dropped:
                yield Label("Dropped, awaiting your agreement. Accept it (the drop is final) or reject it "
                            f"(back to {status_before_drop(rec).label}, with your reason).", markup=False)
            else:
                yield Label("Done, awaiting verification. Accept it (Verified, closed) or reject it "
                            "(back to In progress, with your reason).", markup=False)
            entry = claim(rec)
            said = entry.note if entry is not None and entry.note else "(no note given)"
            who = f" ({visible(entry.by)}, {entry_day(entry)})" if entry is not None else ""
            yield Label(f"{'Reason' if dropped else 'Officer’s note'}{who}: {visible(said)}", id="verify-claim",
                        markup=False)
            yield Label(evidence_words(rec), id="verify-evidence", markup=False)
            # The history shortened by as many lines as the evidence and the day it happened take, so
            # the buttons fit at 80x24.
            taken = min(len(rec.evidence), SHOWN_EVIDENCE + 1) + (self.day is not None)
            recent = history_lines(rec)[:max(1, RECENT - 1 - taken)]
            yield Label("Recent history:\n" + "\n".join(f"  #{h.id} {h.when} {h.by}: {h.what}"
                                                         + (f" — {h.note}" if h.note else "") for h in recent),
                        id="verify-history", classes="dim", markup=False)
            yield Input(placeholder="Your note: what you saw, or why you reject it (required)", id="verify-note")
            yield Label("", id="verify-error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Accept: drop final" if dropped else "Accept: verified", id="verify-accept",
                             variant="success")
                yield Button(f"Reject: back to {status_before_drop(rec).label if dropped else 'In progress'}",
                             id="verify-reject", variant="error")
            yield Label("Tab to Accept or Reject, Enter chooses · Escape cancels", classes="dim", markup=False)

    def takes_enter_and_escape(self) -> bool:
        return isinstance(self.focused, (Input, Button))

    def confirm(self) -> None:
        """Enter: on a button, its verdict; in the note, a reminder to choose one."""
        if isinstance(self.focused, Button):
            self.choose(self.focused.id == "verify-accept")
            return
        self.query_one("#verify-error", Label).update("Choose Accept or Reject (Tab to the buttons).")

    def on_button_pressed(self, event: Button.Pressed) -> None:  # a click
        event.stop()
        self.choose(event.button.id == "verify-accept")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()

    def choose(self, accepted: bool) -> None:
        if self.decided:
            return
        note = self.query_one("#verify-note", Input).value
        if not note.strip():
            self.query_one("#verify-error", Label).update(
                "A verdict needs your note (what you saw, or why you reject it): type it, then choose again.")
            self.set_focus(self.query_one("#verify-note", Input))  # at once: the next key typed goes there
            return
        if not self.read_day():
            return
        self.decide(Verdict(accepted, note if note.strip() else None))


SHOWN_EVIDENCE = 3  # attachments listed; the rest counted (the dialog's buttons fit at 80x24)


def evidence_words(rec: Recommendation) -> str:
    """What the verdict will rest on, and record: each attachment standing, oldest first, by name,
    size and short hash (E on the main screen opens them); the rest counted."""
    standing = rec.evidence
    if not standing:
        return "No evidence attached: the verdict rests on the note alone."
    lines = [f"  #{h.id} {short_label(h.new)} ({entry_day(h)})" for h in standing[:SHOWN_EVIDENCE]]
    if len(standing) > SHOWN_EVIDENCE:
        lines.append(f"  … and {len(standing) - SHOWN_EVIDENCE} more: E on the main screen lists them all")
    return "What the verdict rests on (it records them):\n" + "\n".join(lines)


def short_label(evidence: dict) -> str:
    if "url" in evidence:
        return one_line(f"link {evidence['url']}", 60)
    return (f"{one_line(str(evidence.get('name')), 30)} · {size_words(evidence.get('size'))} · "
            f"sha256 {str(evidence.get('sha256'))[:SHORT_HASH]}")


def entry_day(entry) -> str:
    from hsp_tui.formats.report_changes import day_words  # noqa: PLC0415

    return day_words(entry)
