"""Without a UTF-8 locale the screen is drawn in ASCII, in the same layout (one column for one)."""

from __future__ import annotations

import io
import unicodedata

from hsp_tui.tui.ascii import ascii_for, ascii_where_needed, cannot_show_boxes


def test_every_box_and_block_character_becomes_one_ascii_column():
    for code in range(0x2500, 0x25A0):
        ch = chr(code)
        stand_in = ascii_for(ch)
        assert len(stand_in) == 1 and stand_in.isascii() and stand_in.isprintable(), (hex(code), stand_in)
    assert [ascii_for(c) for c in "│─╭╮╰╯…·→▸"] == ["|", "-", "+", "+", "+", "+", ".", ".", ">", ">"]
    assert ascii_for("é") == "e" and ascii_for("漢") == "??"  # a wide character keeps its two columns
    # Ctrl+P's search box opened with "??" before it, as if something were wrong: a prompt instead
    assert ascii_for("🔎") == "> " and unicodedata.east_asian_width("🔎") == "W"
    assert unicodedata.east_asian_width("漢") == "W"


def test_an_ascii_stream_draws_in_ascii_while_the_app_runs_then_as_before():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="backslashreplace", write_through=True)
    assert cannot_show_boxes(stream)
    with ascii_where_needed(stream) as ascii_mode:
        stream.write("╭─ Recommendations (12) ─╮\n│ 1 The HSP Board needs t… │\n")
    stream.write("│")
    assert ascii_mode
    assert raw.getvalue().decode("ascii") == "+- Recommendations (12) -+\n| 1 The HSP Board needs t. |\n\\u2502"


def test_a_utf8_stream_is_left_alone():
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with ascii_where_needed(stream) as ascii_mode:
        assert not ascii_mode and stream.errors == "strict"
