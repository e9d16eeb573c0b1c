"""The review date dialog: judge the plan as of another day without restarting the app."""

from __future__ import annotations

from datetime import date, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from hsp_tui.formats.formatting import fmt_date
from hsp_tui.tui.screens.dialog import Dialog

# A whole date, as officers write one; a month alone ("June 2010") is refused, not given a day.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%d %B %Y")


def parse_review_date(text: str) -> date | None:
    """'2010-06-01', '1/6/2010' (UK, day first), '1 Jun 2010' or '1 June 2010'; None if not a date."""
    flat = " ".join(text.split())
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(flat, fmt).date()
        except ValueError:
            continue
    return None


class ReviewDateScreen(Dialog[date]):
    """The date the plan is judged as of (overdue, due soon). Enter sets it, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="review_date_cancel")]

    def __init__(self, current: date, suggestion: date | None = None, hint: str | None = None) -> None:
        """`current`: the review date now; `suggestion`: a date worth naming (the plan's own); `hint`:
        why to give one (a plan long past, judged as of today by default)."""
        super().__init__()
        self.current = current
        self.suggestion = suggestion
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Review date"
            yield Label("Judge the plan as of this date: what is overdue and due soon then.",
                        classes="dialog-heading")
            if self.hint:
                yield Label(self.hint, id="review-date-hint", markup=False)
            yield Input(self.current.isoformat(), id="review-date",
                        placeholder="e.g. 2010-06-01, 1/6/2010 or 1 Jun 2010")
            yield Label("", id="review-date-error", classes="error", markup=False)
            hint = Text(f"Now {fmt_date(self.current)}")
            if self.suggestion is not None:
                hint.append(f" · plan of {fmt_date(self.suggestion)}")
            hint.append(" · Enter sets it · Escape cancels")
            yield Label(hint, classes="dim")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.confirm()

    def confirm(self) -> None:
        typed = self.query_one("#review-date", Input).value
        day = parse_review_date(typed)
        if day is None:
            self.query_one("#review-date-error", Label).update(
                f"{' '.join(typed.split()) or 'An empty date'} is not a date: "
                "write it as 2010-06-01, 1/6/2010 or 1 Jun 2010.")
            return
        self.decide(day)
