"""Python's cycle collector while the app reads a whole plan: the one place hsp-tui touches it.

A large plan is hundreds of thousands of Python containers and has no reference cycles (reference
counting frees it). While one is read and built, the collector runs again and again and finds
nothing: reading a large plan took about twice as long (benchmarks/README.md). So the app pauses
the collector while it reads and builds a whole plan (`Collector.reading`), and only then; for a
small plan the pause ends before a collection would have run. Nothing is frozen and no threshold is
changed, so what the app drops is collected as usual and repeated reloads keep nothing behind.

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

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Around reading and building a whole plan."""
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._was_enabled:
                    gc.enable()
