"""A terminal whose encoding cannot show box drawing (no UTF-8 locale: `LC_ALL=C`): draw in ASCII.

The terminal's encoding is the locale's (LC_ALL, else LC_CTYPE, else LANG, as the user's environment
gave them), not Python's: under a C locale Python switches to UTF-8 (UTF-8 mode, and the C.UTF-8
coercion it writes into LC_CTYPE), and would draw UTF-8 boxes on a terminal set up for ASCII.
Textual writes the screen to stderr, whose error handler spells an unencodable character as
`\\u2502`, ten columns for one, and the layout breaks. Here every character the terminal's encoding
cannot show is drawn as an ASCII character of the same width instead: lines as `-` and `|`,
corners and joints as `+`, blocks as `#`, an ellipsis as `.`, arrows as `>`; a wide character (two
columns) as `??`. The layout stays as designed; nothing else changes (the file keeps every character).
"""

from __future__ import annotations

import codecs
import locale
import os
import unicodedata
from contextlib import contextmanager
from typing import Iterator, Mapping, TextIO

HANDLER = "hsp-tui-ascii"
SAMPLE = "│─╭…·"  # what the app draws with: if any of it cannot be encoded, draw in ASCII

_SIMPLE = {
    "…": ".", "·": ".", "•": "*", "→": ">", "←": "<", "↑": "^", "↓": "v", "≤": "<", "≥": ">", "×": "x",
    "▸": ">", "▶": ">", "◀": "<", "▲": "^", "▼": "v", "—": "-", "–": "-", "‘": "'", "’": "'", "“": '"',
    "”": '"', "✓": "v", "✔": "v", "✗": "x", "\u00a0": " ",
    "🔎": "> ",  # the command palette's search icon (two columns): a prompt, not "??"
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


LOCALE_VARIABLES = ("LC_ALL", "LC_CTYPE", "LANG")  # the first one set decides (POSIX)


def users_environment() -> Mapping[str, str]:
    """The environment this process was started with: Python's C-locale coercion sets
    LC_CTYPE=C.UTF-8 in os.environ before any of our code runs; /proc keeps what the user gave."""
    try:
        with open("/proc/self/environ", "rb") as f:
            raw = f.read()
    except OSError:
        return os.environ
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def terminal_encoding(env: Mapping[str, str]) -> str:
    """The character encoding the locale in `env` gives the terminal ("ascii" for C/POSIX or none)."""
    name = next((env[v] for v in LOCALE_VARIABLES if env.get(v)), "C")
    if name in ("C", "POSIX"):
        return "ascii"
    codeset = name.partition(".")[2].partition("@")[0]
    if not codeset:  # e.g. "en_GB": the locale's own default codeset
        try:
            saved = locale.setlocale(locale.LC_CTYPE)
            try:
                locale.setlocale(locale.LC_CTYPE, name)
                codeset = locale.nl_langinfo(locale.CODESET)
            finally:
                locale.setlocale(locale.LC_CTYPE, saved)
        except (locale.Error, AttributeError):
            return "ascii"  # a locale this system does not have: its C locale is what applies
    try:
        return codecs.lookup(codeset).name
    except LookupError:
        return "ascii"


def cannot_show_boxes(stream: TextIO | None, encoding: str | None = None) -> bool:
    encoding = encoding or getattr(stream, "encoding", None) or "ascii"
    try:
        SAMPLE.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


@contextmanager
def ascii_where_needed(stream: TextIO | None, encoding: str | None = None) -> Iterator[bool]:
    """While the app runs: `stream` (Textual's output) draws in ASCII if the terminal's `encoding`
    (default: the stream's own) cannot show box drawing; the stream then writes in that encoding."""
    if stream is None or not cannot_show_boxes(stream, encoding) or not hasattr(stream, "reconfigure"):
        yield False
        return
    before = {"encoding": stream.encoding, "errors": stream.errors}
    stream.flush()
    stream.reconfigure(encoding=encoding or stream.encoding, errors=HANDLER)
    try:
        yield True
    finally:
        stream.flush()
        stream.reconfigure(**before)
