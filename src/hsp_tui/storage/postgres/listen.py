"""Hearing colleagues' changes on a PostgreSQL server as they commit: LISTEN hsp_tui.

hsp-tui sends NOTIFY hsp_tui '{"plan": ..., "number": ...}' after each change commits, in a statement
of its own, best-effort ("number" is null for a whole plan added or replaced, or its contacts
changed). A `Listener` keeps one connection of its own,
in a thread, listening; it calls `on_change(numbers)` for the items named and `on_change(None)`
for a whole-plan notice (both, when both came together) for the plan it follows, and `on_state(connected, reason)` when the connection is lost and when it is back (after
which the caller should read the plan again: what was sent meanwhile is lost). It reconnects by
itself, once a second. Callbacks run in the listener's thread.

Anyone who may connect can send on the channel (`SELECT pg_notify('hsp_tui', ...)`), so a notice
is a hint, never content: only a short payload naming this plan and a whole item number (or null)
counts, anything else (too long, nested, forged) is dropped unread, and whatever goes wrong in the
listening thread is reported through `on_state` and followed by a reconnect, never a silent stop.
"""

from __future__ import annotations

import json
import threading
from typing import Callable

from hsp_tui.domain.errors import HspError
from hsp_tui.storage.postgres.connect import connect, describe_error

CHANNEL = "hsp_tui"
RETRY_SECONDS = 1.0
# The server's own notices are about 40 characters; a longer payload is not ours and is not parsed.
MAX_PAYLOAD = 200
MAX_NUMBER = 2**31 - 1  # an item number is a PostgreSQL integer


class Listener:
    def __init__(self, url: str, plan: str, on_change: Callable[[set[int] | None], None],
                 on_state: Callable[[bool, str], None], *, wait: float = 0.02) -> None:
        self.url, self.plan = url, plan
        self.on_change, self.on_state = on_change, on_state
        self.wait = wait  # how long notifications that arrive together are gathered
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._conn = None
        self._thread = threading.Thread(target=self._run, name="hsp-listen", daemon=True)

    def start(self, timeout: float = 10.0) -> bool:
        """Start listening; True once the first LISTEN is in place (changes from then on are heard)."""
        self._thread.start()
        return self._ready.wait(timeout)

    def stop(self) -> None:
        """Stop listening (within about half a second)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg  # noqa: PLC0415

        connected = None  # unknown until the first try
        while not self._stop.is_set():
            try:
                conn = connect(self.url, autocommit=True)
            except HspError as exc:
                if connected is not False:
                    connected = False
                    self.on_state(False, str(exc))
                self._ready.set()
                self._stop.wait(RETRY_SECONDS)
                continue
            self._conn = conn
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                if connected is False:
                    self.on_state(True, "")
                connected = True
                self._ready.set()
                while not self._stop.is_set():
                    numbers: set[int | None] = set()  # None: the whole plan
                    heard = False
                    for note in conn.notifies(timeout=0.5, stop_after=1):  # wakes to see `stop`
                        heard, numbers = True, self._gather(note.payload, numbers)
                    if not heard:
                        continue
                    if self.wait > 0:  # others committed at the same moment come as one
                        for note in conn.notifies(timeout=self.wait):
                            numbers = self._gather(note.payload, numbers)
                    if None in numbers:
                        self.on_change(None)
                        numbers.discard(None)
                    if numbers:
                        self.on_change(numbers)  # type: ignore[arg-type]
            except Exception as exc:  # noqa: BLE001 - a listener never stops silently: say so, reconnect
                if self._stop.is_set():
                    break
                connected = False
                reason = describe_error(exc, self.url) if isinstance(exc, psycopg.Error) else \
                    f"the listener failed ({type(exc).__name__})"
                self.on_state(False, reason)
                self._stop.wait(RETRY_SECONDS)
            finally:
                self._conn = None
                try:
                    conn.close()
                except Exception:  # noqa: BLE001
                    pass

    def _gather(self, payload: str, numbers: set[int | None]) -> set[int | None]:
        """`numbers` with what this notice names: an item's number, or None for the whole plan.
        A notice for another plan, or one that is not the server's own shape, adds nothing."""
        heard = hint(payload, self.plan)
        if heard is not False:
            numbers.add(heard)
        return numbers


def hint(payload: object, plan: str) -> int | None | bool:
    """What a notice says about `plan`: an item's number, None (the whole plan), or False (nothing:
    another plan's, or not a notice the server sends)."""
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD:  # also bounds how deep it can nest
        return False
    try:
        note = json.loads(payload)
    except Exception:  # noqa: BLE001 - whatever it is, it is not ours
        return False
    if not isinstance(note, dict) or set(note) != {"plan", "number"} or note["plan"] != plan:
        return False
    number = note["number"]
    if number is None:
        return None
    if type(number) is not int or not 1 <= number <= MAX_NUMBER:  # True is an int to Python: not here
        return False
    return number
