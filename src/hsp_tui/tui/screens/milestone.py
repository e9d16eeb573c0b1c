"""The milestone dialog: mark one of an item's milestones done or open."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from hsp_tui.domain.records import Recommendation
from hsp_tui.domain.textsafe import one_line
from hsp_tui.tui.screens.dialog import DayChoice, Dialog, heading


class MilestoneScreen(Dialog[int]):
    """Pick a milestone to mark done/open: its number, or Enter on the highlighted one."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="milestone_cancel")]
    AUTO_FOCUS = "#milestones"

    def __init__(self, rec: Recommendation, day: DayChoice | None = None) -> None:
        super().__init__(day)
        self.rec = rec

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Mark a milestone done / open"
            yield Label(heading(self.rec), classes="dialog-heading")
            yield from self.day_field()
            options = []
            for k, m in enumerate(self.rec.milestones, start=1):
                line = Text(f"{k}. [{'x' if m.done else ' '}] {'done' if m.done else 'open'}  ")
                line.append(one_line(m.label, 70))
                line.append(f" — {one_line(m.deadline, 30)}", style="dim")
                options.append(Option(line, id=str(k)))
            yield OptionList(*options, id="milestones")
            yield Label("Press the milestone's number, or Enter on it · Escape cancels", classes="dim")

    def takes_enter_and_escape(self) -> bool:
        return isinstance(self.focused, (OptionList, Input))

    def confirm(self) -> None:
        index = self.query_one("#milestones", OptionList).highlighted
        if index is not None:
            self.pick(index + 1)

    def pick(self, k: int) -> None:
        """Milestone `k`, once the day it happened is one it can be."""
        if self.read_day():
            self.decide(k)

    def on_key(self, event: events.Key) -> None:
        if not self.decided and event.character and event.character.isdigit():
            k = int(event.character)
            if 1 <= k <= len(self.rec.milestones):
                self._handled(event)
                self.pick(k)
        # Otherwise Dialog.on_key handles it (Textual calls each class's handler in turn).

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.pick(int(event.option.id))
