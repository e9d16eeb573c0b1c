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
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator


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
