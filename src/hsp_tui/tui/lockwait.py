"""Waiting for the plan's lock without blocking the screen.

A change is first tried at once (no wait). When someone else holds the lock, the change waits for
it in a thread: the app says on whom it waits, the screen keeps moving, Escape stops waiting (for
that change and every change queued behind it), and otherwise the changes are saved in the order
they were asked once the lock comes.
"""

from __future__ import annotations

import asyncio
import math
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Callable, Coroutine, TypeVar

from hsp_tui.storage.backends import LockBusy, LockWait, LockWaitCancelled

if TYPE_CHECKING:
    from hsp_tui.tui.planapp import PlanApp

T = TypeVar("T")
_ticket: ContextVar[float] = ContextVar("hsp_tui_change_ticket", default=math.inf)
STOP_KEY = "Escape"


class LockWaits:
    def __init__(self, app: "PlanApp") -> None:
        self.app = app
        self._issued = 0
        self._dropped_upto = 0
        self.holder: str | None = None  # whom a change is waiting on now

    def ticketed(self, work: Coroutine[Any, Any, T]) -> Coroutine[Any, Any, T]:
        """`work` (a queued change), numbered in the order asked, so Escape can drop it if it is queued."""
        self._issued += 1
        ticket = self._issued

        async def run() -> T:
            _ticket.set(ticket)
            return await work

        return run()

    def _dropped(self, ticket: float) -> bool:
        return ticket <= self._dropped_upto or not self.app.is_running

    async def save(self, save: Callable[[LockWait], T], *, in_loop: bool) -> T:
        """`save(wait)` (which takes the lock, waiting as `wait` says: `Store.run(..., wait=)`), at once
        when the lock is free, else in a thread once it comes."""
        ticket = _ticket.get()
        if self._dropped(ticket):
            raise LockWaitCancelled(f"{self.app.store.describe()}: you stopped waiting for the lock; nothing was saved")
        if in_loop:
            try:
                return save(LockWait(timeout=0))
            except LockBusy:
                pass  # someone else is saving: wait for the lock in a thread, so the screen keeps moving
        wait = LockWait(timeout=math.inf, cancelled=lambda: self._dropped(ticket),
                        on_wait=lambda who: self._from_thread(self._started, who))
        try:
            return await asyncio.to_thread(save, wait)
        finally:
            self.holder = None

    def _from_thread(self, call: Callable[..., Any], *args: Any) -> None:
        try:
            self.app.call_from_thread(call, *args)
        except RuntimeError:  # the app is closing
            pass

    def _started(self, who: str) -> None:
        self.holder = who
        self.app.notify(f"Waiting for the plan's lock, held by {who}: your change will be saved when it is "
                        f"free. Press {STOP_KEY} to stop waiting.", severity="warning", timeout=30)

    def stop(self) -> bool:
        """Stop waiting: the waiting change and those queued behind it are not saved. False: nothing waits."""
        if self.holder is None:
            return False
        self._dropped_upto = self._issued
        self.holder = None
        self.app.notify("Stopped waiting for the lock: the waiting changes were not saved", severity="warning")
        return True
