"""The smaller panes: owners, deadlines by month, the status summary and the header bar."""

from __future__ import annotations


from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from hsp_tui.formats.formatting import fmt_date
from hsp_tui.domain.review import OwnerSummary, Review
from hsp_tui.domain.textsafe import one_line, visible
from hsp_tui.tui.messages import ItemChosen, OwnerChosen
from hsp_tui.tui.tallies import Counts
from hsp_tui.tui.view import PlanView
from hsp_tui.tui.words import LONG_PAST_SHORT
from hsp_tui.tui.widgets.rectable import STATUS_LETTERS

ALL_OWNERS = "\x00all"
NAME_MIN = 16
NUMBERS_W = 4 + 7 + 4 + 2 * 4  # Open, Overdue, Done and each column's padding


COUNT_COLUMNS = ("open", "overdue", "done")


def count_cells(o: OwnerSummary) -> tuple[Text, Text, Text]:
    return (Text(str(o.open), justify="right"),
            Text(str(o.overdue), justify="right", style="bold red" if o.overdue else ""),
            Text(str(o.done), justify="right"))


class OwnersPane(DataTable):
    """Each owner with open / overdue / done counts; Enter filters the table to that owner."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="owners_down"),
        Binding("k", "cursor_up", "Up", show=False, id="owners_up"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self._shown: tuple[PlanView, str | None] | None = None
        self._name_w = NAME_MIN

    def _name_width(self) -> int:
        """Owner names get what the three counts (and the cell padding) leave of the pane's width."""
        width = self.scrollable_content_region.width or self.size.width
        return max(NAME_MIN, width - NUMBERS_W - 2) if width else NAME_MIN

    def on_resize(self) -> None:
        if self._shown is not None and self._name_width() != self._name_w:
            self.show(*self._shown)

    def on_mount(self) -> None:
        # Labels as Text: a str would be read as Rich markup (and load Rich's emoji table, ~5 ms of
        # the first screen: issue 25).
        for label in ("Owner", "Open", "Overdue", "Done"):
            self.add_column(Text(label), key=label.lower())

    def show(self, dg: PlanView, chosen: str | None) -> None:
        shown, self._shown = self._shown, (dg, chosen)
        name_w = self._name_width()
        if shown is not None and self._counts_only(shown, dg, chosen, name_w):
            return
        self._name_w = name_w
        keep = self.cursor_row
        self.clear()
        owners = dg.owners if dg.complete else []
        self.add_row(Text("All owners", style="italic"), *self._total_cells(dg), key=ALL_OWNERS)
        for o in owners:
            mark = "▸ " if o.owner == chosen else ""
            self.add_row(Text(mark + one_line(o.owner, name_w - len(mark))), *count_cells(o), key="o:" + o.owner)
        if self.row_count:
            self.move_cursor(row=min(keep, self.row_count - 1), animate=False)

    @staticmethod
    def _total_cells(dg: PlanView) -> list[Text]:
        owners = dg.owners
        counts = [sum(o.open for o in owners), sum(o.overdue for o in owners), sum(o.done for o in owners)]
        return [Text(str(n) if dg.complete else "…", justify="right") for n in counts]

    def _counts_only(self, shown: tuple[PlanView, str | None], dg: PlanView, chosen: str | None, name_w: int) -> bool:
        """After a change that added or removed no owner: only the counts that differ are redrawn
        (not every row built again); False when the rows themselves must be."""
        before, was_chosen = shown
        if (was_chosen != chosen or name_w != self._name_w or not (before.complete and dg.complete)
                or len(before.owners) != len(dg.owners) or self.row_count != len(dg.owners) + 1
                or any(a.owner != b.owner for a, b in zip(before.owners, dg.owners))):
            return False
        changed = [b for a, b in zip(before.owners, dg.owners) if a != b]
        for o in changed:
            for column, cell in zip(COUNT_COLUMNS, count_cells(o)):
                self.update_cell("o:" + o.owner, column, cell, update_width=True)
        if changed:
            for column, cell in zip(COUNT_COLUMNS, self._total_cells(dg)):
                self.update_cell(ALL_OWNERS, column, cell, update_width=True)
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value or ALL_OWNERS
        self.post_message(OwnerChosen(self, None if key == ALL_OWNERS else key[2:]))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()


