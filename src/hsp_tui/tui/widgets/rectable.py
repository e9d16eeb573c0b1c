"""The recommendations table: one row per item, filled lazily, updated cell by cell."""

from __future__ import annotations

from typing import Sequence

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import DataTable

from ...model import Status
from ...review import ItemReview
from ...textsafe import one_line
from ..messages import DetailRequested, ItemHighlighted
from ..view import due_text

COLUMNS = ("no", "ref", "title", "owner", "due", "status", "flag")
HEADERS = {"no": "No.", "ref": "Ref", "title": "Recommendation", "owner": "Owner", "due": "Due",
           "status": "Status", "flag": "Flag"}
# A large plan is not put in the table all at once (Textual measures every cell of every row it
# adds, about 1 ms a row): the first rows go in at once, more as the cursor or the scrolling nears
# the end of what is loaded. Only cells that change are updated afterwards.
DUE_W = 11  # "30 Apr 2010"
REVISED_DUE_W = 17  # "30 Apr 2010 (rev)"
WIDE_ROOM = 50  # the title and owner need at least this much before the due date gets "(rev)"
FIRST_BATCH = 60  # a screenful and then some
BATCH = 60
MARGIN = 20  # load more when the cursor or the view is this close to the end of the loaded rows


class RecTable(DataTable):
    """Rows are keyed by recommendation number (as text)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="down"),
        Binding("k", "cursor_up", "Up", show=False, id="up"),
    ]
    COMPONENT_CLASSES = {"rectable--overdue", "rectable--due-soon", "rectable--done",
                         "rectable--blocked", "rectable--dropped"}

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.items: list[ItemReview] = []
        self._shown: dict[int, tuple] = {}  # number -> the cell values on screen
        self._pos_of: list[ItemReview] | None = None  # the list `_pos` was built for
        self._pos_map: dict[int, int] = {}
        self._loaded = 0
        self._generation = 0
        self._widths: tuple[int, ...] | None = None
        self._basis: Sequence[ItemReview] = ()  # what the column widths are measured on
        self._measured: tuple[int, int, int, bool, int] | None = None  # no, ref, owner widths, any revised, id

    # -- layout ---------------------------------------------------------------------------------
    def _measure(self) -> tuple[int, int, int, bool, int]:
        """Widths the text needs, measured once per plan (not per filter: columns stay put)."""
        items = self._basis or self.items
        if self._measured is None or self._measured[-1] != id(items):
            no_w = max(3, max((len(str(i.number)) for i in items), default=3))
            ref_w = min(8, max(3, max((len(one_line(i.rec.ref)) for i in items[:2000]), default=3)))
            longest_owner = max((len(i.rec.owner) for i in items[:2000]), default=10)
            revised = any(i.rec.revised for i in items[:2000])
            self._measured = (no_w, ref_w, longest_owner, revised, id(items))
        return self._measured

    def _column_widths(self) -> tuple[int, ...]:
        # Before the first layout the table has no size yet: it spans the screen in every layout.
        width = max(self.size.width or self.app.size.width - 2, 40) - 2  # room for the scrollbar
        no_w, ref_w, longest_owner, any_revised, _ = self._measure()
        status_w, flag_w = 11, 8
        fixed = no_w + ref_w + status_w + flag_w + 2 * len(COLUMNS)
        # A revised due date reads "31 Jul 2010 (rev)" (as `hsp-tui list` has it) when there is room;
        # on a narrow table the Flag column says "revised" instead (when it has nothing else to say).
        wide = width - fixed - REVISED_DUE_W >= WIDE_ROOM
        due_w = REVISED_DUE_W if wide and any_revised else DUE_W
        room = max(20, width - fixed - due_w)
        # The title gets the room the owner does not need (an owner is cut at 26, or at a third
        # of the room on a narrow table).
        owner_w = max(8, min(longest_owner, 26, room // 2 if wide else room // 3))
        title_w = max(10, room - owner_w)
        return no_w, ref_w, title_w, owner_w, due_w, status_w, flag_w

    def on_resize(self, event: Resize) -> None:
        if self._widths != self._column_widths() and self.columns:
            self.show(self.items, self.current_number)

    # -- cells ----------------------------------------------------------------------------------
    def _styles(self) -> dict[str, Style]:
        return {name: self.get_component_rich_style(f"rectable--{name}", partial=True)
                for name in ("overdue", "due-soon", "done", "blocked", "dropped")}

    def _values(self, item: ItemReview) -> tuple:
        rec = item.rec
        revised = rec.revised
        return (rec.number, rec.ref, rec.title, rec.owner, (due_text(item), revised), rec.status,
                (item.flag, revised))

    def _cells(self, values: tuple, styles: dict[str, Style]) -> list[Text]:
        number, ref, title, owner, (due, revised), status, (flag, _) = values
        w = self._widths or self._column_widths()
        if revised and w[4] >= REVISED_DUE_W:
            due += " (rev)"
        elif revised and not flag:
            flag = "revised"
        status_style = {Status.DONE: "done", Status.BLOCKED: "blocked", Status.DROPPED: "dropped"}.get(status)
        flag_style = {"OVERDUE": "overdue", "due soon": "due-soon"}.get(flag)
        return [
            Text(str(number), justify="right"),
            Text(one_line(ref, w[1])),
            Text(one_line(title, w[2])),
            Text(one_line(owner, w[3])),
            Text(due),
            Text(status.label, style=styles[status_style] if status_style else ""),
            Text(flag, style=styles[flag_style] if flag_style else ""),
        ]

    # -- filling --------------------------------------------------------------------------------
    def show(self, items: Sequence[ItemReview], keep: int | None = None,
             basis: Sequence[ItemReview] | None = None) -> None:
        """Show these items in this order; the cursor stays on `keep` if it is among them.

        `basis`: every item of the plan, to size the columns on (default: these items).
        """
        self._generation += 1
        if basis is not None:
            self._basis = basis
        self.items = list(items)
        self._shown.clear()
        widths = self._column_widths()
        if widths != self._widths or not self.columns:
            self._widths = widths
            self.clear(columns=True)
            for key, w in zip(COLUMNS, widths):
                self.add_column(HEADERS[key], width=w, key=key)
        else:
            self.clear()
        self._loaded = 0
        target = 0
        if keep is not None:  # a scan, not a dict of every row: a filter shows at once on 50,000 items
            target = next((k for k, i in enumerate(self.items) if i.rec.number == keep), 0)
        self._load_to(max(FIRST_BATCH, target + MARGIN))
        if self.row_count:
            self.move_cursor(row=target, animate=False, scroll=True)
        self.post_message(ItemHighlighted(self, self.current_number))

    @property
    def _pos(self) -> dict[int, int]:
        """number -> row index, built when first needed for this list of items."""
        if self._pos_of is not self.items:
            self._pos_map = {i.rec.number: k for k, i in enumerate(self.items)}
            self._pos_of = self.items
        return self._pos_map

    def _load_to(self, end: int) -> None:
        end = min(end, len(self.items))
        if end <= self._loaded:
            return
        styles = self._styles()
        for item in self.items[self._loaded:end]:
            values = self._values(item)
            self._shown[item.number] = values
            self.add_row(*self._cells(values, styles), key=str(item.number))
        self._loaded = end

    def _load_near(self, row: int) -> None:
        """Load the next batch when `row` is close to the end of the loaded rows."""
        if self._loaded < len(self.items) and row >= self._loaded - MARGIN:
            self._load_to(max(self._loaded + BATCH, row + MARGIN))

    def load_all(self) -> None:
        self._load_to(len(self.items))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._load_near(int(new) + self.size.height)

    @property
    def fully_loaded(self) -> bool:
        return self._loaded >= len(self.items)

    def refresh_items(self, by_number: dict[int, ItemReview]) -> None:
        """New review results for rows in the table: change only the cells that differ."""
        styles = None
        for number, fresh in by_number.items():
            k = self._pos.get(number)
            if k is None:
                continue
            self.items[k] = fresh
            old = self._shown.get(number)
            if old is None:  # not loaded yet: it will be drawn from `items` when it is
                continue
            values = self._values(fresh)
            if values == old:
                continue
            styles = styles or self._styles()
            cells = self._cells(values, styles)
            for col, (a, b, cell) in enumerate(zip(old, values, cells)):
                if a != b:
                    self.update_cell(str(number), COLUMNS[col], cell)
            self._shown[number] = values
        no_w, ref_w, owner_w, any_revised, basis = self._measure()
        if not any_revised and any(fresh.rec.revised for fresh in by_number.values()):
            # The first revised item: the Due column makes room for "(rev)" if the table is wide.
            self._measured = (no_w, ref_w, owner_w, True, basis)
            if self._column_widths() != self._widths:
                self.show(self.items, self.current_number)

    # -- cursor ---------------------------------------------------------------------------------
    @property
    def current_number(self) -> int | None:
        if not self.row_count or not 0 <= self.cursor_row < len(self.items):
            return None
        return self.items[self.cursor_row].number

    def go_to(self, number: int) -> bool:
        index = self._pos.get(number)
        if index is None:
            return False
        self._load_to(index + MARGIN)
        self.move_cursor(row=index, animate=False, scroll=True)
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._load_near(event.cursor_row)
        self.post_message(ItemHighlighted(self, self.current_number))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        number = self.current_number
        if number is not None:
            self.post_message(DetailRequested(self, number))
