"""The app's live link to a plan on a database server (`--db postgresql://...`).

A file is polled (`HspApp.check_file`); a server tells: the store's `listener` hears each
change as it commits, and this link re-reads only the items named, judges them and shows them in
place (the cursor stays where it is). When the connection is lost the app says so and keeps the
last state on screen; changes are refused with a notice (never queued); once the listener is back,
the whole plan is read again.

A notice is a hint (anyone who may connect can send one): it only says "look again". What is shown
is always what is read from the server; a whole-plan hint reads the plan only when its change token
has moved; and hints that come faster than one re-read per `REREAD_SECONDS` are gathered and
answered by one re-read when the interval is over.

The app holds at most one link (`attach` gives None for a file).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from hsp_tui.domain.errors import HspError
from hsp_tui.domain.review import review_item
from hsp_tui.tui.view import PATCH_AT_MOST, PlanView, reread
from hsp_tui.tui.words import heard_words

REREAD_SECONDS = 1.0  # at most one re-read a second because of notices, however many arrive

if TYPE_CHECKING:
    from hsp_tui.tui.planapp import PlanApp


def attach(app: "PlanApp") -> "ServerLink | None":
    link = ServerLink(app)
    if link.listener is None:  # the store cannot tell (a file): the app polls it
        return None
    link.start()
    return link


class ServerLink:
    def __init__(self, app: "PlanApp", *, reread_seconds: float = REREAD_SECONDS) -> None:
        self.app = app
        self.connected = True
        self.reason = ""
        self.reread_seconds = reread_seconds
        self.pending: set[int] = set()  # items named by hints not yet answered
        self.whole = False  # a whole-plan hint not yet answered
        self._busy = False  # a re-read is under way
        self._timer = None
        self._last = float("-inf")  # when the last re-read started (monotonic)
        self.complete = app.shown_token  # the plan's token when it was last read whole
        self.listener = app.store.listener(self._heard, self._state)

    def start(self) -> None:
        self.listener.start()

    def stop(self) -> None:
        self.listener.stop()
        if self._timer is not None:
            self._timer.stop()

    def refusal(self) -> str | None:
        """Why a change cannot be made now (disconnected), or None."""
        if self.connected:
            return None
        return "Not saved: disconnected from the server (retrying); nothing was changed"

    # -- from the listener's thread -------------------------------------------------------------
    def _heard(self, numbers: set[int] | None) -> None:
        self.app.call_from_thread(self._hint, numbers)

    def _state(self, connected: bool, reason: str) -> None:
        self.app.call_from_thread(self._set_state, connected, reason)

    # -- on the app's loop ----------------------------------------------------------------------
    def _set_state(self, connected: bool, reason: str) -> None:
        self.connected, self.reason = connected, reason
        if not connected:
            self.app.set_alarm("DISCONNECTED from the server: showing the plan as last read; changes are "
                               "refused until it is back (retrying)")
            self.app.notify("Disconnected from the server: showing the plan as last read; changes are refused "
                            "until it is back (retrying every second)", severity="error", timeout=10)
            return
        self.app.set_alarm(None)
        self._hint(None)  # what was sent meanwhile was not heard: read the whole plan again
        self.app.notify("Reconnected to the server; the plan has been read again")

    def _hint(self, numbers: set[int] | None) -> None:
        """Gather a hint (items by number, or None: the whole plan); re-read now, or once the
        interval since the last re-read is over."""
        if numbers is None:
            self.whole = True
        else:
            self.pending |= numbers
        if self._busy or self._timer is not None:
            return  # answered when the re-read under way ends, or when the timer fires
        wait = self._last + self.reread_seconds - time.monotonic()
        if wait > 0:
            self._timer = self.app.set_timer(wait, self._flush)
        else:
            self._flush()

    def _flush(self) -> None:
        self._timer = None
        if self._busy or not (self.whole or self.pending):
            return
        (whole, numbers), self.whole, self.pending = (self.whole, self.pending), False, set()
        self._busy, self._last = True, time.monotonic()
        self.app.run_worker(self._refresh(numbers, whole), group="changes")

    def _done(self) -> None:
        self._busy = False
        if self.whole or self.pending:
            self._hint(set())  # what was heard meanwhile, after the interval

    async def _refresh(self, numbers: set[int], whole: bool) -> None:
        app = self.app
        try:
            async with app.in_turn():
                try:
                    result = await asyncio.to_thread(self._read, numbers, whole)
                except HspError as exc:
                    if self.connected:
                        app.notify(f"Cannot re-read the plan: {exc}; showing the last state read",
                                   severity="error", timeout=8)
                    return
                if result is None:
                    return  # nothing changed since the plan shown (e.g. a forged or repeated notice)
                digest, token, changed = result
                # nothing shown changed (e.g. our own change, already shown): only the version is new
                app.show_plan(digest if digest is not None else app.plan_view, token, changed)
                if changed:
                    app.notify(heard_words(changed))
        finally:
            self._done()

    def _read(self, numbers: set[int], whole: bool):
        """(view or None when nothing shown changed, the plan's token, the items changed); None when
        nothing was to be read. A whole-plan hint reads the plan only when its token has moved since
        it was last read whole (so a flood of forged ones costs one small query each interval)."""
        app = self.app
        token = self.app.store.change_token()
        if whole and token != self.complete or len(numbers) > PATCH_AT_MOST:
            return self._whole(token)  # many items: building the view whole is as quick
        if not numbers:
            return None  # nothing changed since the plan was last read whole: a forged or repeated hint
        digest, changed = app.plan_view, []
        reference = digest.review.plan.meta.date
        for rec in self.app.store.load_items(sorted(numbers)):
            index = digest.position(rec.number)
            if index is None:  # an item the plan shown does not have: the plan was replaced
                return self._whole(token)
            replaced = digest.review.items[index]
            if replaced.rec == rec:
                continue  # e.g. our own change, already shown
            item = review_item(rec, app.as_of, reference, app.due_soon_days)
            digest = PlanView.of(digest.review.replacing(index, item), previous=digest, changed=item, replaced=replaced)
            changed.append(item)
        # the rows of the items changed are redrawn in place (nothing else is looked at)
        return (digest if changed else None), token, tuple(changed)

    def _whole(self, token):
        app = self.app
        with app.collector.reading():
            plan = app.store.load()
            view, changed = reread(app.plan_view, plan) or (app.judge(lambda: plan), None)
        self.complete = token  # taken before the read: every change up to it is in the view
        return view, token, changed