class DeadlinesPane(OptionList):
    """Items by month of their current due date: overdue first, 'Ongoing' last."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="deadlines_down"),
        Binding("k", "cursor_up", "Up", show=False, id="deadlines_up"),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._made: dict[int, tuple[Text, Option]] = {}  # id of a line's text -> (that text, its option)

    def _option(self, text: Text, key: str | None) -> Option:
        """The option for a line: the one made for the same line before, when there is one (it keeps
        what was measured of it: showing a plan after a change then measures only the lines that
        changed, not every line of the pane)."""
        made = self._made.get(id(text))
        if made is None or made[0] is not text:
            made = (text, Option(text, id=key, disabled=key is None))
        return made[1]

    def show(self, dg: PlanView) -> None:
        keep = self.highlighted_option.id if self.highlighted_option is not None else None
        options = [self._option(text, key) for text, key in dg.deadline_lines]
        self._made = {id(option.prompt): (option.prompt, option) for option in options}
        if not dg.complete:
            options = [Option(Text(f"Reading {dg.total:,} recommendations…", style="italic"), disabled=True)]
        elif not options:
            options.append(Option(Text("No recommendations.", style="italic"), disabled=True))
        self.clear_options()
        self.add_options(options)
        if keep is not None:
            try:
                self.highlighted = self.get_option_index(keep)
            except Exception:  # noqa: BLE001 - the item moved out of the list
                pass

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(ItemChosen(self, int(event.option.id)))


class SummaryBar(Static):
    """The counts on one line: in full where they fit, else in short (status letters as in the
    narrow table's Status column), so the line never wraps and takes a table row."""

    _shown: PlanView | None = None

    def show(self, dg: PlanView) -> None:
        self._shown = dg
        if not dg.complete:
            self.update(Text(f"Reading {dg.total:,} recommendations…", style="italic"))
            return
        width = self.content_region.width or self.app.size.width - 2
        if dg.summary.cell_len <= width:
            self.update(dg.summary)
            return
        words = short_summary(dg.counts, letters=False)  # the statuses in words, those with items
        self.update(words if words.cell_len <= width else short_summary(dg.counts))

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(self._shown)


def short_summary(counts: Counts, *, letters: bool = True) -> Text:
    """'5 overdue · 0 due soon · 0% done, 0% verified │ N 12 P 0 B 0 D 0 V 0 X 0' (the letters as the
    narrow table shows the status); or, without `letters`, '... │ Not started 10 · Done 1' (the
    statuses that have items, in words)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{counts.overdue} overdue", style="bold red" if counts.overdue else "bold")
    out.append(" · ", style="dim")
    out.append(f"{counts.due_soon} due soon", style="bold")
    out.append(" · ", style="dim")
    out.append(f"{counts.share_done:.0%}", style="bold")
    out.append(" done, ", style="dim")
    out.append(f"{counts.share_verified:.0%}", style="bold")
    out.append(" verified", style="dim")
    out.append(" │ ", style="dim")
    by_status = counts.by_status.items()
    for k, (status, n) in enumerate(by_status if letters else [(s, n) for s, n in by_status if n]):
        if k:
            out.append(" " if letters else " · ", style="dim")
        out.append(f"{STATUS_LETTERS[status] if letters else status.label} ", style="dim")
        out.append(str(n), style="bold")
    return out


class HeaderBar(Static):
    """App name, the review date ('review date 1 Jun 2010': the day the plan is judged as of, not
    to be taken for the real dates of the history) and the plan's title. On a server, where the
    plan is (server, database user, plan name) comes first, and while the server is gone an alarm
    in words takes the place of everything after the app's name."""

    _shown: tuple[Review, bool, bool, bool] | None = None
    place: str | None = None  # on a server: 'db.example:5432, database hsp · alice · plan haringey-2010'
    alarm: str | None = None  # e.g. 'DISCONNECTED from the server ...'

    def set_place(self, place: str | None, alarm: str | None) -> None:
        self.place, self.alarm = place, alarm
        if self._shown is not None:
            self.show(*self._shown)

    def show(self, rv: Review, as_of_given: bool, long_past: bool = False, stood: bool = False) -> None:
        """`long_past`: every date of the plan is long before today, the review date by default:
        said after the date (in place of a notice over the rows, issue 23). `stood`: the plan is
        shown as it stood on the review date, under later changes (read-only): the header says so
        in words, where the review date would be."""
        self._shown = (rv, as_of_given, long_past, stood)
        meta = rv.plan.meta
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(" hsp-tui ", style="bold reverse")
        if self.alarm:
            out.append("  ")
            out.append(f" {visible(self.alarm)} ", style="bold white on red")
            self.update(out)
            return
        if self.place:
            out.append("  ")
            out.append(visible(self.place), style="bold")
        if stood:
            out.append("  ")
            out.append(f" As it stood on {fmt_date(rv.as_of)} ", style="bold reverse")
            out.append(" read-only", style="bold")
        else:
            out.append("  review date ")
            out.append(fmt_date(rv.as_of), style="bold")
        if stood:
            pass
        elif not as_of_given and long_past:
            out.append(" (")
            out.append(LONG_PAST_SHORT, style="bold yellow")
            out.append(")")
        elif not as_of_given:
            out.append(" (today)", style="dim")
        out.append("  ·  ", style="dim")
        out.append(visible(meta.title), style="bold")
        plan_date = f" (plan of {fmt_date(meta.date)})" if meta.date else ""
        # The plan's date where it fits whole (on 80 columns the title takes the line).
        if plan_date and out.cell_len + len(plan_date) <= (self.content_region.width or self.app.size.width):
            out.append(plan_date, style="dim")
        self.update(out)

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)
