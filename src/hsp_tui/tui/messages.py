"""Typed messages the panes post up to the screen, and the screens up to the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual.message import Message
from textual.widget import Widget

from hsp_tui.domain.commands import Command


@dataclass
class PlanChangeRequested(Message):
    """A screen asks the app to change the plan: the app runs `command` through the store, after any
    change asked before it, and shows the plan as saved; `on`: the day it happened, as the dialog
    asked (None: the review date when one was given, else today)."""

    command: Command
    on: date | None = None


@dataclass
class OwnerChosen(Message):
    """An owner was chosen in the owners pane (None: all owners)."""

    pane: Widget
    owner: str | None

    @property
    def control(self) -> Widget:
        return self.pane


@dataclass
class ItemChosen(Message):
    """A recommendation was chosen in a pane other than the table (e.g. the deadlines pane)."""

    pane: Widget
    number: int

    @property
    def control(self) -> Widget:
        return self.pane


@dataclass
class ItemHighlighted(Message):
    """The table's cursor moved to another recommendation (None: the table is empty)."""

    table: Widget
    number: int | None

    @property
    def control(self) -> Widget:
        return self.table


@dataclass
class DetailRequested(Message):
    """Enter on a table row: the officer wants the detail pane."""

    table: Widget
    number: int

    @property
    def control(self) -> Widget:
        return self.table
