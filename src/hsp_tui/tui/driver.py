"""The terminal driver: Textual's own for Linux and macOS, with a bracketed paste kept whole.

Textual 8.2.8's input parser reads an ESC inside a bracketed paste as the start of a key sequence:
the rest of the paste (32 characters at a time) then arrives as keystrokes, ESC itself as `^`, and
they run as the app's keys (pasting `ESC[31mred ESC[0m done 2` saved two status changes; issue 26).
Here the bytes read from the terminal pass through `PasteFilter` before Textual's parser sees them:
inside a paste (between ESC[200~ and ESC[201~) each ESC is spelled out as the four characters
`\\x1b`, as `textsafe.visible` spells it. The parser then sees one paste of plain text, which the
app inserts into the focused box as typed (tui/keys.py). Everything else reaches the parser as read.

Textual offers no public hook between reading the terminal and parsing it, so `run_input_thread`
is Textual's own loop (linux_driver.py, 8.2.8) with the filter added; the parser is the one its
Linux driver uses. tests/tui/test_paste.py shows the bug with Textual's driver alone.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual.drivers import linux_driver
from textual.drivers.linux_driver import LinuxDriver

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
SPELLED_ESC = "\\x1b"


class PasteFilter:
    """Feeds text read from the terminal through; ESC inside a bracketed paste spelled out.

    A marker may be split across two reads: the end of a read that could be the start of one is
    kept back until the next read (or `flush`)."""

    def __init__(self) -> None:
        self.in_paste = False
        self.pending = ""

    def feed(self, data: str) -> str:
        text, self.pending = self.pending + data, ""
        out: list[str] = []
        while text:
            marker = PASTE_END if self.in_paste else PASTE_START
            at = text.find(marker)
            if at >= 0:
                out.append(self._plain(text[:at]))
                out.append(marker)
                text = text[at + len(marker):]
                self.in_paste = not self.in_paste
                continue
            keep = _partial_marker(text, marker)
            if keep:
                self.pending = text[-keep:]
                text = text[:-keep]
            out.append(self._plain(text))
            break
        return "".join(out)

    def flush(self) -> str:
        rest, self.pending = self.pending, ""
        return self._plain(rest)

    def _plain(self, text: str) -> str:
        return text.replace("\x1b", SPELLED_ESC) if self.in_paste else text


def _partial_marker(text: str, marker: str) -> int:
    """How many characters at the end of `text` could begin `marker` (0: none)."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0


class PasteSafeDriver(LinuxDriver):
    def run_input_thread(self) -> None:
        """Textual's loop: wait for input, parse it, dispatch the events; with `PasteFilter`."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = linux_driver.XTermParser(False)
        decode = getincrementaldecoder("utf-8")().decode
        pastes = PasteFilter()

        def parse(text: str) -> None:
            if text:  # the parser takes "" for the end of input
                for event in parser.feed(text):
                    self.process_message(event)

        def process(ready: list, final: bool = False) -> None:
            for k, (_key, mask) in enumerate(ready):
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(fileno, 1024 * 4), final=final and k == len(ready) - 1)
                    if not data:  # stdin piped and closed
                        break
                    parse(pastes.feed(data))
            if not ready and pastes.pending:  # a lone ESC[20 kept back, and nothing more came
                parse(pastes.flush())
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(0.02 if pastes.pending else 0.1))
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except Exception:  # noqa: BLE001 - as Textual's loop: the end of input, whatever the parser says
                pass


def paste_safe(default: type) -> type:
    """The driver to use where Textual would use `default`: ours in place of its Linux driver (which
    serves macOS too); any other (Windows, or one named by TEXTUAL_DRIVER) as it is."""
    return PasteSafeDriver if default is LinuxDriver else default
