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
    """What `bulk()` yields; its settings can still be changed before the end."""

    def __init__(self, keep: bool, collect_first: bool) -> None:
        self.keeping = keep
        self.collect_first = collect_first


@contextmanager
def bulk(*, keep: bool = False, collect_first: bool = False) -> Iterator[Pause]:
    """Pause the cycle collector for a burst of allocation (reference counting still frees memory).

    `keep`: at the end, everything alive is long-lived (gc.freeze, O(1)): later collections do not
    walk it. For whole plans only: frozen objects are still freed by reference counting when
    dropped (a plan replaced by a newer one is), but objects in reference cycles alive at that
    moment (Textual's drawn lines keep such cycles) are never freed once they are dropped: a
    screenful's worth, once per whole plan read (freezing at every save leaked ~0.3 MB a save).

    `collect_first`: collect the young generations at the end (before any freeze), in one go: what a
    save made (a few containers that each hold every item) is then walked once, here, rather than
    once by a young collection and again by the next one, wherever they happen.
    """
    global _depth, _was_enabled
    pause = Pause(keep, collect_first)
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield pause
    finally:
        with _lock:
            if pause.collect_first:
                gc.collect(1)
            if pause.keeping:
                gc.freeze()
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


FULL_COLLECTION_EVERY = 1000  # young collections (of ~7,000 allocations each); Python's default: 10


def settle_for_a_long_run() -> None:
    """For the app (one long-running process whose plan is frozen): full collections far apart.

    Python starts a full collection once the objects that survived young collections reach a
    quarter of those that survived the last full one. With the plan frozen, that "last full one"
    is small, so full collections came every few saves, each walking every object made since and
    every item reference in the containers that hold the whole plan (~50-110 ms at 50,000 items,
    in the middle of the keys). Young collections still run as usual; garbage that lived long
    enough to reach the oldest generation waits longer to be freed.
    """
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
