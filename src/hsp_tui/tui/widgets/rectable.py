"""The recommendations table: one row per item, drawn line by line from the items themselves.

Textual's DataTable measures and renders every cell of every row it is given (about 1 ms a row),
so refilling it after a filter on a large plan cost more than a frame. This table holds the items
and draws only the lines on screen (Textual's line API: `render_line`), so showing 50,000 items
costs what showing 12 does; a row is drawn from its values, and cached until they change.
"""

from __future__ import annotations

import re
from typing import Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hsp_tui.domain.records import Status
from hsp_tui.domain.review import ItemReview
from hsp_tui.domain.textsafe import visible
from hsp_tui.tui.messages import DetailRequested, ItemHighlighted
from hsp_tui.tui.view import due_text

COLUMNS = ("no", "ref", "title", "owner", "due", "status", "flag")
HEADERS = {"no": "No.", "ref": "Ref", "title": "Recommendation", "owner": "Owner", "due": "Due",
           "status": "Status", "flag": "Flag"}
DUE_W = 11  # "30 Apr 2010"
REVISED_DUE_W = 17  # "30 Apr 2010 (rev)"
STATUS_W = 11  # "Not started"
# A verdict that came with an import onto a server and no auditor there confirmed (issue 20): said
# in full where the table has room, else shortened to the Status column's width, else one letter.
IMPORTED_WORDS = ("Verified (imported)", "Verif.(imp)", "v")
IMPORTED_W = len(IMPORTED_WORDS[0])
FLAG_W = 8  # "due soon"
# Width is shared by need: owners in full first; then the title keeps at least TITLE_WORDS cells
# before the status is shown as one letter (on 80 columns), and TITLE_REV before a revised due date
# gets "(rev)"; the title takes whatever is left (never blank space), at least TITLE_MIN.
TITLE_WORDS = 30
TITLE_REV = 30
TITLE_MIN = 12
# One letter per status where the words do not fit (the summary line and Help give the key).
STATUS_LETTERS = {Status.NOT_STARTED: "N", Status.IN_PROGRESS: "P", Status.BLOCKED: "B",
                  Status.DONE: "D", Status.VERIFIED: "V", Status.DROPPED: "X"}
# A space before the first column and after each: one space between columns leaves the title and
# owner room enough on an 80-column terminal.
def line_width(widths) -> int:
    return 1 + sum(w + 1 for w in widths)
SCROLLBAR = 2  # columns kept free for the vertical scrollbar
SAMPLE = 1000  # items the Ref and Owner column widths are measured on
LINES_KEPT = 500  # rows drawn and kept for redrawing (a few screenfuls)
SPACES = re.compile(" {2,}")
COLUMN_META = [Style.from_meta({"column": k}) for k in range(len(COLUMNS))]


def fit(text: str, width: int) -> str:
    """`text` on one line in at most `width` cells, cut with an ellipsis (wide characters count two)."""
    flat = visible(text)
    if cell_len(flat) <= width:
        return flat
    return set_cell_size(flat, max(0, width - 1)).rstrip() + "…" if width > 0 else ""


def title_text(rec, width: int) -> str:
    """The recommendation in `width` cells: its short title where that fills the column, else as
    much of the whole text as fits (a wide table shows more of it, never blank space)."""
    short = visible(rec.title)
    if cell_len(short) >= width:
        return fit(short, width)
    return fit(SPACES.sub(" ", visible(rec.recommendation)).strip(), width)


