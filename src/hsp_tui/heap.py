"""Python's cycle collector and large plans.

A 50,000-item plan is about 300,000 Python containers. The cycle collector walks every tracked
container on each full collection, and while a plan is being parsed and built it runs again and
again, finding nothing (plans have no reference cycles: they are freed by reference counting):
half the time of reading a large file went there; each full collection during use held
everything up for ~0.2 s at 50,000 items; and the first collection after a plan was built walked
all of it (~50-80 ms). So `bulk()` pauses the collector while a plan is parsed or built
(thread-safe and reentrant: the collector runs again when the last one ends), and with
`keep=True` (for a long-running process, the app) moves what it built out of the collector's way.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0
_was_enabled = True


class Pause:
    """What `bulk()` yields: `keep()` asks for the freeze at the end after all."""

    def __init__(self, keep: bool) -> None:
        self.keeping = keep

    def keep(self) -> None:
        self.keeping = True


@contextmanager
def bulk(*, keep: bool = False) -> Iterator[Pause]:
    """Pause the cycle collector for a burst of allocation (reference counting still frees memory).

    `keep` (or `.keep()` on what it yields): at the end, everything alive is long-lived (gc.freeze,
    O(1)): later collections do not walk it. For whole plans only: frozen objects are still freed
    by reference counting when dropped (a plan replaced by a newer one is), but garbage in a
    reference cycle that is waiting for the collector at that moment is never freed (a few objects,
    once per whole plan read).
    """
    global _depth, _was_enabled
    pause = Pause(keep)
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield pause
    finally:
        with _lock:
            if pause.keeping:
                gc.freeze()
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
