"""The app on a server, driven by Pilot: waits shared by the server's app tests (live view,
notices, the app's header and rights)."""

from __future__ import annotations


async def until(pilot, check, tries: int = 1500) -> bool:
    """Whether `check()` holds within `tries` frames (the caller asserts it)."""
    for _ in range(tries):
        if check():
            return True
        await pilot.pause(0.01)
    return check()


async def settled(pilot) -> None:
    """Until the whole plan is shown and every change asked for has been saved and shown."""
    await until(pilot, lambda: not pilot.app.loading, tries=500)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def header_text(app) -> str:
    return app.main.query_one("#header").content.plain
