"""What the app says to the officer: the text of each toast (Textual's notifications), in order.

The app keeps no list of what it said; a test hears each notification as Textual receives it to
show, through Textual's public testing hook:

    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        ...
        assert last_notice(notices) == "Saved. No. 1: Not started → Done"
"""

from __future__ import annotations

from textual.message import Message
from textual.notifications import Notify


class Notices:
    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []  # (severity, text), newest last

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            notification = message.notification
            self.said.append((notification.severity, notification.message))


def last_notice(notices: Notices) -> str:
    """The newest toast's text ("" when nothing was said)."""
    return notices.said[-1][1] if notices.said else ""
