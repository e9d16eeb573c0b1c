"""What the app tells the officer: one notice at a time, in plain text, said in a dialog's own line
while one is open; and the file backend's notices (a journal ignored, a backup skipped), from any
thread. Mixed into the app (`HspApp`)."""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING, Callable

from textual.screen import ModalScreen

from hsp_tui.domain.textsafe import visible
from hsp_tui.storage.file import notices as file_notices

if TYPE_CHECKING:
    from textual.app import App as _App

    from hsp_tui.tui.screens.dialog import Dialog
else:
    _App = object  # a mixin of the app; typed as one


class Toasts(_App):
    _notice: tuple[str, str, float] = ("", "information", 0.0)  # the notice in force: until when
    _notices_before: Callable[[str], None] | None = None  # who heard the file backend's before the app

    def listen_to_storage(self) -> None:
        """From now on the file backend's notices are the app's (until `stop_listening`)."""
        self._notices_before = file_notices.listen(self._storage_notice)

    def stop_listening(self) -> None:
        file_notices.listen(self._notices_before)

    def _storage_notice(self, text: str) -> None:
        """A notice from the file backend, from any thread."""
        try:
            self.call_from_thread(self.notify, text, severity="warning", timeout=15)
        except RuntimeError:  # on the app's own thread
            self.notify(text, severity="warning", timeout=15)

    def notify(self, message: str, *, title: str = "", severity="information", timeout=None,
               markup: bool = False) -> None:
        """Every notice is plain text (file text is never markup). One toast at a time: the newest
        replaces the one shown (a stack of them covered the panes); none over a dialog."""
        self.clear_notifications()
        text = visible(message)
        super().notify(text, title=title, severity=severity, timeout=timeout, markup=False)
        said = f"{visible(title)}: {text}" if title else text
        span = float(self.NOTIFICATION_TIMEOUT if timeout is None else timeout)
        self._notice = (said, severity, monotonic() + span)
        if isinstance(self.screen, ModalScreen):
            from hsp_tui.tui.screens.dialog import Dialog  # noqa: PLC0415 - loaded by the dialog shown

            if isinstance(self.screen, Dialog):
                self.notice_to_dialog(self.screen)

    def notice_to_dialog(self, dialog: Dialog) -> None:
        """Over a dialog, a toast would cover its buttons at 80x24 (issue 23): the notice in force
        (told while the dialog is up, or just before it opened) is said in the dialog's own line
        instead (its toasts are hidden: hsp.tcss). Textual redraws the toasts of the top screen
        only: the toast would stay drawn on the screen below, dimmed, until the dialog closes."""
        said, severity, until = self._notice
        if until <= monotonic():
            return
        dialog.show_notice(said, severity, until - monotonic())
        for below in self.screen_stack[:-1]:
            below.query("ToastHolder").remove()
