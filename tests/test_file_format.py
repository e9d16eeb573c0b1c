"""A large plan is written one record at a time; the file must be byte for byte what one call
would write (people diff these files, and other tools read them)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsp_tui.storage.file.planbytes import INDENT, dumps, dumps_by_document

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)  # newlines, quotes, emoji, controls
scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text | st.floats(allow_nan=False, allow_infinity=False)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                      max_leaves=20)
tables = st.dictionaries(text, st.dictionaries(text, values, max_size=5) | values, max_size=6)
files = st.dictionaries(text, tables | values, max_size=4)


@pytest.mark.slow
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


def test_a_large_plan_is_read_a_slice_at_a_time_and_a_damaged_record_in_any_slice_is_named(seed_data, tmp_path):
    """The app reads a large plan's data in slices (so its keys keep working meanwhile): the plan
    is the one the file's bytes decode to in one pass, and a damaged record far down the file is
    refused naming it, as it is in a small plan."""
    import pytest

    from hsp_tui.domain.errors import PlanFileError
    from hsp_tui.storage.file.planfile import CONVERT_AT_ONCE, plan_from_data, read_plan

    doc = seed_data["recommendations"]["2"]
    count = 2 * CONVERT_AT_ONCE + 17
    data = {"meta": seed_data["meta"],
            "recommendations": {str(n): dict(doc, number=n, owner=f"owner {n % 7}") for n in range(1, count + 1)}}
    path = tmp_path / "large.json"
    plan = plan_from_data(path, data)
    assert plan == read_plan(path, dumps(data))
    assert [r.number for r in plan.recommendations] == list(range(1, count + 1))
    data["recommendations"][str(count - 3)]["status"] = "finished-ish"
    with pytest.raises(PlanFileError, match=f"{count - 3}.*status"):
        plan_from_data(path, data)


def test_the_file_backend_writes_its_typed_records_as_the_same_bytes(seed_data):
    """The file backend keeps typed records between changes and writes them without making dicts:
    the file is byte for byte what the dicts would give, for a small plan and a large one, a table
    that is not ours kept as it was; and again after a change, when the records that stayed the same
    are written as the bytes they were last written as (`Fragments`)."""
    from hsp_tui.storage.file.planbytes import Fragments, dumps_records
    from hsp_tui.storage.file.planfile import read_tables

    doc = seed_data["recommendations"]["2"]
    for count in (12, 2501):
        data = {"meta": seed_data["meta"],
                "recommendations": {str(n): dict(doc, number=n) for n in range(1, count + 1)},
                "someone else's": {"1": {"x": [1.5, "é\u2028\x1b", None, {"y": True}]}, "2": {}}}
        payload = dumps(data)
        tables = read_tables(Path("plan.json"), payload)
        assert type(tables["recommendations"]["1"]).__name__ == "Recommendation"
        assert dumps_records(tables) == payload
        fragments = Fragments()
        assert dumps_records(tables, fragments) == payload
        changed = tables["recommendations"]["2"]
        tables["recommendations"]["2"] = msgspec.structs.replace(changed, owner="Head of \"Policy\"\n")
        data["recommendations"]["2"]["owner"] = "Head of \"Policy\"\n"
        assert dumps_records(tables, fragments) == dumps(data)


def _note_variants(seed_data):
    """A plan's data in the layouts a plan file may have: as hsp-tui writes it (with a table that is
    not ours), and odd but valid ones another tool may have left (one line; TinyDB's own layout with
    non-ASCII escaped; hsp-tui's indentation with escapes; a record's fields in another order)."""
    import json

    data = {**seed_data, "recommendations": {k: dict(v) for k, v in seed_data["recommendations"].items()}}
    data["recommendations"]["3"]["owner"] = "Directeur général \u2028 \"Policy\""
    shuffled = dict(reversed(list(data["recommendations"]["4"].items())))
    ours = dumps(data)
    yield "as hsp-tui writes it", ours, True
    yield "with a table that is not ours", dumps({**data, "someone else's": {"1": {"x": [1.5, "é", None]}}}), True
    yield "on one line", orjson.dumps(data), False
    yield "as TinyDB writes it", json.dumps(data).encode(), False
    yield "indented, non-ASCII escaped", (json.dumps(data, indent=2) + "\n").encode(), False
    yield "without its final newline", ours[:-1], False
    yield "with a blank line after it", ours + b"\n", False
    yield "a record's fields in another order", dumps({**data, "recommendations": {
        **data["recommendations"], "4": shuffled}}), False


def test_a_note_writes_the_same_bytes_as_encoding_the_whole_plan_again(seed_data, tmp_path):
    """A change of one record on a file as hsp-tui wrote it writes the file back as read with only that
    record's bytes replaced (issue 25): the file must be byte for byte what encoding every record
    again gives (today's and every earlier version's output), whatever layout the file had before;
    a file in another layout is written in hsp-tui's, as it always was."""
    from hsp_tui.storage.file.planbytes import dumps_records
    from hsp_tui.storage.file.planfile import read_tables, read_tables_as_written
    from hsp_tui.storage.store import Store

    at = "2011-06-01T09:30:00+00:00"
    for name, raw, as_written in _note_variants(seed_data):
        path = tmp_path / "plan.json"
        path.write_bytes(raw)
        before = read_tables(path, raw)
        assert read_tables_as_written(path, raw)[1] is as_written, name
        Store(path, clock=lambda: at).add_note(5, "Met the \"partners\"\néé", by="ann")
        after = path.read_bytes()
        record = read_tables(path, after)["recommendations"]["5"]
        assert record.history[-1].note == "Met the \"partners\"\néé" and record.history[-1].at == at, name
        expected = {**before, "recommendations": {**before["recommendations"], "5": record}}
        assert after == dumps_records(expected), name
        assert read_tables_as_written(path, after)[1], name  # and the next note can splice again


