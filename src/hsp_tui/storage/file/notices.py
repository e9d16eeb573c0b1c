"""What a user should know that does not stop the command: a planted journal ignored, a backup skipped.

Each notice is given once per process (a program that reads the plan again and again, the app,
does not repeat it). The command line prints it on standard error as `hsp-tui: warning: ...`
(spelled out: text from a file never reaches a terminal raw); the app shows it as a notice
(`listen`).
"""

from __future__ import annotations

import sys
import threading
from typing import Callable

from hsp_tui.domain.textsafe import visible

_seen: set[str] = set()
_guard = threading.Lock()
_sink: Callable[[str], None] | None = None


def _to_stderr(text: str) -> None:
    try:
        print(f"hsp-tui: warning: {visible(text)}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def report(text: str) -> None:
    """Tell the user `text` (once per process)."""
    with _guard:
        if text in _seen:
            return
        _seen.add(text)
        sink = _sink or _to_stderr
    sink(text)


def listen(sink: Callable[[str], None] | None) -> Callable[[str], None] | None:
    """Send notices to `sink` from now on (None: standard error again); returns the previous one."""
    global _sink
    with _guard:
        previous, _sink = _sink, sink
    return previous
