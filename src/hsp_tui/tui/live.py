"""The app's live link to a plan on a database server (`--db postgresql://...`).

A file is polled (`HspApp.check_file`); a server tells: the store's `listener` (the backend's
declared way of telling, `contract.Backend.listener`) hears each change as it commits, and this
link re-reads only the items named (`Store.load_items`), judges them and shows them in place (the
cursor stays where it is). When the connection is lost the app says so and keeps the
last state on screen; changes are refused with a notice (never queued); once the listener is back,
the whole plan is read again.

The app holds at most one link (`attach` gives None for a file).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from hsp_tui.domain.errors import HspError
from hsp_tui.domain.review import review_item
from hsp_tui.tui.view import PATCH_AT_MOST, PlanView

if TYPE_CHECKING:
    from hsp_tui.tui.planapp import PlanApp


def attach(app: "PlanApp") -> "ServerLink | None":
    link = ServerLink(app)
    if link.listener is None:  # the store cannot tell (a file): the app polls it
        return None
    link.start()
    return link


class ServerLink:
    def __init__(self, app: "PlanApp") -> None:
        self.app = app
        self.connected = True
        self.reason = ""
        self.listener = app.store.listener(self._heard, self._state)

    def start(self) -> None:
        self.listener.start()

    def stop(self) -> None:
        self.listener.stop()

    def refusal(self) -> str | None:
        """Why a change cannot be made now (disconnected), or None."""
        if self.connected:
            return None
        return "Not saved: disconnected from the server (retrying); nothing was changed"

    # -- from the listener's thread -------------------------------------------------------------
    def _heard(self, numbers: set[int] | None) -> None:
        self.app.call_from_thread(self._schedule, numbers)

    def _state(self, connected: bool, reason: str) -> None:
        self.app.call_from_thread(self._set_state, connected, reason)

    # -- on the app's loop ----------------------------------------------------------------------
    def _set_state(self, connected: bool, reason: str) -> None:
        self.connected, self.reason = connected, reason
        if not connected:
            self.app.sub_title = "DISCONNECTED from the server: retrying"
            self.app.notify("Disconnected from the server: showing the plan as last read; changes are refused "
                            "until it is back (retrying every second)", severity="error", timeout=10)
            return
        self.app.sub_title = ""
        self._schedule(None)  # what was sent meanwhile was not heard: read the whole plan again
        self.app.notify("Reconnected to the server; the plan has been read again")

    def _schedule(self, numbers: set[int] | None) -> None:
        self.app.run_worker(self._refresh(numbers), group="changes")

    async def _refresh(self, numbers: set[int] | None) -> None:
        app = self.app
        async with app.in_turn():
            try:
                result = await asyncio.to_thread(self._read, numbers)
            except HspError as exc:
                if self.connected:
                    app.notify(f"Cannot re-read the plan: {exc}; showing the last state read", severity="error",
                               timeout=8)
                return
            digest, token, changed = result
            # nothing shown changed (e.g. our own change, already shown): only the version is new
            app.show_plan(digest if digest is not None else app.plan_view, token, changed)

    def _read(self, numbers: set[int] | None):
        """(view or None when nothing shown changed, the plan's token, the items changed: None when
        the whole plan was read)."""
        app = self.app
        store = app.store
        token = store.change_token()
        if (numbers is None or len(numbers) > PATCH_AT_MOST  # many: building the view whole is as quick
                or any(app.plan_view.position(n) is None for n in numbers)):
            return app.judge(store.load), token, None
        digest, changed = app.plan_view, []
        reference = digest.review.plan.meta.date
        for rec in store.load_items(sorted(numbers)):
            index = digest.position(rec.number)
            replaced = digest.review.items[index]
            if replaced.rec == rec:
                continue  # e.g. our own change, already shown
            item = review_item(rec, app.as_of, reference, app.due_soon_days)
            digest = PlanView.of(digest.review.replacing(index, item), previous=digest, changed=item, replaced=replaced)
            changed.append(item)
        # the rows of the items changed are redrawn in place (nothing else is looked at)
        return (digest if changed else None), token, tuple(changed)
