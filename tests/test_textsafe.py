"""What `textsafe.visible` spells out, character by character: every control, bidi and invisible
character (the one pattern it compiles serves both forms: issue 25)."""

from __future__ import annotations

import re

from hsp_tui.domain.textsafe import visible

# The characters never shown raw, as a class (C0 and C1 controls, DEL, bidi controls and marks,
# line and paragraph separators, zero-width characters, BOM, the tag block).
NEVER_RAW = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\u2028\u2029\ufeff"
                       "\U000e0000-\U000e007f]")
CODE_POINTS = [*range(0x3000), *range(0xFE00, 0x10000), *range(0xE0000, 0xE0080), 0x1F600]


def spelled(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def test_one_line_spells_out_every_character_never_shown_raw():
    for code in CODE_POINTS:
        ch = chr(code)
        expected = " " if ch in "\t\n" else spelled(ch) if NEVER_RAW.fullmatch(ch) else ch
        assert visible(f"a{ch}b") == f"a{expected}b", hex(code)
    assert visible("a\r\nb") == "a b"


def test_many_lines_keep_their_newlines_and_spell_out_the_rest():
    for code in CODE_POINTS:
        ch = chr(code)
        expected = "\n" if ch == "\n" else "    " if ch == "\t" else spelled(ch) if NEVER_RAW.fullmatch(ch) else ch
        assert visible(f"a{ch}b", multiline=True) == f"a{expected}b", hex(code)
    assert visible("a\r\nb", multiline=True) == "a\nb"
