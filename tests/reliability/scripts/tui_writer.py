"""The TUI as a writer process: presses status keys in the real app (headless, `App.run_test`).

    tui_writer.py DB PRESSES walk|stay

Prints "ready" once the app shows the plan, waits for a line on stdin, then presses 2 (In progress)
and 3 (Blocked) alternately PRESSES times, on the first row ("stay") or moving down a row after each
press ("walk"). Finally prints every notice the app showed, one per line: "notice <severity> <text>".
"""

import asyncio
import sys
from datetime import date

from textual.notifications import Notify

from hsp_tui.storage.store import Store
from hsp_tui.tui import build_app


async def run() -> None:
    db, presses, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    app = build_app(Store(db), as_of=date(2011, 1, 1), as_of_given=True, user="tui")  # as `hsp-tui --as-of`
    said = []  # each notification the app shows, as Textual receives it (its public testing hook)

    def hear(message) -> None:
        if isinstance(message, Notify):
            said.append(message.notification)

    async with app.run_test(size=(120, 40), message_hook=hear) as pilot:
        await pilot.pause()
        print("ready", flush=True)
        sys.stdin.readline()
        for i in range(presses):
            await pilot.press("2" if i % 2 == 0 else "3")
            await pilot.pause()
            if how == "walk":
                await pilot.press("down")
        await app.workers.wait_for_complete()  # the last change saved and said
        await pilot.pause()  # and its notification delivered
        for notice in said:
            print("notice", notice.severity, " ".join(notice.message.split()), flush=True)


if __name__ == "__main__":
    asyncio.run(run())
