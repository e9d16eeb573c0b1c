"""Keys typed in one burst reach a dialog that is still opening, in order.

The terminal driver hands the app every key of one read at once (a paste, a fast typist, SSH). A key
that opens a dialog is acted on as it arrives (a priority binding), but the dialog focuses its first
field only once it has been composed: the keys typed right after would reach the dialog itself, not
its field, and a key handled by a binding (Ctrl+U, Home) would overtake the letters before it. So
while a dialog opens, the app holds the keys that arrive and passes them on, in order, once the
dialog has the focus where the officer expects it.
"""

from __future__ import annotations

from textual import events
from textual.app import App


class KeyGate(App):
    """Mixed into the app: `hold_keys()` when a dialog is pushed, `release_keys()` once it is ready."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._keys_held: list[events.Key] | None = None  # keys waiting, in the order typed
        self._holding = False

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
            # Behind any key already queued (those are held too, after the ones before them).
            self.call_later(self._pass_held_keys)

    async def _pass_held_keys(self) -> None:
        while self._keys_held and not self._holding:  # a key passed on may open another dialog
            await super().on_event(self._keys_held.pop(0))
        if not self._holding:
            self._keys_held = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and self._keys_held is not None:
            self._keys_held.append(event)
            return
        await super().on_event(event)
