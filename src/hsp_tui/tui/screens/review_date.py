"""The review date dialog: judge the plan as of another day without restarting the app."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from hsp_tui.formats.formatting import fmt_date
from hsp_tui.tui.screens.dialog import Dialog, not_a_date, parse_day



class ReviewDateScreen(Dialog[date]):
    """The date the plan is judged as of (overdue, due soon), and shown as it stood at the end of
    (a past one: read-only if changes took effect after it). Enter sets it, Escape cancels; an empty
    date (or 'today') is today: the plan as it is."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="review_date_cancel")]

    def __init__(self, current: date, suggestion: date | None = None, hint: str | None = None,
                 today: date | None = None) -> None:
        """`current`: the review date now; `suggestion`: a date worth naming (the plan's own); `hint`:
        why to give one (a plan long past, judged as of today by default); `today`: what an empty date
        means (None: an empty date is refused)."""
        super().__init__()
        self.current = current
        self.suggestion = suggestion
        self.hint = hint
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Review date"
            yield Label("Show the plan as it stood on this date: what was overdue and due soon then.",
                        classes="dialog-heading")
            if self.hint:
                yield Label(self.hint, id="review-date-hint", markup=False)
            yield Input(self.current.isoformat(), id="review-date",
                        placeholder="e.g. 2010-06-01, 1/6/2010 or 1 Jun 2010")
            yield Label("", id="review-date-error", classes="error", markup=False)
            hint = Text(f"Now {fmt_date(self.current)}")
            if self.suggestion is not None:
                hint.append(f" · plan of {fmt_date(self.suggestion)}")
            if self.today is not None:
                hint.append(" · empty: today's plan")
            hint.append(" · Enter sets it · Escape cancels")
            yield Label(hint, classes="dim")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.confirm()

    def confirm(self) -> None:
        typed = self.query_one("#review-date", Input).value
        if self.today is not None and typed.strip().casefold() in ("", "today"):
            self.decide(self.today)
            return
        day = parse_day(typed)  # the same dates as a change dialog's 'Happened on'
        if day is None:
            self.query_one("#review-date-error", Label).update(not_a_date(typed))
            return
        self.decide(day)
