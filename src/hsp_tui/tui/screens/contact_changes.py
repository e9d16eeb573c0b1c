"""One owner's contact history, opened by `h` in the contacts dialog: every change of where their
reminders go (who, when, the addresses and sponsor set, changed or removed), newest first, laid out
as an item's history in the detail pane ("#id  when  who", what it did under it), as `hsp-tui contact
history OWNER` prints it. Read-only; Escape closes it (back to the contacts dialog)."""

from __future__ import annotations

from datetime import date

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from hsp_tui.domain.records import HistoryEntry
from hsp_tui.domain.textsafe import one_line
from hsp_tui.formats.contact_history import contact_lines
from hsp_tui.formats.formatting import fmt_date, plural
from hsp_tui.tui.screens.dialog import Dialog


def history_table(entries: tuple[HistoryEntry, ...]) -> Table | Text:
    """The changes, newest first: '#3', then 'when  who' (who in bold) and what it did under it,
    wrapped beside the number; every text from the plan already spelled out (`contact_lines`) and
    shown as typed (Rich Text, never markup)."""
    lines = contact_lines(entries)
    if not lines:
        return Text("No contact change recorded for this owner.", style="italic")
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for c in lines:
        table.add_row(Text(f"#{c.id}"), Text.assemble(f"{c.when}  ", (c.by, "bold"), f"\n{c.what}"))
    return table


class ContactHistoryScreen(Dialog[None]):
    """The history of one owner's contact (the plan as shown: up to the review date). Closes with None."""

    BINDINGS = [Binding("escape", "cancel", "Close", id="contact_history_close")]
    AUTO_FOCUS = "#contact-history-box"

    def __init__(self, owner: str, entries: tuple[HistoryEntry, ...], up_to: date | None = None) -> None:
        """`up_to`: the day the plan shown stood on, when it leaves later changes out (said in the last line)."""
        super().__init__()
        self.owner, self.entries, self.up_to = owner, entries, up_to

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog contact-history") as box:
            box.border_title = f"Contact history (newest first): {one_line(self.owner, 40)}"
            with VerticalScroll(id="contact-history-box"):
                yield Static(history_table(self.entries), id="contact-history", markup=False)
            count = plural(len(self.entries), "change") + (f" up to {fmt_date(self.up_to)}" if self.up_to else "")
            yield Label(f"{count} · Up/Down scroll · Escape closes", classes="dim", markup=False)
