"""Where the command line's words and data go: every line it prints passes through here.

`say` is for people: every control, escape or bidi character spelled out, so no field (today's or a
future one, a note or a tampered timestamp) reaches a terminal raw. `write_data` is for scripts and
files: exact UTF-8 to a pipe or a file, spelled out like `say` on a terminal.
"""

from __future__ import annotations

import sys

from hsp_tui.domain.textsafe import visible

LIST_FORMATS = ("table", "tsv", "csv", "json")  # `list --format` (listing.py writes them)


def say(text: str = "", *, err: bool = False) -> None:
    """A line for people: every control, escape or bidi character in it spelled out."""
    print(visible(str(text), multiline=True), file=sys.stderr if err else sys.stdout)


def write_data(text: str) -> None:
    """Data for a script or a file (an export, machine-readable rows). On a terminal it is shown as
    `say` shows text (spelled out, no BOM); to a pipe or a file it is written exactly, as UTF-8,
    whatever the stream's own encoding."""
    out = sys.stdout
    if out.isatty():
        out.write(visible(text.lstrip("\ufeff"), multiline=True))
        return
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(text)
        return
    out.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def tolerant_streams() -> None:
    """What a stream's encoding cannot carry (e.g. 'é' on an ASCII or cp1252 console) is written as
    an escape ('\\xe9') instead of stopping the output half-way."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass
