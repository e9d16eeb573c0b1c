"""The app's one watcher of the plan: colleagues' saves, from whichever source the backend gives.

Two sources, one job; each backend gives its own (`Store.listener`). A server tells: its listener
hears each change as it commits and names the items. A file gives none, so its change token is
polled, once a second, on the app's loop (`poll`). Either way the watcher re-reads only what it must (the items named; the whole plan
when a file changed or the plan was replaced), shows it in place (the cursor stays on its item),
and says which items changed and who changed them.

A server's notice is a hint (anyone who may connect can send one): what is shown is always what is
read; a whole-plan hint reads the plan only when its change token has moved since the plan was last
read whole; while the listener is quiet the server's change token is polled every few seconds
(`SERVER_POLL_SECONDS`, one cheap query, in a thread) and a token that moved past the plan as last
read whole is answered as a whole-plan hint (changes made from psql send no notice); hints that come faster than one re-read per `REREAD_SECONDS` are gathered and answered
by one re-read when the interval is over. When the server's connection is lost the header says so
and the last state stays on screen; changes are refused (never queued) until it is back, when the
whole plan is read again.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Callable, Sequence

from hsp_tui.domain.errors import HspError
from hsp_tui.domain.review import ItemReview, review_item
from hsp_tui.tui.view import PATCH_AT_MOST, PlanView, reread, stood_apart
from hsp_tui.tui.words import heard_words

if TYPE_CHECKING:
    from hsp_tui.storage.backends import Token
    from hsp_tui.tui.planapp import PlanApp

REREAD_SECONDS = 1.0  # at most one re-read a second because of a server's notices
# A server's change token is also looked at this often while its listener is quiet: a change made
# from psql (hsp.* called directly) sends no notice (only hsp-tui sends one, after its COMMIT, so
# that a full notification queue never blocks a commit), and is caught up with this way.
SERVER_POLL_SECONDS = 5.0
# Up to this many items a file's plan is re-read in the event loop itself (a few milliseconds);
# a larger one in a thread, in turn, so the keys keep working.
READ_IN_LOOP = 2000

Found = "tuple[PlanView, Sequence[ItemReview] | None] | HspError"


class Watcher:
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
        self.complete: Token = app.shown_token  # the plan's token when it was last read whole
        self._missing = False  # a file that has gone: said once
        self._bad: Token = None  # a file's token that could not be read: not tried again
        self._listener = app.store.listener(self._heard, self._state)  # None: a file, polled
        self.server_poll_seconds = SERVER_POLL_SECONDS
        self._heard_at = float("-inf")  # when the listener last told something (monotonic)
        self._looking = False  # a look at the server's change token is under way
        self.looked_at = float("-inf")  # when the last look ended (monotonic)

    # -- the sources ----------------------------------------------------------------------------
    def start(self, poll_seconds: float) -> None:
        if self._listener is not None:
            self._listener.start()
            self.app.set_interval(1.0, self.poll_server)  # looks only once the listener was quiet long enough
        else:
            self.app.set_interval(poll_seconds, self.poll)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
        if self._timer is not None:
            self._timer.stop()

    def refusal(self) -> str | None:
        """Why a change cannot be made now (the server is gone), or None."""
        if self.connected:
            return None
        return "Not saved: disconnected from the server (retrying); nothing was changed"

    def saved(self, before: "Token", after: "Token") -> None:
        """The app's own change, shown whole as saved at `after` when it was made on the plan as
        last read whole: that is then the plan read whole."""
        if before == self.complete:
            self.complete = after

    # -- a file: polled ---------------------------------------------------------------------------
    def poll(self) -> None:
        """Reload when another process has saved the file; keep the cursor on the same item."""
        app = self.app
        if self._listener is not None or app.busy:  # a server tells; busy: look again next time  # a change or a read under way: look again next time
            return
        sig = app.store.change_token()
        if sig == app.shown_token:
            return
        if sig is None:
            if not self._missing:
                self._missing = True
                app.notify(f"{app.store.path} has gone (moved or deleted); showing the last copy read",
                           severity="error", timeout=10)
            return
        self._missing = False
        if sig == self._bad:
            return
        if len(app.review.items) <= READ_IN_LOOP:
            self._reloaded(sig, self._read_file())
        else:  # a large plan is read and reviewed in a thread, in turn, so the keys keep working
            app.run_worker(self._reload_in_turn(sig), group="changes")

    def _read_file(self) -> Found:
        """The plan as saved elsewhere, with the items changed (None: judged whole)."""
        try:
            return self._read_whole()
        except HspError as exc:
            return exc

    def _read_whole(self) -> tuple[PlanView, Sequence[ItemReview] | None]:
        app = self.app
        with app.collector.reading():
            plan = app.store.load()
            return reread(app.plan_view, plan) or (app.judge(lambda: plan), None)

    async def _reload_in_turn(self, sig: "Token") -> None:
        async with self.app.in_turn():
            if self.app.store.change_token() != sig:  # saved again meanwhile: the next poll takes the latest
                return
            found = await asyncio.to_thread(self._read_file)
            self._reloaded(sig, found)

    def _reloaded(self, sig: "Token", found: Found) -> None:
        """Show the file as another process saved it, keeping the cursor on the same item."""
        app = self.app
        if isinstance(found, HspError):
            self._bad = sig
            app.notify(f"Cannot re-read the file: {found}; showing the last good copy", severity="error", timeout=10)
            return
        view, changed = found
        number = app.cursor_number()
        app.show_plan(view, sig, changed)
        self.complete = sig
        where = f"; still on No. {number}" if number is not None and app.cursor_number() == number else ""
        what = f". {heard_words(changed, 'Changed')}" if changed else ""
        app.notify(f"The file was changed elsewhere and has been reloaded{where}{what}")

    # -- a server: told, from the listener's thread; polled while it is quiet ---------------------
    def _heard(self, numbers: set[int] | None) -> None:
        self._heard_at = time.monotonic()
        self.app.call_from_thread(self._hint, numbers)

    def poll_server(self) -> None:
        """Look at the server's change token once the listener has been quiet for
        `server_poll_seconds` (and no look, re-read or change is under way)."""
        app = self.app
        if (not self.connected or self._looking or self._busy or self._timer is not None or app.busy
                or time.monotonic() - max(self._heard_at, self._last, self.looked_at) < self.server_poll_seconds):
            return
        self._looking = True
        app.run_worker(self._look(), group="server-poll")

    async def _look(self) -> None:
        try:
            token = await asyncio.to_thread(self.app.store.change_token)
        except HspError:
            return  # the listener says when the server is gone
        finally:
            self._looking, self.looked_at = False, time.monotonic()  # the next after another quiet interval
        if token != self.complete and not self.app.busy:
            self._hint(None)  # moved without a notice (psql), or past hinted items: read the plan whole

    def _state(self, connected: bool, reason: str) -> None:
        self.app.call_from_thread(self._set_state, connected, reason)

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
                    return  # nothing changed since the plan was read whole (a forged or repeated notice)
                view, token, changed = result
                # nothing shown changed (e.g. our own change, already shown): only the version is new
                app.show_plan(view if view is not None else app.plan_view, token, changed)
                if changed:
                    app.notify(heard_words(changed))
        finally:
            self._busy = False
            if self.whole or self.pending:
                self._hint(set())  # what was heard meanwhile, after the interval

    def _read(self, numbers: set[int], whole: bool):
        """(view or None when nothing shown changed, the plan's token, the items changed); None when
        nothing was to be read. In a thread."""
        app = self.app
        token = app.store.change_token()
        if whole and token != self.complete or len(numbers) > PATCH_AT_MOST:
            return self._whole(token)  # many items: building the view whole is as quick
        if not numbers:
            return None
        view, changed = app.plan_view, []
        if view.replayed:  # the plan as it stood on the review date: replayed whole
            return self._whole(token)
        reference = view.review.plan.meta.date
        entries = 0  # the history entries these items gained since shown: one per change
        for rec in app.store.load_items(sorted(numbers)):
            index = view.position(rec.number)
            # an item the plan shown does not have (the plan was replaced), or one changed after the
            # review date (the plan shown becomes the plan as it stood): the plan is read whole
            if index is None or stood_apart(view, rec):
                return self._whole(token)
            replaced = view.review.items[index]
            if replaced.rec == rec:
                continue  # e.g. our own change, already shown
            entries += len(rec.history) - len(replaced.rec.history)
            item = review_item(rec, app.as_of, reference, app.due_soon_days)
            view = PlanView.of(view.review.replacing(index, item), previous=view, changed=item, replaced=replaced)
            changed.append(item)
        if _accounted(self.complete, token, entries):
            self.complete = token  # every change since the plan was read whole is in these items
        # the rows of the items changed are redrawn in place (nothing else is looked at)
        return (view if changed else None), token, tuple(changed)

    def _whole(self, token: "Token"):
        view, changed = self._read_whole()
        self.complete = token  # taken before the read: every change up to it is in the view
        return view, token, changed


def _accounted(complete: "Token", token: "Token", entries: int) -> bool:
    """Whether a server's plan moved from `complete` to `token` by exactly the `entries` changes
    just read (each change appends one history entry and counts one on the plan's version): then
    nothing else changed, e.g. from psql, which sends no notice. Otherwise the next quiet look
    (`Watcher.poll_server`) reads the plan whole. (Items read may hold changes newer than `token`,
    which was taken first: then it is not accounted either, and the plan is read whole once.)"""
    if not (isinstance(complete, tuple) and isinstance(token, tuple) and len(complete) == len(token) == 2):
        return False
    return complete[0] == token[0] and token[1] - complete[1] == entries
