"""The TUI as a writer process: presses status keys in the real app (headless, `App.run_test`).

    tui_writer.py DB PRESSES walk|stay

Prints "ready" once the app shows the plan, waits for a line on stdin, then presses 2 (In progress)
and 3 (Blocked) alternately PRESSES times, on the first row ("stay") or moving down a row after each
press ("walk"). Finally prints every notice the app showed, one per line: "notice <severity> <text>".
"""

import asyncio
import sys
from datetime import date

from hsp_tui.store import Store
from hsp_tui.tui import build_app


async def run() -> None:
    db, presses, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    app = build_app(Store(db), as_of=date(2011, 1, 1), user="tui")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print("ready", flush=True)
        sys.stdin.readline()
        for i in range(presses):
            await pilot.press("2" if i % 2 == 0 else "3")
            await pilot.pause()
            if how == "walk":
                await pilot.press("down")
        for severity, message in app.notices:
            print("notice", severity, " ".join(message.split()), flush=True)


if __name__ == "__main__":
    asyncio.run(run())
