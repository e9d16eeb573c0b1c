"""The app as its screens and helpers see it: the plan shown, the review date, and the ways to ask
for a change. `HspApp` (app.py) is the one implementation.

The screens and the app's helpers (followup.py, live.py, lockwait.py) are typed against this
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

    from hsp_tui.storage.backends import Token
    from hsp_tui.domain.model import Plan
    from hsp_tui.domain.review import ItemReview, Review
    from hsp_tui.storage.store import Store
    from hsp_tui.tui.view import PlanView


@runtime_checkable
class PlanApp(Protocol):
    # -- what is shown ------------------------------------------------------------------------------
    store: "Store"
    plan_view: "PlanView"  # the plan shown, judged as of the review date
    as_of: date  # the review date
    as_of_given: bool  # False: today's date, by default
    user: str  # whose changes these are
    due_soon_days: int
    remind_target: str  # where reminders were last sent in this session (offered first next time)

    @property
    def review(self) -> "Review": ...

    # -- what a key asks for (each runs in turn, through the store) ---------------------------------
    def undo_last(self) -> None: ...
    def review_on(self, day: date) -> None: ...
    def export(self, fmt: str, path: Path) -> str | None: ...
    def open_contacts(self) -> None: ...
    def open_reminders(self) -> None: ...

    # -- for the main screen ------------------------------------------------------------------------
    def read_the_rest(self) -> None: ...
    def status_keys_display(self) -> str: ...
    def key_handled(self, event: "events.Key") -> None: ...

    # -- for the app's helpers: a change or a re-read, then the plan shown as saved -----------------
    def in_turn(self) -> AbstractAsyncContextManager[None]: ...
    def judge(self, read: Callable[[], "Plan"], as_of: date | None = None, *, rest: bool = False) -> "PlanView": ...
    async def show_saved(self) -> None: ...
    def show_plan(self, view: "PlanView", token: "Token", changed: "Sequence[ItemReview] | None" = None) -> None: ...

    # -- Textual's App, as they use it --------------------------------------------------------------
    sub_title: str

    @property
    def is_running(self) -> bool: ...
    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: Any = None,
               markup: bool = False) -> None: ...
    def push_screen(self, screen: "Screen[Any]", callback: Any = None) -> Any: ...
    def pop_screen(self) -> Any: ...
    def run_worker(self, work: Any, *, group: str = "default") -> "Worker[Any]": ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any) -> Any: ...
    def post_message(self, message: Any) -> bool: ...
