"""Make stored text safe to show: no terminal escape sequences, control or bidi-override characters.

Text is stored exactly as given; only its *display* goes through `visible()`, which spells out
each such character (ESC becomes `\\x1b`, RIGHT-TO-LEFT OVERRIDE becomes `\\u202e`), so nothing
from a file or a colleague can move the cursor, recolour or retitle the terminal, or reorder text.
What text must be to be stored at all is `rules.check_text`.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL, except tab and newline which callers may keep; bidi embedding,
# override and isolate controls, and the directional marks; line/paragraph separators; invisible
# characters that make two texts look the same (zero-width space, non-joiner and joiner, word
# joiner, BOM / zero-width no-break space) and the tag characters (U+E0000 block).
_INVISIBLE = ("\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\u2028\u2029\ufeff"
              "\U000e0000-\U000e007f")
# Tab and newline are left to the callers: kept with `multiline`, else made spaces before this runs.
# (One pattern, compiled at import, not two: a command prints its lines through it.)
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f{_INVISIBLE}]")


def _spell(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str, *, multiline: bool = False) -> str:
    """The text with every control/bidi character spelled out. Tabs become spaces.

    With `multiline`, newlines are kept (a CR before them too is dropped); otherwise they become
    spaces too, for one-line cells.
    """
    if multiline:
        text = text.replace("\r\n", "\n").replace("\t", "    ")
        return _UNSAFE.sub(_spell, text)
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _UNSAFE.sub(_spell, text)


def one_line(text: str, limit: int | None = None) -> str:
    """Visible, on one line, cut to `limit` characters with an ellipsis."""
    flat = visible(text)
    if limit is not None and len(flat) > limit:
        return flat[: max(0, limit - 1)] + "…"
    return flat
