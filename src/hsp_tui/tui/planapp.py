"""The app as its screens and helpers see it: the plan shown, the review date, and the ways to ask
for a change. `HspApp` (app.py) is the one implementation.

The screens and the app's helpers (contact_actions.py, watch.py, lockwait.py) are typed against this
protocol, not against `HspApp`: the app imports them, so they never import the app and the imports
run one way, from the app down (tests/test_tui_structure.py checks both).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    from textual import events
    from textual.screen import Screen
    from textual.worker import Worker

    from hsp_tui.storage.backends import Access, Token
    from hsp_tui.domain.model import Plan
    from hsp_tui.domain.review import ItemReview, Review
    from hsp_tui.storage.store import Store
    from hsp_tui.tui.collector import Collector
    from hsp_tui.tui.view import PlanView


@runtime_checkable
class PlanApp(Protocol):
    # -- what is shown ------------------------------------------------------------------------------
    store: "Store"
    plan_view: "PlanView"  # the plan shown, judged as of the review date
    as_of: date  # the review date
    as_of_given: bool  # False: today's date, by default
    long_past: str | None  # why to give a review date: every date of the plan is long before today's
    user: str  # whose changes these are
    due_soon_days: int
    remind_target: str  # where reminders were last sent in this session (offered first next time)
    access: "Access"  # where the plan is and what this user may do there (asked once, at start)
    drafts: dict[int, str]  # notes typed whose save failed, by item: offered again

    @property
    def review(self) -> "Review": ...

    # -- what a key asks for (each runs in turn, through the store) ---------------------------------
    def today(self) -> date: ...  # by the app's clock
    def change_day(self, on: date | None = None) -> dict[str, date]: ...  # when a change takes effect
    def undo_last(self) -> None: ...
    def review_on(self, day: date) -> None: ...  # today's date: the plan as it is
    def export(self, fmt: str, path: Path) -> str | None: ...
    def open_contacts(self) -> None: ...
    def open_reminders(self) -> None: ...

    # -- for the main screen ------------------------------------------------------------------------
    def first_screen_shown(self) -> None: ...  # the collector runs again; the rest of a large plan is read
    def status_keys_display(self) -> str: ...
    def key_handled(self, event: "events.Key") -> None: ...
    def refusal_for(self, action: str) -> str | None: ...
    def place_words(self) -> str | None: ...
    alarm: str | None  # the server is gone: said in the header until it is back

    # -- for the app's helpers: a change or a re-read, then the plan shown as saved -----------------
    def in_turn(self) -> AbstractAsyncContextManager[None]: ...
    def judge(self, read: Callable[[], "Plan"], as_of: date | None = None, *, rest: bool = False) -> "PlanView": ...
    async def show_saved(self) -> None: ...
    def show_plan(self, view: "PlanView", token: "Token", changed: "Sequence[ItemReview] | None" = None) -> None: ...
    def set_alarm(self, words: str | None) -> None: ...
    @property
    def busy(self) -> bool: ...
    def cursor_number(self) -> int | None: ...  # the item the table's cursor is on
    collector: "Collector"  # what is read, kept apart from what is judged (tui/collector.py)
    @property
    def shown_token(self) -> "Token": ...

    # -- Textual's App, as they use it --------------------------------------------------------------

    @property
    def is_running(self) -> bool: ...
    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: Any = None,
               markup: bool = False) -> None: ...
    def push_screen(self, screen: "Screen[Any]", callback: Any = None) -> Any: ...
    def pop_screen(self) -> Any: ...
    def run_worker(self, work: Any, *, group: str = "default") -> "Worker[Any]": ...
    def set_timer(self, delay: float, callback: Any = None) -> Any: ...
    def set_interval(self, interval: float, callback: Any = None) -> Any: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any) -> Any: ...
    def post_message(self, message: Any) -> bool: ...
