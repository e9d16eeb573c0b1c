"""Python's cycle collector and large plans.

A 50,000-item plan is about 300,000 Python containers. The cycle collector walks every tracked
container on each full collection, and while a plan is being parsed and built it runs again and
again, finding nothing (plans have no reference cycles: they are freed by reference counting):
half the time of reading a large file went there, and each full collection during use held
everything up for ~0.2 s at 50,000 items. So:

* `bulk()` pauses the collector while a plan is parsed or built (thread-safe and reentrant: the
  collector runs again when the last one ends);
* `keep()` (for a long-running process, the app) moves what is alive now out of the collector's
  way: later full collections walk only what was made since.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0
_was_enabled = True


@contextmanager
def bulk() -> Iterator[None]:
    """Pause the cycle collector for a burst of allocation (reference counting still frees memory)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def keep() -> None:
    """Everything alive now is long-lived: the cycle collector stops walking it (O(1)).

    Frozen objects are still freed by reference counting when they are dropped (a plan replaced by a
    newer one is). Only garbage in a reference cycle that happens to be waiting for the collector at
    that moment is never freed: a few objects, once per whole-plan read. (Collecting first would
    walk the whole freshly built plan: a stall of ~30 ms at 50,000 items.)
    """
    gc.freeze()
