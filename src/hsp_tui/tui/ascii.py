"""A terminal whose encoding cannot show box drawing (no UTF-8 locale: `LC_ALL=C`): draw in ASCII.

Textual writes the screen to stderr, whose error handler spells an unencodable character as
`\\u2502`, ten columns for one, and the layout breaks. Here every character the terminal's encoding
cannot show is drawn as an ASCII character of the same width instead: lines as `-` and `|`,
corners and joints as `+`, blocks as `#`, an ellipsis as `.`, arrows as `>`; a wide character (two
columns) as `??`. The layout stays as designed; nothing else changes (the file keeps every character).
"""

from __future__ import annotations

import codecs
import unicodedata
from contextlib import contextmanager
from typing import Iterator, TextIO

HANDLER = "hsp-tui-ascii"
SAMPLE = "│─╭…·"  # what the app draws with: if any of it cannot be encoded, draw in ASCII

_SIMPLE = {
    "…": ".", "·": ".", "•": "*", "→": ">", "←": "<", "↑": "^", "↓": "v", "≤": "<", "≥": ">", "×": "x",
    "▸": ">", "▶": ">", "◀": "<", "▲": "^", "▼": "v", "—": "-", "–": "-", "‘": "'", "’": "'", "“": '"',
    "”": '"', "✓": "v", "✔": "v", "✗": "x", "\u00a0": " ",
}


def ascii_for(ch: str) -> str:
    """One ASCII stand-in per column the character takes."""
    if ch in _SIMPLE:
        return _SIMPLE[ch]
    code = ord(ch)
    if 0x2500 <= code <= 0x257F:  # box drawing
        name = unicodedata.name(ch, "")
        if "HORIZONTAL" in name and "VERTICAL" not in name:
            return "-"
        if "VERTICAL" in name and "HORIZONTAL" not in name:
            return "|"
        if "DIAGONAL" in name:
            return "/" if "UPPER RIGHT TO LOWER LEFT" in name else "\\"
        return "+"
    if 0x2580 <= code <= 0x259F:  # blocks: the tall borders of input boxes, scroll bars, chart bars
        if code == 0x2581:  # lower one eighth: the bottom edge of a box
            return "_"
        if code == 0x2594:  # upper one eighth: the top edge of a box
            return "-"
        if 0x2589 <= code <= 0x258F or code in (0x2590, 0x2595):  # left / right eighths: a side
            return "|"
        return "#"
    if unicodedata.combining(ch):
        return ""
    normal = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if len(normal) == 1:
        return normal
    return "??" if unicodedata.east_asian_width(ch) in ("W", "F") else "?"


def _replace(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(ascii_for(ch) for ch in error.object[error.start:error.end]), error.end


codecs.register_error(HANDLER, _replace)


def cannot_show_boxes(stream: TextIO | None) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        SAMPLE.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


@contextmanager
def ascii_where_needed(stream: TextIO | None) -> Iterator[bool]:
    """While the app runs: `stream` (Textual's output) draws in ASCII if its encoding needs it."""
    if stream is None or not cannot_show_boxes(stream) or not hasattr(stream, "reconfigure"):
        yield False
        return
    errors = stream.errors
    stream.reconfigure(errors=HANDLER)
    try:
        yield True
    finally:
        stream.reconfigure(errors=errors)
