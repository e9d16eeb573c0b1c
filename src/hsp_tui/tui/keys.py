"""Keys typed in one burst are handled one after the other, in the order typed.

The terminal driver hands the app every key of one read at once (a paste, a fast typist, SSH).
Textual passes each key to the focused widget's queue at once, and acts on the key's binding only
when the key has bubbled back up to the app: a key that opens a dialog or moves the focus is acted on
after the keys behind it were already given to the old focus ("n" and a note: the note's letters
went to the table). So the app holds the keys that arrive:

- on a screen that asks for it (KEYS_IN_ORDER: the main screen, the dialogs), while the key before is
  still on its way through the widgets (a letter typed into an input box is taken there, in order);
- while a dialog opens (HOLDS_KEYS: the dialogs), until it has the focus where the officer expects it;

and passes them on, in order, once that is done.

A bracketed paste is text, never keys: it waits in the same queue, then goes into the input box
that has the focus as one line with every control character spelled out (`\\x1b`: nothing in it
runs); where no box has the focus it does nothing, and says so.

Two exceptions: Ctrl+C is acted on as it arrives, whatever is held (it always quits at once); and
once the app is quitting, the keys still arriving are dropped (a dialog opened by `e` in `q e`
would be built while the app is taken down).
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.widgets import Input

from hsp_tui.domain.textsafe import visible

STRAY_SECONDS = 0.1  # a key stopped on its way (never back at the app) holds the others no longer
HOLD_CHECK_SECONDS = 0.5  # how often a dialog still opening is looked at (see _watch_hold)
URGENT_KEYS = ("ctrl+c",)  # never held behind other keys
PASTE_REFUSED = ("Pasted text is not run as keys: paste into a text box (n: a note, e: the owner, "
                 "/: the filter)")


class KeyGate(App):
    """Mixed into the app: keys one after the other; `hold_keys()` / `release_keys()` for a dialog."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._keys_held: list[events.Key | events.Paste] | None = None  # keys waiting, in the order typed
        self._holding = False  # a dialog is opening
        self._holds = 0  # how many times keys were held (a later hold is not ended by an earlier limit)
        self._in_flight: events.Key | None = None  # given to a widget, not yet back at the app

    @property
    def quitting(self) -> bool:
        return self.return_code is not None

    def push_screen(self, screen, *args, **kwargs):
        """A screen with HOLDS_KEYS = True (the dialogs) calls release_keys() once it has the focus.
        Nothing opens once the app is quitting."""
        if self.quitting:
            return AwaitComplete.nothing()
        if getattr(screen, "HOLDS_KEYS", False):
            self.hold_keys()
            self._holds += 1
            self._watch_hold(screen, self._holds)
        return super().push_screen(screen, *args, **kwargs)

    def hold_keys(self) -> None:
        self._holding = True
        if self._keys_held is None:
            self._keys_held = []

    def _watch_hold(self, screen, hold: int) -> None:
        """A screen that is gone without ever coming up must not hold the keys for good (Escape and
        q would wait behind them forever); one still opening (a busy machine) goes on holding."""
        def check() -> None:
            if self._holds != hold or not self._holding:
                return
            if screen in self.screen_stack:
                self._watch_hold(screen, hold)
            else:
                self.release_keys()

        self.set_timer(HOLD_CHECK_SECONDS, check)

    def release_keys(self) -> None:
        if self._holding:
            self._holding = False
            self._pass_soon()

    def _waiting(self) -> bool:
        return self._holding or self._in_flight is not None

    def _pass_soon(self) -> None:
        # Behind any key already queued (those are held too, after the ones before them).
        if self._keys_held is not None:
            self.call_later(self._pass_held_keys)

    async def _pass_held_keys(self) -> None:
        while self._keys_held and not self._waiting():  # a key passed on may hold the next ones
            held = self._keys_held.pop(0)
            if isinstance(held, events.Paste):
                await self._paste(held)
            else:
                await self._take(held)
        if not self._keys_held and not self._waiting():
            self._keys_held = None

    async def _take(self, event: events.Key) -> None:
        if self.quitting:
            return
        # An input box takes a letter in its own queue, in order: only the other keys (Enter, Tab,
        # Ctrl+U...) make the next ones wait.
        typed = isinstance(self.focused, Input) and event.is_printable
        in_order = getattr(self.screen, "KEYS_IN_ORDER", False) and not typed
        await super().on_event(event)
        if in_order and event.is_forwarded and self._in_flight is None:  # not taken by a priority binding
            self._in_flight = event
            if self._keys_held is None:
                self._keys_held = []
            self.set_timer(STRAY_SECONDS, lambda: self._back(event))

    async def _paste(self, event: events.Paste) -> None:
        if self.quitting:
            return
        if isinstance(self.focused, Input):
            await super().on_event(events.Paste(visible(event.text)))
        else:
            self.notify(PASTE_REFUSED, severity="warning")

    def key_handled(self, event: events.Key) -> None:
        """A screen that stops a key on its way (it handled it) lets the next ones through at once."""
        self._back(event)

    def _back(self, event: events.Key) -> None:
        if self._in_flight is event:
            self._in_flight = None
            self._pass_soon()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                if self.quitting:
                    return
                if event.key in URGENT_KEYS:
                    await super().on_event(event)
                elif self._keys_held is not None:
                    self._keys_held.append(event)
                else:
                    await self._take(event)
                return
            await super().on_event(event)
            self._back(event)  # back at the app: its binding (if any) has run
            return
        if isinstance(event, events.Paste) and not event.is_forwarded:
            if self._keys_held is not None:
                self._keys_held.append(event)
            else:
                await self._paste(event)
            return
        await super().on_event(event)


def pass_on(screen, event: events.Key) -> None:
    """`event` reached `screen` after it decided to close (a dialog, the palette, the help): the app
    gives it to the screen now on top, after the keys already waiting."""
    event.stop()
    event.prevent_default()
    handled = getattr(screen.app, "key_handled", None)
    if handled is not None:
        handled(event)
    screen.app.post_message(events.Key(event.key, event.character))
