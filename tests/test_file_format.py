"""A large plan is written one record at a time; the file must be byte for byte what one call
would write (people diff these files, and other tools read them)."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from hsp_tui.planbytes import INDENT, dumps, dumps_by_document

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)  # newlines, quotes, emoji, controls
scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text | st.floats(allow_nan=False, allow_infinity=False)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                      max_leaves=20)
tables = st.dictionaries(text, st.dictionaries(text, values, max_size=5) | values, max_size=6)
files = st.dictionaries(text, tables | values, max_size=4)


@given(files)
@settings(max_examples=300, deadline=None)
def test_writing_record_by_record_gives_the_same_bytes(data):
    assert dumps_by_document(data) == orjson.dumps(data, option=INDENT) + b"\n"


def test_a_large_plan_is_written_record_by_record_and_reads_back_the_same(seed_data):
    doc = seed_data["recommendations"]["2"]
    data = {"meta": seed_data["meta"],
            "recommendations": {str(n): dict(doc, number=n) for n in range(1, 2501)}}
    payload = dumps(data)
    assert payload == orjson.dumps(data, option=INDENT) + b"\n"
    assert orjson.loads(payload) == data
