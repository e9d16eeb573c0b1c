"""In-process TUI measurements (headless Textual, 120x40), run by run.py for each plan size.

* key to disk: a status key (1-5) on the highlighted row until the plan file on disk has been
  replaced, seen by a thread that stats the file every 0.2 ms; floor: the same file loaded with
  `json`, dumped and fsynced in this process. Also how long the key keeps the interface busy.
* latency of moving, overdue-only and filter keys: from posting the key to the app until the app
  and every widget of the screen have handled it and what it caused (Textual's own "wait for
  screen", without the pilot's idle sleeps); measured first right after the first rows show,
  then once the app is idle.
* the longest event-loop stall seen while doing so (a task that sleeps 1 ms and records overshoot).

    python benchmarks/tui_bench.py --db PLAN.json --as-of 2011-06-01 --repeats 5 --out result.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
import unicodedata
from datetime import date
from pathlib import Path

from textual import events
from textual.keys import _character_to_key, _get_unicode_name_from_key

from hsp_tui.storage.store import Store
from hsp_tui.tui import build_app
from hsp_tui.tui.screens.main import MainScreen


def floor_save(path: Path) -> float:
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        data = json.load(fh)
    with open(str(path) + ".floor", "w") as fh:
        fh.write(json.dumps(data))  # dumps, not dump: json.dump streams through the slow Python encoder
        fh.flush()
        os.fsync(fh.fileno())
    return time.perf_counter() - t0


class FileWatch(threading.Thread):
    """Records when the file's (inode, mtime, size) changes."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.changed_at: float | None = None
        self.stop = False
        self.base = self._sig()

    def _sig(self):
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def run(self) -> None:
        while not self.stop:
            if self._sig() != self.base:
                self.changed_at = time.perf_counter()
                return
            time.sleep(0.0002)


def make_key(key: str) -> events.Key:
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


class Bench:
    def __init__(self, app, pilot) -> None:
        self.app, self.pilot = app, pilot
        self.stalls: list[float] = []
        self._monitor: asyncio.Task | None = None

    async def _watch_loop(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.001)
            self.stalls.append((time.perf_counter() - t - 0.001) * 1000)

    def start_monitor(self) -> None:
        self._monitor = asyncio.ensure_future(self._watch_loop())

    def stop_monitor(self) -> None:
        if self._monitor:
            self._monitor.cancel()

    async def handled(self) -> None:
        """Until the app, then every widget of the screen (twice: follow-up messages), is done."""
        done = asyncio.Event()
        self.app.call_later(done.set)
        await done.wait()
        await self.pilot._wait_for_screen()  # noqa: SLF001 - no public way without idle sleeps
        await self.pilot._wait_for_screen()  # noqa: SLF001

    async def press(self, key: str) -> float:
        """Milliseconds from the key to everything it caused having been handled."""
        ev = make_key(key)
        ev.set_sender(self.app)
        t0 = time.perf_counter()
        self.app.post_message(ev)
        await self.handled()
        return (time.perf_counter() - t0) * 1000

    async def settle(self, quiet: float = 0.3, cap: float = 30.0) -> None:
        """Until no event-loop stall over 5 ms for `quiet` seconds."""
        start = time.perf_counter()
        calm_since = start
        while time.perf_counter() - start < cap:
            t = time.perf_counter()
            await asyncio.sleep(0.005)
            if time.perf_counter() - t > 0.010:
                calm_since = time.perf_counter()
            elif time.perf_counter() - calm_since >= quiet:
                return


async def measure(args) -> dict:
    db = Path(args.db)
    store = Store(db, long_running=True)  # as `hsp-tui` starts the app (tui.app_for)
    app = build_app(store, as_of=date.fromisoformat(args.as_of), user="bench", as_of_given=True)
    result: dict = {"latency": {"move": [], "overdue-only": [], "filter keystroke": [], "clear filters": []},
                    "latency_idle": {"move": [], "overdue-only": [], "filter keystroke": [], "clear filters": []}}
    async with app.run_test(size=(120, 40)) as pilot:
        b = Bench(app, pilot)
        t0 = time.perf_counter()
        while not (isinstance(app.screen, MainScreen) and app.screen.table.row_count):
            await asyncio.sleep(0.002)
            if time.perf_counter() - t0 > 120:
                raise SystemExit("no rows after 120 s")
        await b.handled()  # the first screen has been laid out and painted
        b.start_monitor()
        # No keys: whatever the app does in the background (reading the rest of the plan, showing
        # it, filling the panes) shows as stalls, until 0.5 s after the whole plan is shown.
        t_first = time.perf_counter()
        while app.loading and time.perf_counter() - t_first < 120:
            await asyncio.sleep(0.005)
        result["whole_plan_after_first_rows_s"] = time.perf_counter() - t_first
        await asyncio.sleep(max(0.5, 1.0 - (time.perf_counter() - t_first)))
        result["stall_after_first_rows_ms"] = max(b.stalls, default=0.0)

        async def cycle(into: dict) -> None:
            for _ in range(3):
                into["move"].append(await b.press("down"))
            into["overdue-only"].append(await b.press("o"))  # on
            into["move"].append(await b.press("down"))
            into["overdue-only"].append(await b.press("o"))  # off
            await b.press("slash")
            for ch in "board":
                into["filter keystroke"].append(await b.press(ch))
            await asyncio.sleep(0.15)  # the filter applies once the typing pauses
            into["clear filters"].append(await b.press("escape"))  # the text filter (and the box)
            into["overdue-only"].append(await b.press("o"))  # on
            into["clear filters"].append(await b.press("escape"))  # overdue only
            into["move"].append(await b.press("up"))

        await cycle(result["latency"])  # right after the first rows show
        await b.settle()
        await cycle(result["latency_idle"])
        b.stop_monitor()
        await b.settle()

        # key to disk, interleaved with the floor
        keys, floors, busy, save_stalls = [], [], [], []
        sys.setswitchinterval(0.0002)  # let the watching thread run promptly
        for k in range(args.repeats):
            key = "2" if k % 2 == 0 else "3"  # In progress / Blocked: always a change
            watch = FileWatch(db)
            watch.start()
            ev = make_key(key)
            ev.set_sender(app)
            b.stalls = []
            b.start_monitor()
            t0 = time.perf_counter()
            app.post_message(ev)
            await b.handled()
            t_busy = time.perf_counter() - t0
            deadline = time.perf_counter() + 30
            while watch.changed_at is None and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            watch.stop = True
            if watch.changed_at is None:
                raise SystemExit(f"key {key!r}: the file did not change within 30 s")
            keys.append(watch.changed_at - t0)
            busy.append(t_busy)
            # The saved change is shown, and the deadlines pane rebuilt 0.3 s later: any key
            # pressed meanwhile waits at most the longest stall of the event loop.
            await asyncio.sleep(0.6)
            b.stop_monitor()
            save_stalls.append(max(b.stalls, default=0.0))
            await b.settle(quiet=0.2)
            floors.append(floor_save(db))
            await b.settle(quiet=0.2)
        sys.setswitchinterval(0.005)
        result.update(key="2/3", key_to_disk=keys, key_busy=busy, floor_save=floors, save_stalls_ms=save_stalls)
        await pilot.press("q")
    return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--as-of", default="2011-06-01")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    result = asyncio.run(measure(args))
    Path(args.out).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