@pytest.mark.parametrize("first", ["whole", "damaged"])
def test_a_table_given_twice_in_hsp_tuis_layout_is_refused_naming_it(seed_data, tmp_path, first):
    """A note decodes our two tables in one pass first (issue 25), which keeps the last of two tables
    of one name as any decoder does: a file giving the recommendations twice, in hsp-tui's own layout,
    is still refused before any save, saying so, whether the first copy is a whole table or not."""
    from hsp_tui.domain.errors import PlanFileError
    from hsp_tui.storage.store import Store

    path = tmp_path / "plan.json"
    ours = dumps(seed_data)
    table = ours[ours.index(b'\n  "recommendations": {'):-3]
    if first == "damaged":
        ours = ours.replace(b'"owner": "', b'"owner": 7, "x": "', 1)
    raw = ours[:-3] + b"," + table + b"\n}\n"
    assert raw.count(b'"recommendations": {') == 2
    path.write_bytes(raw)
    with pytest.raises(PlanFileError, match="the table 'recommendations' is given twice"):
        Store(path, clock=lambda: "2011-06-01T09:30:00+00:00").add_note(5, "x", by="ann")
    assert path.read_bytes() == raw


def test_a_file_is_found_as_written_exactly_when_it_is_the_bytes_written(seed_data):
    """A note tells a file as hsp-tui writes it by comparing it piece by piece, a few hundred records
    at a time (`planbytes.written_as`, issue 25): it must say yes exactly when the file is the bytes
    `dumps_records` gives, at every number of records around a piece's size, with a table that is
    not ours or an empty one, and no for a byte changed, added or dropped anywhere, a piece's edges
    among them."""
    from hsp_tui.storage.file.planbytes import RECORDS_AT_ONCE, dumps_records, written_as
    from hsp_tui.storage.file.planfile import read_tables

    doc = seed_data["recommendations"]["2"]
    for count in (0, 1, RECORDS_AT_ONCE - 1, RECORDS_AT_ONCE, RECORDS_AT_ONCE + 1, 2 * RECORDS_AT_ONCE):
        for other in ({}, {"someone else's": {"1": {"x": [1.5, "é\u2028", None]}, "2": {}}}, {"empty": {}}):
            data = {"meta": seed_data["meta"], **other,
                    "recommendations": {str(n): dict(doc, number=n) for n in range(1, count + 1)}}
            raw = dumps(data)
            tables = read_tables(Path("plan.json"), raw)
            assert raw == dumps_records(tables) and written_as(raw, tables), (count, other)
            edges = {0, 1, len(raw) - 1, len(raw) // 2}
            if count > RECORDS_AT_ONCE:  # where the second piece starts and the first ends
                at = raw.index(b'\n    "%d": {' % (RECORDS_AT_ONCE + 1))
                edges |= {at - 1, at, at + 1}
            for at in sorted(edges):
                changed = raw[:at] + (b" " if raw[at:at + 1] != b" " else b"\t") + raw[at + 1:]
                assert not written_as(changed, tables), (count, at)
                assert not written_as(raw[:at] + raw[at + 1:], tables), (count, at)
                assert not written_as(raw[:at] + b" " + raw[at:], tables), (count, at)
            assert not written_as(raw + b"\n", tables) and not written_as(raw[:-1], tables)
