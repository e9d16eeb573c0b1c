"""What every dialog shares: the Dialog base (Enter and Escape decided once, in the order the keys
were typed) and the heading that names the item a dialog is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from rich.text import Text
from textual import events, on
from textual.await_complete import AwaitComplete
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label

from hsp_tui.domain.deadlines import why_not_a_day
from hsp_tui.domain.records import Recommendation
from hsp_tui.domain.textsafe import one_line, visible
from hsp_tui.formats.formatting import fmt_date
from hsp_tui.tui.keys import pass_on

# A whole date, as officers write one; a month alone ("June 2010") is refused, not given a day.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%d %B %Y")
DATE_EXAMPLES = "2010-06-01, 1/6/2010 or 1 Jun 2010"


def not_a_date(typed: str) -> str:
    """What a dialog says of a typed date that `parse_day` cannot read: why, when it is written with
    numbers but names no day (2010-02-30: "February 2010 has 28 days"), else how to write one."""
    why = why_not_a_day(typed)
    shown = visible(" ".join(typed.split())) or "An empty date"  # as typed, a pasted control character spelled out
    return f"{shown} is not a date: {why}." if why else f"{shown} is not a date: write it as {DATE_EXAMPLES}."


def parse_day(text: str) -> date | None:
    """'2010-06-01', '1/6/2010' (UK, day first), '1 Jun 2010' or '1 June 2010'; None if not a date."""
    flat = " ".join(text.split())
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(flat, fmt).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class DayChoice:
    """What a change dialog offers as the day the change happened (its effective day, the command
    line's `--on`): `default` first; not after `today`, not before the plan's date, nor before the
    item's latest change (`since`, YYYY-MM-DD: changes are recorded in the order they happened)."""

    default: date
    today: date
    plan_date: date | None = None
    since: str = ""

    def refusal(self, typed: str, day: date | None) -> str | None:
        """Why `day` (typed as `typed`) cannot be the day it happened, or None."""
        if day is None:
            return not_a_date(typed)
        if day > self.today:
            return f"It cannot have happened after today ({fmt_date(self.today)})."
        if self.plan_date is not None and day < self.plan_date:
            return f"It cannot have happened before the plan's date ({fmt_date(self.plan_date)})."
        if day.isoformat() < self.since:
            return (f"It cannot have happened before this item's latest change "
                    f"({fmt_date(date.fromisoformat(self.since))}): changes are recorded in the order they happened.")
        return None


def heading(rec: Recommendation) -> Text:
    return Text(f"No. {rec.number} · {one_line(rec.title, 60)}")


T = TypeVar("T")


class PassesKeysOn:
    """Mixed into a screen that closes by a key (the progress chart, the help): the keys typed after
    the one that closes it go to the screen below, in order, as after a dialog.

    KEYS_IN_ORDER: each key is acted on before the next reaches the screen; HOLDS_KEYS: the keys
    typed while it opens wait until it has the focus. A key that still reaches it once it is
    closing is handed back to the app, which gives it to the screen now on top."""

    HOLDS_KEYS = True
    KEYS_IN_ORDER = True
    closing = False

    def on_screen_resume(self) -> None:
        release = getattr(self.app, "release_keys", None)
        if release is not None:
            release()

    def close(self) -> None:
        if self.closing or not self.is_current:
            return
        self.closing = True
        self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        if self.closing:
            pass_on(self, event)


class NoticeLine(Label):
    """The app's notices while a dialog is open, in place of a toast over its buttons (issue 23): on
    the left of the dialog's buttons (up to three lines; the rest shows as the toast once the dialog
    closes), or, in a dialog without buttons, its last line."""


class Dialog(ModalScreen[T], Generic[T]):
    """A dialog that decides once, in the order the keys were typed.

    Keys typed in one burst (a paste, a fast typist, SSH) all arrive before the dialog has acted on
    the first. Enter and Escape are therefore decided here, as each key reaches the dialog in turn,
    not by Input's Submitted message (which would arrive after a later Escape had already closed the
    dialog). The first Enter or Escape that closes the dialog wins: the change it confirms is handed
    on exactly once, and the keys typed after it go to the screen below, in order. Keys typed
    before the dialog had focused its first field go into that field, as typed.
    """

    HOLDS_KEYS = True  # see on_screen_resume
    KEYS_IN_ORDER = True  # an Enter is decided before the keys typed after it reach the dialog
    # Toasts are not shown over a dialog (hsp.tcss): the app's notices go to its NoticeLine.
    DEFAULT_CLASSES = "-own-notices"

    def __init__(self, day: DayChoice | None = None) -> None:
        """`day`: a change dialog offers the day the change happened (None: no such field)."""
        super().__init__()
        self.decided = False
        self.day = day
        self.on: date | None = None  # the day it happened, as checked when the dialog decided
        self._notice_serial = 0
        self._pending_notice: tuple[str, str, float] | None = None

    @on(events.Mount)
    def _mark_dated(self) -> None:
        """A dialog with the day it happened has it right under its heading (no blank line: at
        80x24 the tallest dialog, Edit, has no line to spare)."""
        if self.day is not None:
            self.query(".dialog").set_class(True, "-dated")

    @on(events.Mount)
    def _say_pending_notice(self) -> None:
        pending, self._pending_notice = self._pending_notice, None
        if pending is not None:
            self.show_notice(*pending)
            return
        # A notice told just before this dialog opened is still up as a toast on the screen below.
        to_dialog = getattr(self.app, "notice_to_dialog", None)  # an app of ours (tests mount bare ones)
        if to_dialog is not None:
            to_dialog(self)

    def show_notice(self, text: str, severity: str, timeout: float) -> None:
        """A notice of the app (already plain text), in the dialog's own last line, for `timeout`
        seconds or until the next one. The toast comes back on the screen below if the dialog
        closes before then."""
        self._notice_serial += 1
        serial = self._notice_serial
        boxes = self.query(".dialog")
        if not boxes:  # pushed but not composed yet: said once it is (on_mount)
            self._pending_notice = (text, severity, timeout)
            return
        lines = self.query(NoticeLine)
        line = lines.first() if lines else None
        if line is None:
            line = NoticeLine(markup=False, id="dialog-notice")
            rows = self.query(".dialog .buttons")
            if rows:  # beside the buttons, on their left: no line more (a tall dialog fills 80x24)
                rows.first().mount(line, before=0)
            else:
                boxes.first().mount(line)
        line.update(text)
        for level in ("information", "warning", "error"):
            line.set_class(level == severity, f"-{level}")
        line.display = True

        def clear() -> None:
            if serial == self._notice_serial:
                line.display = False

        self.set_timer(timeout, clear)

    def day_field(self) -> list[Widget]:
        """The 'Happened on' field, first in the dialog (Shift+Tab from its first field reaches it),
        and the line for what is wrong with it; nothing when the dialog offers no day."""
        if self.day is None:
            return []
        error = Label("", id="on-day-error", classes="error", markup=False)
        error.display = False  # a line only when there is something wrong to say
        return [Horizontal(Label("Happened on", classes="on-day-label"),
                           Input(self.day.default.isoformat(), id="on-day", placeholder=DATE_EXAMPLES, compact=True),
                           Label("Shift+Tab to change it", classes="dim on-day-hint"), classes="on-day"),
                error]

    def read_day(self) -> bool:
        """Check the day it happened before the dialog decides: False (and why, under the field, with
        the focus on it) when it cannot be; else `on` holds it."""
        if self.day is None:
            return True
        box = self.query_one("#on-day", Input)
        day = parse_day(box.value)
        why = self.day.refusal(box.value, day)
        error = self.query_one("#on-day-error", Label)
        error.update(why or "")
        error.display = why is not None
        if why is not None:
            self.set_focus(box)
            return False
        self.on = day
        return True

    def on_screen_resume(self) -> None:
        """Composed and focused: the keys typed meanwhile (held by the app) come in now."""
        release = getattr(self.app, "release_keys", None)  # an app without KeyGate holds nothing
        if release is not None:
            release()

    def decide(self, value: T | None) -> AwaitComplete:
        """Close with `value`, once: a second Enter or Escape does nothing."""
        if self.decided or not self.is_current:
            return AwaitComplete.nothing()
        self.decided = True
        return self.dismiss(value)

    def confirm(self) -> None:
        """Enter in one of the dialog's fields."""

    def action_cancel(self) -> None:
        self.decide(None)

    def takes_enter_and_escape(self) -> bool:
        """Whether Enter and Escape belong to the dialog now (not to the focused widget)."""
        return isinstance(self.focused, Input)

    def _handled(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        handled = getattr(self.app, "key_handled", None)
        if handled is not None:
            handled(event)

    def on_key(self, event: events.Key) -> None:
        if self.decided:
            # Typed after the dialog decided, before it closed: it belongs to the screen below.
            pass_on(self, event)
            return
        if event.key in ("enter", "escape") and self.takes_enter_and_escape():
            self._handled(event)
            if event.key == "enter":
                self.confirm()
            else:
                self.action_cancel()
            return
