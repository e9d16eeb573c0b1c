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
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.widgets import Input

STRAY_SECONDS = 0.1  # a key stopped on its way (never back at the app) holds the others no longer


class KeyGate(App):
    """Mixed into the app: keys one after the other; `hold_keys()` / `release_keys()` for a dialog."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._keys_held: list[events.Key] | None = None  # keys waiting, in the order typed
        self._holding = False  # a dialog is opening
        self._in_flight: events.Key | None = None  # given to a widget, not yet back at the app

    def push_screen(self, screen, *args, **kwargs):
        """A screen with HOLDS_KEYS = True (the dialogs) calls release_keys() once it has the focus."""
        if getattr(screen, "HOLDS_KEYS", False):
            self.hold_keys()
        return super().push_screen(screen, *args, **kwargs)

    def hold_keys(self) -> None:
        self._holding = True
        if self._keys_held is None:
            self._keys_held = []

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
            await self._take(self._keys_held.pop(0))
        if not self._keys_held and not self._waiting():
            self._keys_held = None

    async def _take(self, event: events.Key) -> None:
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
                if self._keys_held is not None:
                    self._keys_held.append(event)
                else:
                    await self._take(event)
                return
            await super().on_event(event)
            self._back(event)  # back at the app: its binding (if any) has run
            return
        await super().on_event(event)
