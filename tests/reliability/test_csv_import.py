"""CSV from Excel and from anywhere: imported correctly, or refused with the row named and nothing written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsp_tui.domain.errors import InputError
from hsp_tui.formats.importing import read_plan_file
from hsp_tui.formats.spreadsheets import MAX_CELL

from .helpers import HEADER, assert_one_line_error, recs, run_cli, run_cli_here

AT = "2010-06-01T09:00:00+01:00"


def read(path: Path):
    return read_plan_file(path, by="tester", at=AT)


def csv_bytes(rows, header=HEADER, *, terminator="\r\n", delimiter=",") -> bytes:
    buf = io.StringIO(newline="")
    # Python's writer leaves a lone "\r" unquoted when the line ends in "\n" alone, which makes a
    # file no reader can tell apart from a line break: quote every cell then, as Excel does.
    has_cr = any("\r" in str(c) for row in rows for c in row)
    w = csv.writer(buf, lineterminator=terminator, delimiter=delimiter,
                   quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


ROW1 = [1, "3.2", "Focus the board on strategy.", "Agreed.", "April 2010", "Assistant Chief Executive"]
ROW2 = [2, "3.3", "Share data through one hub.", "Agreed; a hub will be built.", "2010/11", "Head of Policy"]


# -- property tests ----------------------------------------------------------------------------
cell = st.text(max_size=60)
row = st.tuples(st.integers(-5, 10**10) | st.text(max_size=5), cell, cell, cell, cell, cell)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@pytest.mark.slow
@given(st.lists(row, max_size=8), st.sampled_from(["\r\n", "\n"]), st.booleans())
def test_any_rows_import_exactly_or_are_refused_with_a_line(tmp_path: Path, rows, terminator, bom) -> None:
    path = tmp_path / "any.csv"
    data = csv_bytes(rows, terminator=terminator)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    try:
        result = read(path)
    except InputError as exc:
        msg = str(exc)
        assert msg.startswith(str(path)) and "\n" not in msg
        return
    # Imported: every non-blank row, each text exactly as written (stored as given), except for the
    # guard our CSV export puts before formula-like text: one quote, removed again.
    kept = [r for r in rows if any(str(c).strip() for c in r)]
    docs = sorted(result.data["recommendations"].values(), key=lambda d: d["number"])
    assert len(docs) == len(kept) == result.count
    by_number = {int(str(r[0]).strip().rstrip(".")): r for r in kept}
    for doc in docs:
        src = by_number[doc["number"]]
        assert [doc[k] for k in HEADER[1:]] == [unguarded("" if v is None else str(v)) for v in src[1:]]


def unguarded(text: str) -> str:
    """The text an export guard stands for: a quote before (quotes and) text a spreadsheet reads as
    a formula (= + - @ or full-width, after spaces; or a leading tab, CR or LF) is the guard."""
    rest = text.lstrip("'")
    formula = rest.startswith(("\t", "\r", "\n")) or rest.lstrip()[:1] in tuple("=+-@\uff1d\uff0b\uff0d\uff20")
    return text[1:] if text.startswith("'") and formula else text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_any_bytes_import_or_are_refused_cleanly(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "raw.csv"
    path.write_bytes(b"number,ref,recommendation,management_response,deadline,owner\r\n" + raw)
    try:
        read(path)
    except InputError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)


# -- what Excel writes -----------------------------------------------------------------------------
def test_excel_csv_utf8_with_bom_and_crlf_imports(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    row = [3, "4.1", "Chairs should not also chair\r\na second board — “quoted”, 'too'.", "Agreed, £5k.",
           "Sept 2010", "Interim Deputy Chief Executive"]
    path.write_bytes(b"\xef\xbb\xbf" + csv_bytes([ROW1, row, ROW2]))
    docs = read(path).data["recommendations"]
    assert docs["3"]["recommendation"] == row[2]  # the line break inside the cell is kept as typed
    assert docs["3"]["management_response"] == "Agreed, £5k."
    assert list(docs) == ["1", "2", "3"]


def test_excel_header_in_other_case_and_with_spaces(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(csv_bytes([ROW1], header=["Item", "Ref", "Recommendation", "Management Response",
                                               "Deadline", "Owner"]))
    with pytest.raises(InputError, match=r"line 1: missing column\(s\) number"):
        read(path)
    path.write_bytes(csv_bytes([ROW1], header=["No.", "Ref.", "Recommendation", "Management Response",
                                               "Deadline", "Owner"]))  # Appendix A's own headings
    assert read(path).count == 1
    path.write_bytes(csv_bytes([ROW1], header=["Number", " Ref ", "RECOMMENDATION", "Management response",
                                               "Deadline", "Owner"]))
    assert read(path).count == 1


def test_cp1252_is_refused_naming_the_encoding_and_line(tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    text = csv_bytes([ROW1, ROW2]).decode() + "3,4.1,The council\u2019s role,Agreed,May 2010,Caf\u00e9 owner\r\n"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(InputError) as info:
        read(path)
    assert "line 4" in str(info.value) and "Windows-1252" in str(info.value) and "UTF-8" in str(info.value)


def test_utf16_tab_separated_unicode_text_from_excel_imports(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes(csv_bytes([ROW1, ROW2], delimiter="\t").decode().encode("utf-16"))
    docs = read(path).data["recommendations"]
    assert docs["2"]["management_response"] == ROW2[3] and docs["1"]["owner"] == ROW1[5]


def test_semicolon_separated_csv_from_european_excel_imports(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_bytes(csv_bytes([ROW1, ROW2], delimiter=";"))
    docs = read(path).data["recommendations"]
    assert docs["1"]["recommendation"] == ROW1[2] and docs["2"]["deadline"] == "2010/11"


def test_blank_lines_and_rows_of_empty_cells_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    body = csv_bytes([ROW1]).decode() + "\r\n,,,,,\r\n   \r\n" + csv_bytes([ROW2]).decode().split("\r\n", 1)[1] + "\r\n"
    path.write_bytes(body.encode())
    assert sorted(read(path).data["recommendations"]) == ["1", "2"]


def test_excel_trailing_empty_columns_are_ignored(tmp_path: Path) -> None:
    """Excel writes extra empty columns when cells beyond the table were ever formatted."""
    path = tmp_path / "trailing.csv"
    path.write_bytes(csv_bytes([ROW1 + ["", ""], ROW2 + ["", ""]], header=list(HEADER) + ["", ""]))
    assert read(path).count == 2
    # ...but a column with no name and something in it is refused, naming the line.
    path.write_bytes(csv_bytes([ROW1 + ["", ""], ROW2 + ["", "oops"]], header=list(HEADER) + ["", ""]))
    with pytest.raises(InputError, match=r"line 3: a cell under a column with no name"):
        read(path)


@pytest.mark.parametrize("rows, header, line, words", [
    ([ROW1, ROW2[:5]], HEADER, 3, "5 cells where the header has 6"),
    ([ROW1, ROW2 + ["extra"]], HEADER, 3, "7 cells where the header has 6"),
    ([ROW1, [1] + ROW2[1:]], HEADER, 3, "number 1 is already used"),
    ([ROW1, ["two"] + ROW2[1:]], HEADER, 3, "not a whole number"),
    ([ROW1, [0] + ROW2[1:]], HEADER, 3, "not a whole number"),
    ([ROW1, ROW2[:2] + ["  "] + ROW2[3:]], HEADER, 3, "recommendation is empty"),
    ([ROW1 + ["finished"]], list(HEADER) + ["status"], 2, "unknown status"),
    ([ROW1], HEADER[:5], 1, "missing column(s) owner"),
    ([ROW1 + ["x"]], list(HEADER) + ["priority"], 1, "unknown column(s) 'priority'"),
    ([ROW1 + ["x"]], list(HEADER) + ["owner"], 1, "appear more than once"),
])
def test_bad_rows_are_refused_naming_the_line_and_nothing_is_written(tmp_path: Path, rows, header, line,
                                                                     words) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows, header=header))
    db = tmp_path / "plan.json"
    r = run_cli_here(db, "import", str(path))
    msg = assert_one_line_error(r, names=f"{path}, line {line}", code=2)
    assert words in msg
    assert not db.exists()
    # Refused on --replace too: the plan already there is left byte for byte.
    ok = tmp_path / "ok.csv"
    ok.write_bytes(csv_bytes([ROW1, ROW2]))
    assert run_cli_here(db, "import", str(ok)).returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("plan.json")}
    assert_one_line_error(run_cli_here(db, "import", str(path), "--replace"), names=path, code=2)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("plan.json")} == before


@pytest.mark.slow
def test_a_bad_row_after_thousands_of_good_ones_imports_nothing(tmp_path: Path) -> None:
    rows = [[i, "1", f"Rec {i}", "Agreed", "April 2011", "Someone"] for i in range(1, 5000)]
    rows.append([4000, "1", "Duplicate", "Agreed", "April 2011", "Someone"])
    path = tmp_path / "late.csv"
    path.write_bytes(csv_bytes(rows))
    db = tmp_path / "plan.json"
    msg = assert_one_line_error(run_cli_here(db, "import", str(path)), names=f"{path}, line 5001", code=2)
    assert "line 4001" in msg  # and the first use of the number
    assert not db.exists()


def test_one_megabyte_cell_imports_and_one_more_is_refused(tmp_path: Path) -> None:
    big = "x" * (MAX_CELL - 10) + "[b]\x1b[0m"
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes([ROW1, [2, "1", big, "Agreed", "May 2011", "Someone"]]))
    db = tmp_path / "plan.json"
    r = run_cli_here(db, "import", str(path))
    assert r.returncode == 0, r.stderr
    assert recs(db)[2]["recommendation"] == big
    too_big = tmp_path / "too-big.csv"
    too_big.write_bytes(csv_bytes([ROW1, [2, "1", "y" * (MAX_CELL + 1), "Agreed", "May 2011", "Someone"]]))
    msg = assert_one_line_error(run_cli_here(tmp_path / "other.json", "import", str(too_big)),
                                names=f"{too_big}, line 3", code=2)
    assert "recommendation" in msg and "longer than" in msg
    assert not (tmp_path / "other.json").exists()


def test_import_is_exact_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_bytes([ROW1, ROW2]))
    db = tmp_path / "plan.json"
    r = run_cli(db, "import", str(path))
    assert r.returncode == 0, r.stderr
    got = recs(db)
    for src in (ROW1, ROW2):
        doc = got[src[0]]
        assert [doc[k] for k in HEADER[1:]] == src[1:]
