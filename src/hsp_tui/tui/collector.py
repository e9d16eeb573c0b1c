"""Python's cycle collector while the app reads a whole plan: the one place hsp-tui touches it.

A large plan is hundreds of thousands of Python containers and has no reference cycles (reference
counting frees it). While one is read and built, the collector runs again and again and finds
nothing (reading a large plan took about twice as long); once it is built, the next collections
walk all of it, holding up the keys. So while the app reads and builds a whole plan it keeps
(`Collector.reading`) the collector is paused, and at the end what is alive is frozen (`gc.freeze`:
later collections skip it). At the start of the next whole read, what the last one froze is
unfrozen and collected once, so anything dropped since (a replaced plan, the reference cycles of
Textual's drawn lines frozen with it) is freed: repeated reloads keep nothing behind. `close()`
unfreezes what is still frozen when the app ends.

Pauses nest and overlap across threads (the app reads a large plan in a worker thread): the
collector runs again when the last one ends, unless it was off before the first began.

The app's start is a pause too (`hold_for_start`, by `run_app`): importing Textual and the app and
building the first screen make only objects that live as long as the app, yet the collector ran
dozens of times meanwhile (10-30 ms before the first screen showed, issue 25). Once the first screen
shows (`Collector.started`), what the start made is frozen with the plan's first items and the
collector runs again; `release_start` turns it back on if the app stopped before that.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_held_for_start = False  # `hold_for_start` turned the collector off; nothing has turned it back on


def hold_for_start() -> None:
    """The collector off from now until the app's first screen shows (`Collector.started`); a no-op
    when it is off already (the host program's choice stands)."""
    global _held_for_start
    if gc.isenabled():
        gc.disable()
        _held_for_start = True


def release_start() -> bool:
    """The collector on again if `hold_for_start` turned it off and nothing has since; whether it did."""
    global _held_for_start
    held, _held_for_start = _held_for_start, False
    if held:
        gc.enable()
    return held


class Collector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = True
        self._froze = False

    def close(self) -> None:
        """Unfreeze what the last read froze (the app is closing)."""
        with self._lock:
            if self._froze:
                gc.unfreeze()
                self._froze = False

    def started(self) -> None:
        """The app's first screen shows: when its start held the collector off (`hold_for_start`),
        what the start made is frozen (later collections skip it) and the collector runs again, or
        once the reads under way end."""
        global _held_for_start
        with self._lock:
            if not _held_for_start:
                return
            gc.freeze()
            self._froze = True
            if self._depth:  # a read under way turns it on as it ends
                self._was_enabled, _held_for_start = True, False
            else:
                release_start()

    @contextmanager
    def reading(self, *, rest: bool = False) -> Iterator[None]:
        """Around reading and building a whole plan. `rest`: the rest of the plan whose first items
        the last read kept: nothing it froze has been dropped, so nothing is collected first (a full
        collection walks every object of the plan in one go, holding up the keys for 0.1 s or more
        at 50,000 items, right after the first screen)."""
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
                if self._froze and not rest:  # what the last read kept: collect what has been dropped since
                    gc.unfreeze()
                    self._froze = False
                    gc.collect()
            self._depth += 1
        done = False
        try:
            yield
            done = True
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    if done:
                        gc.freeze()
                        self._froze = True
                    if self._was_enabled:
                        gc.enable()
