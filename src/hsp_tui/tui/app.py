"""The app: owns the store and the current review; the screens show it and ask it for changes."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import AsyncIterator, Callable, Sequence

from textual.actions import SkipAction
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from hsp_tui.formats.formatting import fmt_date
from hsp_tui.cli.config import Settings
from hsp_tui.storage.backends import LockWait, Token
from hsp_tui.domain.commands import AddNote, Command, Undo
from hsp_tui.domain.errors import ConflictError, HspError
from hsp_tui.domain.model import Plan
from hsp_tui.domain.review import DEFAULT_DUE_SOON_DAYS, ItemReview, Review
from hsp_tui.storage.store import Change, Store, now_iso
from hsp_tui.domain.textsafe import visible
from hsp_tui.tui.bindings import key_name
from hsp_tui.tui.driver import paste_safe
from hsp_tui.tui.keyhelp import KeyHelp
from hsp_tui.tui.toasts import Toasts
from hsp_tui.tui.words import REVIEW_DATE_RULE, long_past_hint, saved_words, stood_refusal, unchanged_words, undone_words
from hsp_tui.tui.keys import KeyGate
from hsp_tui.tui.lockwait import LockWaits
from hsp_tui.tui.messages import PlanChangeRequested
from hsp_tui.tui.screens.main import MainScreen
from hsp_tui.tui import contact_actions as followup
from hsp_tui.tui.collector import Collector
from hsp_tui.tui.watch import Watcher
from hsp_tui.tui.view import PlanView, after_change, judged
from hsp_tui.tui import access_words

POLL_SECONDS = 1.0
# A plan with more items than this shows its first items at once and reads the rest in a thread.
FIRST_ITEMS = 100
# Up to this many items a change is saved in the event loop itself (a few milliseconds): the file is
# written before the next key is read. A larger plan is saved in a thread so the keys keep working.
SAVE_IN_LOOP = 2000
class HspApp(Toasts, KeyHelp, KeyGate, App[int]):
    CSS_PATH = "hsp.tcss"
    TITLE = "hsp-tui"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        # Ctrl+C quits as q does (Textual's own Ctrl+C only shows a notice), from any screen.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit_ctrl_c"),
        Binding("escape", "stop_waiting", "Stop waiting for the lock", show=False, priority=True, id="stop_waiting"),
    ]

    def __init__(self, store: Store, *, as_of: date, user: str, as_of_given: bool = False,
                 due_soon_days: int = DEFAULT_DUE_SOON_DAYS, settings: Settings | None = None,
                 clock: Callable[[], str] = now_iso, poll_seconds: float = POLL_SECONDS) -> None:
        """Reads the plan's first items (`Store.load_head`): a bad plan is refused here, before the
        app starts; the rest of a large plan is read once its first screen shows."""
        super().__init__()
        self.store = store
        self.as_of = as_of
        self.as_of_given = as_of_given
        self.user = user
        self.due_soon_days = due_soon_days
        self.settings = settings or Settings()
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.failure: HspError | None = None  # why the app stopped, if the plan could not be read
        self.collector = Collector()
        self._token: Token = store.change_token()  # the version of the plan shown: taken before it is read
        self.access = store.access()  # where the plan is and what this user may do: asked once
        self.alarm: str | None = None  # the server is gone: said in the header until it is back
        self.drafts: dict[int, str] = {}  # notes typed whose save failed, by item: offered again
        with self.collector.reading():
            head = store.load_head(FIRST_ITEMS)
            self.plan_view = judged(head.plan, as_of, due_soon_days, replay=as_of_given, total=head.total,
                                    complete=head.complete)
        self._partial = not head.complete  # the rest is read once the first screen shows
        # A plan whose every date is over a year past, judged as of today because no date was given,
        # shows nearly everything overdue: the header says so (in short, never over the rows) and the
        # review date dialog says how to review it as of another date, until a date is given.
        self.long_past = long_past_hint(self.review, as_of_given)
        del head
        self._one_at_a_time = asyncio.Lock()  # changes, reloads and re-reviews take turns
        self.lock_waits = LockWaits(self)  # a change waits for the plan's lock without blocking the screen
        self._loaded = asyncio.Event()  # every item has been read: changes may start
        if not self._partial:
            self._loaded.set()
        self.undo_stack: list[tuple[int, int, str]] = []  # (number, history entry id, what it did)
        self.remind_target = ""  # where reminders were last sent in this session (offered first next time)
        self.watcher = Watcher(self)  # colleagues' saves, told by a server or polled from a file

    # -- start ----------------------------------------------------------------------------------
    def get_driver_class(self) -> type:
        return paste_safe(super().get_driver_class())  # a paste stays a paste (tui/driver.py)

    def get_default_screen(self) -> Screen:
        return MainScreen(self.size)

    def on_mount(self) -> None:
        if self.settings.theme:
            self.theme = self.settings.theme
        if self.settings.keys:
            # "?" in the file means the key Textual calls "question_mark".
            self.set_keymap({binding_id: ",".join(key_name(k) for k in keys.split(","))
                             for binding_id, keys in self.settings.keys.items()})
        self.watcher.start(self.poll_seconds)
        self.listen_to_storage()  # a planted journal ignored, a backup skipped: said as notices

    def on_unmount(self) -> None:
        self.stop_listening()
        self.collector.close()
        self.watcher.stop()

    @property
    def review(self) -> Review:
        return self.plan_view.review

    @property
    def loading(self) -> bool:
        return not self.plan_view.complete

    def first_screen_shown(self) -> None:
        """Once the first screen shows: the collector runs again (tui/collector.py); every item of a
        large plan is read, built and reviewed, in a thread."""
        self.collector.started()
        if self._partial:
            self._partial = False
            self.run_worker(self._read_the_rest(), group="changes")

    # -- the app's own API for its screens and helpers (tui/contact_actions.py, tui/watch.py) ------------
    # Called directly, not through messages: each runs inside the caller's turn (`in_turn`), so the
    # next change in the queue already sees the plan it showed.
    @asynccontextmanager
    async def in_turn(self) -> AsyncIterator[None]:
        """`async with app.in_turn():` once the whole plan has been read, and one at a time with
        every other change, reload and re-review, in the order asked."""
        await self._loaded.wait()
        async with self._one_at_a_time:
            yield

    def judge(self, read: Callable[[], Plan], as_of: date | None = None, *, rest: bool = False) -> PlanView:
        """A whole plan read by `read()`, as it stood at the end of `as_of` (default: the review date)
        and judged as of that day, ready to show (`view.judged`); safe in a thread (see `collector`;
        `rest`: the rest of the plan first shown in part)."""
        with self.collector.reading(rest=rest):
            day = as_of or self.as_of
            return judged(read(), day, self.due_soon_days, replay=self.as_of_given or day != self.as_of)

    async def _read_the_rest(self) -> None:
        async with self._one_at_a_time:
            try:
                view = await asyncio.to_thread(partial(self.judge, self.store.load_rest, rest=True))
            except HspError as exc:
                self.failure = exc
                self.exit(1)
                return
            self._show(view)
            self._loaded.set()

    def _show(self, view: PlanView) -> None:
        old, self.plan_view = self.plan_view, view
        self.main.show_review(view, keep=self.main.table.current_number)
        self._keys_for(old, view)

    def _keys_for(self, old: PlanView, view: PlanView) -> None:
        if old.replayed != view.replayed:  # the change keys leave the footer (as it stood), or come back
            self.main.refresh_bindings()

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    # -- where the plan is and what this user may do ---------------------------------------------
    def refusal_for(self, action: str) -> str | None:
        """Why this user may not do what the key `action` does here, or None (tui/access.py); while the
        plan is shown as it stood on a past day under later changes, no change key works."""
        if self.plan_view.replayed and access_words.changes(action):
            return stood_refusal(self.as_of)
        return access_words.refusal(self.access, action)

    def place_words(self) -> str | None:
        return access_words.place(self.access)

    def help_footnote(self) -> str:
        return access_words.help_footnote(self.access) + REVIEW_DATE_RULE

    def set_alarm(self, words: str | None) -> None:
        """Say `words` in the header until called again with None (the server is gone, then back)."""
        self.alarm = words
        self.main.show_place()

    # -- changes --------------------------------------------------------------------------------
    def on_plan_change_requested(self, message: PlanChangeRequested) -> None:
        self.change(message.command, message.on)

    def _keep_draft(self, command: Command) -> str:
        """A note whose save failed is kept, to be offered again by `n`: the words to add to the notice."""
        if isinstance(command, AddNote):
            self.drafts[command.number] = command.text
            return f"; your note is kept: n on No. {command.number} offers it again"
        return ""

    def change(self, command: Command, on: date | None = None) -> None:
        """Queue one change (saved locked, on the plan as it is then); show the plan as saved.

        Changes are made one at a time, in the order asked, each after the plan has been read in
        full, so each applies to what the earlier ones left; whether it changes anything is decided
        on the plan under the backend's lock. On an ordinary plan the save is done before the next
        key is read; on a large one (more than SAVE_IN_LOOP items) it runs in a thread and the keys
        keep working meanwhile. `on`: the day it happened (default: `change_day`).
        """
        if why := self.watcher.refusal():  # disconnected: refused, never queued
            self.notify(why + self._keep_draft(command), severity="error", timeout=8)
            return
        self.run_worker(self.lock_waits.ticketed(self._change(command, on)), group="changes")

    async def _change(self, command: Command, on: date | None = None) -> None:
        async with self.in_turn():
            if self.plan_view.replayed:  # asked before a new review date showed the plan as it stood
                self.notify(stood_refusal(self.as_of) + self._keep_draft(command), severity="warning", timeout=10)
                return
            try:
                change, view, item = await self._run_save(command, self._token, on)
            except (HspError, OSError) as exc:
                self.notify(f"Not saved: {exc}{self._keep_draft(command)}", severity="error", timeout=8)
                return
            if isinstance(command, AddNote):
                self.drafts.pop(command.number, None)
            self.show_plan(view, change.after, None if item is None else (item,))  # even when nothing changed
            self.watcher.saved(change.before, change.after)
            if change.entry is None:  # e.g. already so, or someone else had already made the same change
                self.notify(f"No change: {unchanged_words(change.summary)}")
                return
            summary = saved_words(change)
            self.undo_stack.append((change.number, change.entry.id, summary))
            self.notify(f"Saved. {summary}")

    def open_contacts(self) -> None:
        """The owners' e-mail addresses in a dialog; each change saved in turn (tui/followup.py)."""
        followup.open_contacts(self)

    def open_reminders(self) -> None:
        """Remind the owners of what is overdue or due soon, by e-mail or to a folder (tui/followup.py)."""
        followup.open_reminders(self)

    def review_on(self, day: date) -> None:
        """Judge the plan as of `day` from now on (the review date), without re-reading the file."""
        self.run_worker(self._review_on(day), group="changes")

    async def _review_on(self, day: date) -> None:
        async with self.in_turn():
            today = self.today()
            if day == self.as_of and (day != today or not self.as_of_given):
                self.notify(f"No change: the review date is already {fmt_date(day)}")
                return
            self.as_of, self.as_of_given = day, day != today  # today's date: today's plan, as at start
            build = partial(self.judge, lambda now=self.plan_view.plan_now: now, day)
            view = build() if len(self.review.items) <= SAVE_IN_LOOP else await asyncio.to_thread(build)
            self._show(view)
            rv = view.review
            stood = (f"the plan as it stood then, read-only (changes took effect after it); "
                     if view.replayed else "")
            self.notify(f"Review date now {fmt_date(day)}{'' if self.as_of_given else ' (today)'}: {stood}"
                        f"{len(rv.overdue)} overdue, {len(rv.due_soon)} due soon")

    def undo_last(self) -> None:
        if why := self.watcher.refusal():
            self.notify(why, severity="error", timeout=8)
            return
        self.run_worker(self.lock_waits.ticketed(self._undo()), group="changes")

    async def _undo(self) -> None:
        async with self.in_turn():
            if self.plan_view.replayed:
                self.notify(stood_refusal(self.as_of), severity="warning", timeout=10)
                return
            if not self.undo_stack:
                self.notify("Nothing to undo: you have made no change in this session", severity="warning")
                return
            number, entry_id, summary = self.undo_stack.pop()
            try:
                change, view, item = await self._run_save(Undo(number, entry_id), self._token)
            except ConflictError as exc:
                # Refused for good (the item changed since): say what `u` would undo next, so the
                # next press never undoes an older change unannounced.
                nxt = (f"u now undoes the change before it ({self.undo_stack[-1][2]})" if self.undo_stack
                       else "nothing else to undo")
                self.notify(f"Cannot undo ({summary}): {exc}. {nxt}", severity="error", timeout=12)
                return
            except (HspError, OSError) as exc:
                self.undo_stack.append((number, entry_id, summary))  # not tried: u tries it again
                self.notify(f"Cannot undo ({summary}): {exc}; u tries again", severity="error", timeout=8)
                return
            self.show_plan(view, change.after, None if item is None else (item,))
            self.watcher.saved(change.before, change.after)
            self.main.table.go_to(number)
            self.notify(f"Undone: {undone_words(change)} (kept in the history as change #{change.entry.id})")

    async def _run_save(self, command: Command, seen: Token,
                        on: date | None = None) -> tuple[Change, PlanView, ItemReview | None]:
        """`_save` here and now for an ordinary plan; in a thread for a large one, or while waiting
        for someone else's lock (see lockwait)."""
        return await self.lock_waits.save(partial(self._save, command, seen, on=on),
                                          in_loop=len(self.review.items) <= SAVE_IN_LOOP)

    def action_stop_waiting(self) -> None:
        """Escape while a change waits for the lock: stop waiting (elsewhere Escape does what it did)."""
        if not isinstance(self.screen, MainScreen) or not self.lock_waits.stop():
            raise SkipAction()

    def _save(self, command: Command, seen: Token, wait: LockWait,
              on: date | None = None) -> tuple[Change, PlanView, ItemReview | None]:
        """The change (waiting for the lock as `wait` says: see lockwait), then what to show (nothing
        else takes its turn meanwhile; maybe in a thread).

        When nobody else had saved since the plan shown was read (`seen`), only the changed item is
        judged again (O(1) instead of re-reading every item of a large plan); otherwise the whole
        plan as saved.
        """
        change = self.store.run(command, by=self.user, wait=wait, **self.change_day(on))
        patched = after_change(self.plan_view, change, seen)
        if patched is not None:
            return change, *patched
        return change, self.judge(lambda: change.plan), None

    def today(self) -> date:
        """Today, by the app's clock."""
        return date.fromisoformat(self.clock()[:10])

    def change_day(self, on: date | None = None) -> dict[str, date]:
        """When a change takes effect, as on the command line: on `on` (the day a dialog was told it
        happened), else on the review date when one was given (--as-of, or `r`), never after today
        (the app's clock); else the day it is recorded."""
        today = self.today()
        if on is not None:
            return {"on": on, "today": today}
        if not self.as_of_given:
            return {}
        return {"on": min(self.as_of, today), "today": today}

    async def show_saved(self) -> None:
        """Read the whole plan as saved now (in a thread), judge it and show it. In turn (`in_turn`)."""
        token = self.store.change_token()  # taken before the read: a save meanwhile is seen next time
        self.show_plan(await asyncio.to_thread(self.judge, self.store.load), token)

    def show_plan(self, view: PlanView, token: Token, changed: Sequence[ItemReview] | None = None) -> None:
        """Show `view`, the plan as saved at `token` (by us or by someone else); `changed`: the items
        that differ from the plan shown, when nothing else does. Call it in turn (`in_turn`)."""
        old, self.plan_view, self._token = self.plan_view, view, token
        if view is not old:
            self.main.apply_review(old.review, view, changed=changed)
            self._keys_for(old, view)

    @property
    def shown_token(self) -> Token:
        """The version of the plan shown (as its backend counts changes)."""
        return self._token

    def check_file(self) -> None:
        """Reload when another process has saved the file (what the poll timer runs; tui/watch.py)."""
        self.watcher.poll()

    def cursor_number(self) -> int | None:
        return self.main.table.current_number

    @property
    def busy(self) -> bool:
        """A change, reload or re-review is under way, or the plan is not read in full yet."""
        return self._one_at_a_time.locked() or not self._loaded.is_set()

    def export(self, fmt: str, path: Path) -> str | None:
        """Write the plan as shown to `path` (never over the plan's own files); None, or why not."""
        from hsp_tui.formats.exports import FORMAT_WORDS, write_export  # noqa: PLC0415 - at the key

        try:
            write_export(self.review, fmt, path, exported_at=self.clock(), plan_path=self.store.path,
                         escalate_after=self.settings.escalate_after)  # the board report lists the escalated
        except (HspError, OSError) as exc:
            return f"Export failed: {visible(str(exc))}"
        self.notify(f"Exported {len(self.review.items)} recommendations as {FORMAT_WORDS.get(fmt, fmt)} to {path}")
        return None
