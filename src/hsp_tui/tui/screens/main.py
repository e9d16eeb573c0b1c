"""The main screen: the recommendations table with detail, owners, deadlines and a status summary.

Here: its keys (BINDINGS), its layout, its state (reactives) and how it shows a review. What its
keys do is in `browse_keys.py` (panes, filters, sort) and `change_keys.py` (changes and dialogs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from hsp_tui.domain.review import ItemReview, Review
from hsp_tui.tui.messages import DetailRequested, ItemChosen, ItemHighlighted, OwnerChosen
from hsp_tui.tui.view import STATUS_KEYS, PlanView, filter_words, select
from hsp_tui.tui.widgets.detail import DetailPane
from hsp_tui.tui.widgets.footer import NARROW_BELOW, HspFooter
from hsp_tui.tui.widgets.panes import DeadlinesPane, HeaderBar, OwnersPane, SummaryBar
from hsp_tui.tui.widgets.rectable import RecTable
from hsp_tui.tui.screens.browse_keys import BrowseKeys
from hsp_tui.tui.screens.change_keys import ChangeKeys

if TYPE_CHECKING:
    from hsp_tui.tui.planapp import PlanApp

DEADLINES_DELAY = 0.3  # seconds of quiet before the deadlines pane is rebuilt
FILTER_DELAY = 0.08  # on a large plan, the text filter waits for a pause in the typing
LARGE = 2000  # items: from here a text filter costs more than a frame
TYPED_IN_FILTER = ("note", "edit", "milestone", "export", "review_date", "progress", "verify", "evidence", "contacts",
                   "remind")  # priority bindings that are letters
FIRST_SLOT = "detail"  # the pane below the table on a narrow terminal, until Tab moves on
STATUS_IDS = ("set_not_started", "set_in_progress", "set_blocked", "set_done", "set_dropped")


def status_bindings() -> list[Binding]:
    return [Binding(str(k), f"set_status({k})", s.label, id=STATUS_IDS[k - 1],
                    tooltip=f"Set the highlighted item to {s.label}")  # one "1-5 Status" in the footer
            for k, s in enumerate(STATUS_KEYS, start=1)]


class MainScreen(BrowseKeys, ChangeKeys, Screen):
    KEYS_IN_ORDER = True  # keys typed at once are handled one after the other (see tui/keys.py)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        *status_bindings(),
        # The keys that open a dialog or move to another pane are priority bindings, acted on as each
        # key arrives: the keys typed right after them in one burst then go to the dialog or pane
        # (not to the table). While the filter line is open they are letters of the filter (check_action).
        Binding("n", "note", "Note", id="add_note", priority=True),
        Binding("e", "edit", "Edit", id="edit", priority=True),
        Binding("m", "milestone", "Milestone", id="milestone", priority=True),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("o", "toggle_overdue", "Overdue", id="overdue_only"),
        # A priority binding: acted on as the key arrives, so the keys typed right after it (a fast
        # typist, a paste) already find the filter open (see on_key).
        Binding("slash", "filter", "Filter", id="filter", priority=True),
        Binding("s", "cycle_sort", "Sort", id="cycle_sort"),
        Binding("x", "export", "Export", id="export", priority=True),
        Binding("r", "review_date", "Review date", id="review_date", priority=True),
        Binding("p", "progress", "Progress chart", show=False, id="progress_chart", priority=True),
        Binding("v", "verify", "Verify", show=False, id="verify", priority=True),
        Binding("E", "evidence", "Evidence: list, open or write a copy", show=False, id="evidence", priority=True),
        Binding("c", "contacts", "Contacts (owners' addresses, sponsors and who changed them)", show=False, id="contacts", priority=True),
        Binding("R", "remind", "Remind owners by e-mail", show=False, id="remind", priority=True),
        Binding("tab", "next_pane", "Next pane", show=False, id="next_pane", priority=True),
        Binding("shift+tab", "previous_pane", "Previous pane", show=False, id="previous_pane", priority=True),
        Binding("escape", "clear_filters", "Clear filters", show=False, id="clear_filters"),
    ]

    sort_key: reactive[str] = reactive("number")
    overdue_only: reactive[bool] = reactive(False)
    filter_text: reactive[str] = reactive("")
    owner: reactive[str | None] = reactive(None)
    slot: reactive[str] = reactive(FIRST_SLOT)  # the pane shown below the table on a narrow terminal
    filtering: reactive[bool] = reactive(False)
    empty: reactive[bool] = reactive(False)

    app: "PlanApp"

    def __init__(self, size: tuple[int, int] | None = None) -> None:
        """`size`: the terminal's (width, height) when the app starts: the screen is made with the
        classes it will have once shown (the slot's, the breakpoints'), so none is added as it is
        first drawn (each would restyle every widget of the screen again, issue 25)."""
        super().__init__(classes=" ".join(self.first_classes(size)))
        self._ready = False
        self._deadlines_dirty = False
        self._deadlines_timer: Timer | None = None
        self._shown_once = False
        self._filter_timer: Timer | None = None

    @classmethod
    def first_classes(cls, size: tuple[int, int] | None) -> list[str]:
        """The classes the screen is drawn with at `size`: the slot's (`watch_slot`) and, as Textual
        sets them on a resize, the widest breakpoint each dimension reaches."""
        classes = [f"-slot-{FIRST_SLOT}"]
        if size is not None:
            for dimension, points in zip(size, (cls.HORIZONTAL_BREAKPOINTS, cls.VERTICAL_BREAKPOINTS)):
                classes += [name for at, name in sorted(points, reverse=True) if dimension >= at][:1]
        return classes

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield SummaryBar(id="summary")
        with Vertical(id="body"):
            yield RecTable(id="table")
            yield Static("", id="empty", markup=False)
            with Horizontal(id="lower"):
                yield DetailPane(id="detail")
                with Vertical(id="side"):
                    yield OwnersPane(id="owners")
                    yield DeadlinesPane(id="deadlines")
        yield Input(id="filter", placeholder="Filter by number, ref, text or owner · Enter keeps it · Escape clears it")
        yield HspFooter(self.app.status_keys_display)

    def on_mount(self) -> None:
        self.table.border_title = "Recommendations"
        self.detail.border_title = "Detail"
        self.owners.border_title = "Owners (Enter filters)"
        self.deadlines.border_title = "Deadlines by month"
        for pane in (self.detail, self.owners, self.deadlines):
            pane.border_subtitle = ""
        self.watch_slot(self.slot)
        self._ready = True
        self.show_place()
        self.show_review(self.app.plan_view, keep=None)
        self.table.focus()
        # The rest of a large plan is read once the first screen and its panes are drawn (the
        # thread would otherwise share the interpreter with that drawing and slow it down).
        self.call_after_refresh(self.call_after_refresh, self.app.first_screen_shown)

    @property
    def table(self) -> RecTable:
        return self.query_one("#table", RecTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    @property
    def owners(self) -> OwnersPane:
        return self.query_one("#owners", OwnersPane)

    @property
    def deadlines(self) -> DeadlinesPane:
        return self.query_one("#deadlines", DeadlinesPane)

    # -- showing --------------------------------------------------------------------------------
    def show_place(self) -> None:
        """Where the plan is (on a server), or the alarm while the server is gone, in the header."""
        self.query_one(HeaderBar).set_place(self.app.place_words(), self.app.alarm)

    def show_review(self, dg: PlanView, keep: int | None) -> None:
        """Redraw everything from a review (after a reload, a filter or sort change)."""
        self.query_one(HeaderBar).show(dg.review, self.app.as_of_given, self.app.long_past is not None,
                                       stood=dg.replayed)
        self.query_one(SummaryBar).show(dg)
        self._show_owners_soon()
        self._refilter(keep)
        self._mark_deadlines(now=not self._shown_once)
        self._shown_once = True

    def apply_review(self, old: Review, dg: PlanView, changed: Sequence[ItemReview] | None = None) -> None:
        """A change (ours or someone else's): update only what changed when the items are the same.

        `changed`: the items that changed (nothing else did), so only their rows are looked at.
        """
        rv = dg.review
        if changed is None and [i.number for i in old.items] != [i.number for i in rv.items]:
            self.show_review(dg, keep=self.table.current_number)
            return
        self.query_one(HeaderBar).show(rv, self.app.as_of_given, self.app.long_past is not None, stood=dg.replayed)
        self.query_one(SummaryBar).show(dg)
        self._show_owners_soon()
        # Rows stay where they are (and in the table even if they no longer match a filter) until
        # the next filter or sort change, so the cursor never jumps under the officer's hands.
        self.table.refresh_items({i.number: i for i in (rv.items if changed is None else changed)})
        self._show_detail(self.table.current_number)
        self._mark_deadlines()

    def _show_owners_soon(self) -> None:
        """The owners pane is filled in the next frame: on a large plan the table and the owners
        pane together would take more than a frame (the counts are those of the plan then)."""
        self.call_after_refresh(lambda: self.owners.show(self.app.plan_view, self.owner))

    def _mark_deadlines(self, *, now: bool = False) -> None:
        """The deadlines pane is rebuilt once the keys stop coming (and only while it is shown)."""
        self._deadlines_dirty = True
        if self._deadlines_timer is not None:
            self._deadlines_timer.stop()
            self._deadlines_timer = None
        if now:
            self.call_after_refresh(self.refresh_deadlines, force=True)
        else:
            self._deadlines_timer = self.set_timer(DEADLINES_DELAY, self.refresh_deadlines)

    def refresh_deadlines(self, *, force: bool = False) -> None:
        self._deadlines_timer = None
        if self._deadlines_dirty and (force or self.deadlines.region.area):
            self._deadlines_dirty = False
            self.deadlines.show(self.app.plan_view)

    def on_resize(self) -> None:
        footer = self.query_one(HspFooter)
        if footer.narrow != (self.size.width < NARROW_BELOW):
            footer.narrow = self.size.width < NARROW_BELOW
        if self._deadlines_dirty:
            self._mark_deadlines(now=True)

    def _refilter(self, keep: int | None) -> None:
        if not self._ready:
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        dg = self.app.plan_view
        items = select(dg, text=self.filter_text, owner=self.owner, overdue_only=self.overdue_only,
                       sort=self.sort_key)
        self.table.show(items, keep, basis=dg.review.items)
        words = filter_words(text=self.filter_text, owner=self.owner, overdue_only=self.overdue_only)
        if not dg.complete:
            title = f"Recommendations (first {len(dg.review.items)} of {dg.total:,}; reading the rest…)"
        elif words:
            title = f"Recommendations ({len(items)} of {dg.total})"
        else:
            title = f"Recommendations ({dg.total})"
        self.table.border_title = Content(title)
        self.table.border_subtitle = Content(f"sort: {self.sort_key}" + "".join(f" · {w}" for w in words))
        self.empty = not items
        if not items:
            why = ", ".join(words) if words else "the plan has no recommendations"
            self.query_one("#empty", Static).update(
                Text(f"No recommendations match ({why}). Press Escape to clear the filters."))

    def _show_detail(self, number: int | None) -> None:
        rv = self.app.review
        self.detail.show(rv.item(number) if number is not None else None, rv.plan.meta.date)

    # -- reactives down, looks by class ---------------------------------------------------------
    def watch_sort_key(self) -> None:
        self._refilter(self.table.current_number if self._ready else None)

    def watch_overdue_only(self) -> None:
        self._refilter(self.table.current_number if self._ready else None)

    def watch_filter_text(self) -> None:
        if self._ready and self.filtering and len(self.app.review.items) > LARGE:
            # Typing into the filter of a large plan: filter once the keys pause.
            if self._filter_timer is not None:
                self._filter_timer.stop()
            keep = self.table.current_number
            self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self._refilter(keep))
            return
        self._refilter(self.table.current_number if self._ready else None)

    def watch_owner(self) -> None:
        if self._ready:
            self.owners.show(self.app.plan_view, self.owner)
        self._refilter(self.table.current_number if self._ready else None)

    def watch_slot(self, slot: str) -> None:
        for name in ("detail", "owners", "deadlines"):
            self.set_class(slot == name, f"-slot-{name}")
        if slot == "deadlines" and self._deadlines_dirty:
            self.call_after_refresh(self.refresh_deadlines)

    def watch_filtering(self, filtering: bool) -> None:
        # On the box, not the screen: a class on the screen restyles every widget.
        box = self.query_one("#filter", Input)
        box.set_class(filtering, "-shown")
        if not filtering and box.has_focus:  # the keys go back to the table at once, not to a hidden box
            self.table.focus()
        self.query_one(HspFooter).covered = filtering

    def watch_focused(self, focused: Widget | None) -> None:
        """The filter box hidden while it (still) had the focus leaves nothing focused, as it has no
        focusable sibling (keys typed in one burst can get there): the keys go back to the table."""
        if focused is None and self._ready and not self.filtering:
            self.call_later(lambda: self.is_attached and self.focused is None and not self.filtering
                            and self.table.focus())

    def watch_empty(self, empty: bool) -> None:
        self.set_class(empty, "-empty")

    def on_key(self, event: events.Key) -> None:
        if not self.type_into_filter(event):
            self.swallow_milestone_digit(event)

    # -- messages up ----------------------------------------------------------------------------
    def on_item_highlighted(self, message: ItemHighlighted) -> None:
        self._show_detail(message.number)

    def on_detail_requested(self, message: DetailRequested) -> None:
        self._focus_pane("detail")

    def on_owner_chosen(self, message: OwnerChosen) -> None:
        self.owner = message.owner  # the table's title and border say so
        self._focus_pane("table")

    def on_item_chosen(self, message: ItemChosen) -> None:
        if not self.table.go_to(message.number):
            # Not shown under the current filters: clear them so the item can be shown.
            self.action_clear_filters()
            self.table.go_to(message.number)
        self._focus_pane("table")

    # -- keys (the actions are in browse_keys.py and change_keys.py) -------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the filter line is open, the letter keys bound with priority are typed into it."""
        if action in TYPED_IN_FILTER and self.filtering:
            return False
        return True

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        if self.filtering:
            self.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        self._keep_filter(event.value)
