"""Files handed over by someone else: a plan file, a JSON export or a CSV a colleague edited.

Every value is checked against the declaration of the data (`records.py`), never coerced; a damaged
plan is refused like any damaged file (one line naming the file, the record and the field, exit 3,
the file untouched); CSV exports guard formulas the way spreadsheets read them, and round-trip.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import orjson
import pytest

from sampling import sampled

from hsp_tui.domain.vocabulary import MAX_ID
from hsp_tui.domain.errors import PlanFileError
from hsp_tui.storage.store import Store
from hsp_tui.domain.textsafe import one_line, visible

# The commands run in this process (run_cli_here): what is tested is the data's checks; the real
# process's exit code and single line for a damaged file are test_bad_files' (PROCESS_SAMPLE).
from .helpers import AS_OF, load_raw, make_plan, recs, run_cli_here, write_csv

# Changes made here take effect by the review date the commands use (they show the plan as it stood)
REVIEWED = date.fromisoformat(AS_OF)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("handed"), 12)


def tampered(template: Path, tmp_path: Path, change) -> Path:
    db = tmp_path / "plan.json"
    data = load_raw(template)
    change(data["recommendations"])
    db.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    return db


def assert_refused(db: Path, *words: str) -> None:
    """Every command refuses the file, naming it and what is wrong; the file is left as it was."""
    before = db.read_bytes()
    for args in (("list",), ("show", "7"), ("set", "7", "done"), ("export", "--format", "json")):
        r = run_cli_here(db, *args)
        assert r.returncode == 3, (args, r.stdout, r.stderr)
        err = r.stderr.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert str(db) in err and all(w in err for w in words), (args, err)
    assert db.read_bytes() == before


# -- a record's key, its number, and duplicates ---------------------------------------------------
def test_a_record_whose_key_disagrees_with_its_number_is_refused(template, tmp_path):
    db = tampered(template, tmp_path, lambda r: r["7"].__setitem__("number", 8))
    assert_refused(db, "recommendation 7", "number 8", "damaged")


def test_two_records_with_the_same_number_are_refused(template, tmp_path):
    def dupe(r):
        r["13"] = dict(r["7"])  # a second "No. 7", stored under another key
    assert_refused(tampered(template, tmp_path, dupe), "recommendation 13", "number 7")


def test_a_non_numeric_key_is_refused(template, tmp_path):
    def rekey(r):
        r["seven"] = r.pop("7")
    assert_refused(tampered(template, tmp_path, rekey), "recommendation 'seven'", "number 7")


def test_the_store_refuses_to_change_a_record_filed_under_another_number(template, tmp_path):
    db = tampered(template, tmp_path, lambda r: r["7"].__setitem__("number", 8))
    before = db.read_bytes()
    with pytest.raises(PlanFileError, match="recommendation 7 says it is number 8"):
        Store(db).set_status(7, "done", by="x")
    assert db.read_bytes() == before


# -- values checked, not coerced --------------------------------------------------------------------
@pytest.mark.parametrize("field, value, words", [
    ("milestones", [{"label": "m", "deadline": "May 2010", "done": "false"}],
     ("recommendation 7", "milestone 1", "field 'done'", "expected true or false")),
    ("recommendation", {"text": "an object"}, ("recommendation 7", "field 'recommendation'", "expected text")),
    ("owner", ["a", "list"], ("recommendation 7", "field 'owner'", "expected text")),
    ("status", "finished", ("recommendation 7", "field 'status'", "'finished'")),
    ("number", "7", ("recommendation 7", "field 'number'", "expected a whole number")),
])
def test_a_plan_file_value_of_the_wrong_kind_is_refused(template, tmp_path, field, value, words):
    assert_refused(tampered(template, tmp_path, lambda r: r["7"].__setitem__(field, value)), *words)


def test_a_history_value_that_is_an_object_is_refused_not_undone_into_the_owner(template, tmp_path):
    def planted(r):
        r["7"]["history"].append({"id": 99, "at": "2010-06-01T09:00:00+01:00", "by": "m", "action": "set",
                                  "field": "owner", "old": {"evil": True}, "new": r["7"]["owner"], "note": None})
    db = tampered(template, tmp_path, planted)
    assert_refused(db, "recommendation 7", "history entry", "field 'old'")
    r = run_cli_here(db, "undo", "7", "--entry", "99")
    assert r.returncode == 3 and "field 'old'" in r.stderr
    assert load_raw(db)["recommendations"]["7"]["owner"] == load_raw(template)["recommendations"]["7"]["owner"]


@pytest.mark.parametrize("where", ["read", "import"])
def test_a_history_id_past_max_id_is_refused(template, tmp_path, where):
    def huge(r):
        r["7"]["history"][0]["id"] = MAX_ID + 1
    db = tampered(template, tmp_path, huge)
    if where == "read":
        assert_refused(db, "recommendation 7", "history entry 1", "field 'id'")
        return
    export = json_export(template, tmp_path, lambda d: d["recommendations"][6]["history"][0].__setitem__("id", MAX_ID + 1))
    r = run_cli_here(tmp_path / "new.json", "import", str(export))
    assert r.returncode == 2 and "history entry 1" in r.stderr and "id" in r.stderr, r.stderr
    assert not (tmp_path / "new.json").exists()


def test_the_largest_history_id_is_read_and_the_next_change_is_refused_clearly(template, tmp_path):
    def largest(r):
        r["7"]["history"][0]["id"] = MAX_ID
    db = tampered(template, tmp_path, largest)
    assert run_cli_here(db, "show", "7").returncode == 0
    r = run_cli_here(db, "note", "7", "one more")
    assert r.returncode != 0 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert run_cli_here(db, "list").returncode == 0  # the plan still opens


def json_export(template: Path, tmp_path: Path, change) -> Path:
    export = tmp_path / "export.json"
    assert run_cli_here(template, "export", "--format", "json", "-o", str(export)).returncode == 0
    doc = orjson.loads(export.read_bytes())
    change(doc)
    export.write_bytes(orjson.dumps(doc))
    return export


@pytest.mark.parametrize("change, words", [
    (lambda d: d["recommendations"][6].__setitem__("milestones", [{"label": "m", "deadline": "May 2010",
                                                                   "done": "false"}]),
     ("recommendation #7", "milestone 1", "done")),
    (lambda d: d["plan"].__setitem__("title", {"a": 1}), ("title", "expected text")),
    (lambda d: d["recommendations"][6]["history"].append(
        {"id": 50, "at": "2010-06-01T09:00:00+01:00", "by": "m", "action": "set", "field": "owner",
         "old": {"x": 1}, "new": "Someone", "note": None}), ("recommendation #7", "history entry", "'old'")),
])
def test_an_import_checks_values_and_does_not_coerce_them(template, tmp_path, change, words):
    r = run_cli_here(tmp_path / "new.json", "import", str(json_export(template, tmp_path, change)))
    assert r.returncode == 2, r.stderr
    assert all(w in r.stderr for w in words), r.stderr
    assert not (tmp_path / "new.json").exists()


@pytest.mark.parametrize("number", sampled(["1_000", "١٢", "５", "+5", "-5", "5 5", "0x5"], 2))
def test_a_csv_number_is_plain_ascii_digits(tmp_path, number):
    src = write_csv(tmp_path / "p.csv", [[1, "2.1", "First", "Agreed", "April 2010", "A"],
                                         [number, "2.2", "Second", "Agreed", "April 2010", "B"]])
    r = run_cli_here(tmp_path / "new.json", "import", str(src))
    assert r.returncode == 2 and "line 3" in r.stderr and repr(number) in r.stderr, r.stderr
    assert not (tmp_path / "new.json").exists()


def test_a_csv_number_as_appendix_a_writes_it_still_imports(tmp_path):
    src = write_csv(tmp_path / "p.csv", [[" 7. ", "2.1", "First", "Agreed", "April 2010", "A"]])
    assert run_cli_here(tmp_path / "new.json", "import", str(src)).returncode == 0
    assert list(recs(tmp_path / "new.json")) == [7]


# -- CSV exports: formulas guarded as spreadsheets read them, and exact round trips -----------------
GUARDED = ["=1+1", " =1+1", "\u00a0=1+1", "\u3000+1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)",
           "  \uff1dA1", "-", "@x", "\t1", "\r1", "\n1", "\t", "\u00a0\u00a0@x"]
GUARDED += ["|cmd", "\u200b=1", "\ufeff=1", "\ufe66HYPERLINK()", "\u200b \u2060+1", "\uff5ccmd", "' |cmd"]
PLAIN = ["plain", "1+1", "a=b", "'quoted", "'", "''", "don't", "x\n=1", "a|b", "\u200bx=1"]
TYPED = ["'=literal", "''=two", "' =spaced", "'\uff1dwide", "'plain", "'", "=", "''"]


def csv_cells(path: Path) -> dict[str, dict[str, str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return {row["number"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


def test_csv_export_guards_what_spreadsheets_read_as_formulas_and_every_text_round_trips(tmp_path):
    texts = GUARDED + PLAIN + TYPED
    db = tmp_path / "plan.json"
    src = write_csv(tmp_path / "p.csv", [[i, "1", "Recommendation", "Agreed", "April 2010", "Someone"]
                                         for i in range(1, len(texts) + 1)])
    assert run_cli_here(db, "import", str(src)).returncode == 0
    store = Store(db)
    for i, text in enumerate(texts, start=1):
        store.set_owner(i, text if text.strip() else "x" + text, by="officer", on=REVIEWED)
    owners = {i: r["owner"] for i, r in recs(db).items()}
    out = tmp_path / "export.csv"
    assert run_cli_here(db, "export", "--format", "csv", "-o", str(out)).returncode == 0
    cells = csv_cells(out)
    for i, owner in owners.items():
        cell = cells[str(i)]["owner"]
        bare = owner.lstrip("'")
        first = bare[re.match(r"[\s\u200b-\u200d\u2060\ufeff]*", bare).end():][:1]
        formula_like = bare.startswith(("\t", "\r", "\n")) or first in tuple("=+-@|\uff1d\uff0b\uff0d\uff20\uff5c\ufe66\ufe62\ufe63\ufe6b")
        assert cell == ("'" + owner if formula_like else owner), (owner, cell)
    again = tmp_path / "again.json"
    r = run_cli_here(again, "import", str(out))
    assert r.returncode == 0, r.stderr
    assert {i: r["owner"] for i, r in recs(again).items()} == owners


def test_an_officers_leading_apostrophe_survives_export_and_import(tmp_path):
    db = tmp_path / "plan.json"
    src = write_csv(tmp_path / "p.csv", [[1, "1", "'=literal", "'=literal", "April 2010", "'=literal"]])
    assert run_cli_here(db, "import", str(src)).returncode == 0
    assert recs(db)[1]["owner"] == "=literal"  # an apostrophe before a formula in a CSV is a guard
    Store(db).set_owner(1, "'=literal", by="officer", on=REVIEWED)
    out = tmp_path / "e.csv"
    assert run_cli_here(db, "export", "--format", "csv", "-o", str(out)).returncode == 0
    assert csv_cells(out)["1"]["owner"] == "''=literal"
    again = tmp_path / "again.json"
    assert run_cli_here(again, "import", str(out)).returncode == 0
    assert recs(again)[1]["owner"] == "'=literal"


# -- invisible characters ---------------------------------------------------------------------------
@pytest.mark.parametrize("char, spelled", [
    ("\u200b", "\\u200b"), ("\u200c", "\\u200c"), ("\u200d", "\\u200d"), ("\u2060", "\\u2060"),
    ("\ufeff", "\\ufeff"), ("\U000e0041", "\\U000e0041"), ("\U000e0001", "\\U000e0001"), ("\U000e007f", "\\U000e007f"),
])
def test_zero_width_and_tag_characters_are_spelled_out(char, spelled):
    owner = f"Head{char} of Audit"
    assert visible(owner) == f"Head{spelled} of Audit"
    assert one_line(owner) == f"Head{spelled} of Audit"
    assert visible(owner, multiline=True) == f"Head{spelled} of Audit"
    assert visible(owner) != visible("Head of Audit")


def test_two_owners_that_look_the_same_are_told_apart_in_the_list(template, tmp_path):
    db = tmp_path / "plan.json"
    db.write_bytes(template.read_bytes())
    Store(db).set_owner(1, "Head of Audit", by="x", on=REVIEWED)
    Store(db).set_owner(2, "Head\u200b of Audit", by="x", on=REVIEWED)
    r = run_cli_here(db, "show", "2")
    assert r.returncode == 0 and "Head\\u200b of Audit" in r.stdout and "\u200b" not in r.stdout