class RecTable(ScrollView, can_focus=True):
    """Rows are the items given to `show`, in that order; the header stays on the first line."""

    DEFAULT_CSS = """
    RecTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        &:focus {
            background-tint: $foreground 5%;
            & > .rectable--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .rectable--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .rectable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Open the detail", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("j", "cursor_down", "Down", show=False, id="down"),
        Binding("k", "cursor_up", "Up", show=False, id="up"),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First row", show=False),
        Binding("end,ctrl+end", "last", "Last row", show=False),
    ]
    COMPONENT_CLASSES = {"rectable--header", "rectable--cursor", "rectable--overdue", "rectable--due-soon",
                         "rectable--done", "rectable--blocked", "rectable--dropped"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.items: list[ItemReview] = []
        self.cursor_row = 0
        self._pos_of: list[ItemReview] | None = None  # the list `_pos` was built for
        self._pos_map: dict[int, int] = {}
        self._widths: tuple[int, ...] | None = None
        self._basis: Sequence[ItemReview] = ()  # what the column widths are measured on
        # no, ref, owner widths, any revised, any imported verdict, id
        self._measured: tuple[int, int, int, bool, bool, int] | None = None
        self._styles_now: dict[str, Style] | None = None
        # (row, is the cursor's) -> the line drawn; the least recently drawn go first, so scrolling
        # through 50,000 rows keeps only the latest few screenfuls.
        self._lines: LRUCache[tuple[int, bool], Strip] = LRUCache(LINES_KEPT)

    # -- sizes ----------------------------------------------------------------------------------
    def _measure(self) -> tuple[int, int, int, bool, bool, int]:
        """Widths the text needs, measured once per plan (not per filter: columns stay put)."""
        items = self._basis or self.items
        if self._measured is None or self._measured[-1] != id(items):
            # The basis is the review's items, in number order: the last number is the longest.
            ends = (*items[:1], *items[-1:]) if items is self._basis else items
            no_w = max(3, max((len(str(i.number)) for i in ends), default=3))
            sample = items[:SAMPLE]
            ref_w = min(8, max(3, max((cell_len(i.rec.ref) for i in sample), default=3)))
            longest_owner = max((cell_len(i.rec.owner) for i in sample), default=10)
            revised = any(i.rec.revised for i in sample)
            imported = any(i.rec.verdict_imported for i in sample)
            self._measured = (no_w, ref_w, longest_owner, revised, imported, id(items))
        return self._measured

    @property
    def status_letters(self) -> bool:
        """Whether the Status column shows one letter per status (the table is too narrow for words)."""
        widths = self._widths or self._column_widths()
        return widths[5] < STATUS_W

    def _column_widths(self) -> tuple[int, ...]:
        # Before the first layout the table has no size yet: it spans the screen in every layout.
        width = max(self.size.width or self.app.size.width - 2, 40)
        if len(self.items) + 1 > self.size.height:  # more rows than lines: room for the scrollbar
            width -= SCROLLBAR
        no_w, ref_w, longest_owner, any_revised, any_imported, _ = self._measure()
        cells = width - 1 - len(COLUMNS)  # a space before the first column and after each
        owner_need = max(len(HEADERS["owner"]), longest_owner)
        for status_w in (STATUS_W, 1):
            room = cells - no_w - ref_w - DUE_W - status_w - FLAG_W  # for the title and the owner
            if room - owner_need >= TITLE_WORDS:
                break
        # A revised due date reads "31 Jul 2010 (rev)" (as `hsp-tui list` has it) when there is room;
        # on a narrow table the Flag column says "revised" instead (when it has nothing else to say).
        due_w = DUE_W
        if any_revised and room - owner_need - (REVISED_DUE_W - DUE_W) >= TITLE_REV:
            due_w = REVISED_DUE_W
            room -= REVISED_DUE_W - DUE_W
        if any_imported and status_w == STATUS_W and room - owner_need - (IMPORTED_W - STATUS_W) >= TITLE_REV:
            status_w = IMPORTED_W  # "Verified (imported)" in full
            room -= IMPORTED_W - STATUS_W
        owner_w = max(len(HEADERS["owner"]), min(owner_need, room - TITLE_MIN))
        title_w = max(TITLE_MIN, room - owner_w)
        return no_w, ref_w, title_w, owner_w, due_w, status_w, FLAG_W

    def _relayout(self) -> None:
        """Column widths for the current size; the virtual size for the current rows."""
        widths = self._column_widths()
        if widths != self._widths:
            self._widths = widths
            self._lines.clear()
            self.refresh()
        total = line_width(widths)
        self.virtual_size = Size(total, len(self.items) + 1)  # + the header line

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        self._bring_into_view(self.cursor_row)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles_now = None  # focus, theme or CSS changed: the lines are drawn again
        self._lines.clear()

    # -- cells ----------------------------------------------------------------------------------
    def _styles(self) -> dict[str, Style]:
        if self._styles_now is None:
            self._styles_now = {name: self.get_component_rich_style(f"rectable--{name}", partial=True)
                                for name in ("overdue", "due-soon", "done", "blocked", "dropped")}
            self._styles_now["header"] = self.get_component_rich_style("rectable--header")
            self._styles_now["cursor"] = self.get_component_rich_style("rectable--cursor", partial=True)
        return self._styles_now

    def _texts(self, item: ItemReview) -> list[tuple[str, str | None]]:
        """Each cell's text, cut to its column, and the name of its style (if any)."""
        rec = item.rec
        w = self._widths or self._column_widths()
        due, flag = due_text(item), item.flag
        if rec.revised and w[4] >= REVISED_DUE_W:
            due += " (rev)"
        elif rec.revised and not flag:
            flag = "revised"
        status_style = {Status.DONE: "done", Status.VERIFIED: "done", Status.BLOCKED: "blocked", Status.DROPPED: "dropped"}.get(rec.status)
        if rec.verdict_imported:  # not the auditor's verdict here: never shown as one
            status = next(words for words in IMPORTED_WORDS if len(words) <= w[5])
            status_style = None
        else:
            status = rec.status.label if w[5] >= STATUS_W else STATUS_LETTERS[rec.status]
        flag_style = {"OVERDUE": "overdue", "due soon": "due-soon"}.get(flag)
        return [
            (str(rec.number).rjust(w[0]), None),
            (fit(rec.ref, w[1]), None),
            (title_text(rec, w[2]), None),
            (fit(rec.owner, w[3]), None),
            (due, None),
            (status, status_style),
            (flag, flag_style),
        ]

    def get_row_at(self, row: int) -> list[Text]:
        """The cells of a row as shown (each as Text, styled as on screen)."""
        styles = self._styles()
        return [Text(text.strip() if k == 0 else text, style=styles[name] if name else "")
                for k, (text, name) in enumerate(self._texts(self.items[row]))]

    def _line(self, cells: list[tuple[str, Style | None]], base: Style) -> Strip:
        widths = self._widths or self._column_widths()
        segments = []
        for k, ((text, style), w) in enumerate(zip(cells, widths)):
            # One segment per cell (the column in its meta keeps cells apart in SVG screenshots).
            cell_style = (base + style if style else base) + COLUMN_META[k]
            segments.append(Segment((" " if k == 0 else "") + set_cell_size(text, w) + " ", cell_style))
        return Strip(segments, line_width(widths))

    def _row_line(self, row: int) -> Strip:
        cursor = row == self.cursor_row
        key = (row, cursor)
        line = self._lines.get(key)
        if line is None:
            styles = self._styles()
            base = self.rich_style + styles["cursor"] if cursor else self.rich_style
            cells = [(text, styles[name] if name else None) for text, name in self._texts(self.items[row])]
            if cursor:  # the cursor's colours win over the cells' (as in Textual's tables)
                cells = [(text, (style or Style()) + styles["cursor"]) for text, style in cells]
            line = self._lines[key] = self._line(cells, base)
        return line

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            styles = self._styles()
            widths = self._widths or self._column_widths()
            header = self._line([(HEADERS[c] if w >= len(HEADERS[c]) else fit(HEADERS[c], w) if w > 2 else HEADERS[c][:w], None)
                                 for c, w in zip(COLUMNS, widths)], self.rich_style + styles["header"])
            return header.crop_extend(0, width, self.rich_style + styles["header"])
        row = int(self.scroll_offset.y) + y - 1
        if not 0 <= row < len(self.items):
            return Strip.blank(width, self.rich_style)
        fill = self.rich_style + self._styles()["cursor"] if row == self.cursor_row else self.rich_style
        return self._row_line(row).crop_extend(0, width, fill)

    # -- filling --------------------------------------------------------------------------------
    def show(self, items: Sequence[ItemReview], keep: int | None = None,
             basis: Sequence[ItemReview] | None = None) -> None:
        """Show these items in this order; the cursor stays on `keep` if it is among them.

        `basis`: every item of the plan, to size the columns on (default: these items).
        """
        if basis is not None:
            self._basis = basis
        self.items = list(items)
        self._lines.clear()
        self._relayout()
        target = 0
        if keep is not None:  # a scan, not a dict of every row: a filter shows at once on 50,000 items
            target = next((k for k, i in enumerate(self.items) if i.rec.number == keep), 0)
        self.refresh()
        self.move_cursor(target, force=True)

    @property
    def row_count(self) -> int:
        return len(self.items)

    @property
    def _pos(self) -> dict[int, int]:
        """number -> row index, built when first needed for this list of items."""
        if self._pos_of is not self.items:
            self._pos_map = {i.rec.number: k for k, i in enumerate(self.items)}
            self._pos_of = self.items
        return self._pos_map

    def refresh_items(self, by_number: dict[int, ItemReview]) -> None:
        """New review results for rows in the table: redraw those rows (if they are on screen)."""
        for number, fresh in by_number.items():
            k = self._pos.get(number)
            if k is None:
                continue
            self.items[k] = fresh
            self._lines.discard((k, False))
            self._lines.discard((k, True))
            self._refresh_row(k)
        no_w, ref_w, owner_w, any_revised, any_imported, basis = self._measure()
        revised = any_revised or any(fresh.rec.revised for fresh in by_number.values())
        imported = any_imported or any(fresh.rec.verdict_imported for fresh in by_number.values())
        if (revised, imported) != (any_revised, any_imported):
            # The first revised item: the Due column makes room for "(rev)" if the table is wide;
            # the first imported verdict: the Status column for "Verified (imported)".
            self._measured = (no_w, ref_w, owner_w, revised, imported, basis)
            self._relayout()

    def _refresh_row(self, row: int) -> None:
        y = row - int(self.scroll_offset.y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    # -- cursor ---------------------------------------------------------------------------------
    @property
    def current_number(self) -> int | None:
        if not 0 <= self.cursor_row < len(self.items):
            return None
        return self.items[self.cursor_row].number

    def move_cursor(self, row: int, *, force: bool = False) -> None:
        """Put the cursor on `row` (kept within the rows), bring it into view, say so if it moved."""
        row = max(0, min(row, len(self.items) - 1))
        old, self.cursor_row = self.cursor_row, row
        if old != row:
            self._refresh_row(old)
            self._refresh_row(row)
        self._bring_into_view(row)
        if old != row or force:
            self.post_message(ItemHighlighted(self, self.current_number))

    def _bring_into_view(self, row: int) -> None:
        rows = max(1, self.scrollable_content_region.height - 1)  # lines under the header
        top = int(self.scroll_offset.y)
        if row < top:
            top = row
        elif row >= top + rows:
            top = row - rows + 1
        else:
            return
        self.scroll_to(y=top, animate=False, immediate=True)

    def go_to(self, number: int) -> bool:
        index = self._pos.get(number)
        if index is None:
            return False
        self.move_cursor(index)
        return True

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._page)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._page)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.items) - 1)

    def action_select_cursor(self) -> None:
        number = self.current_number
        if number is not None:
            self.post_message(DetailRequested(self, number))

    def on_click(self, event: events.Click) -> None:
        """A click highlights a row; a click on the highlighted row opens its detail."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        row = int(self.scroll_offset.y) + offset.y - 1
        if not 0 <= row < len(self.items):
            return
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self.move_cursor(row)
