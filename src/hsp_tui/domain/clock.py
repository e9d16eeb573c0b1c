"""The local clock: the time of a change or an export, as written into history entries and files.

Read only where a change or an export is made (the file backend's stamp, the command line); the
review date is never read from here (it is passed in).
"""

from __future__ import annotations

from datetime import datetime


def now_iso() -> str:
    """The time of a change, ISO 8601 with the local UTC offset."""
    return datetime.now().astimezone().isoformat(timespec="seconds")
