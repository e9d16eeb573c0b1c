"""The JSON export and its published JSON Schema: every kind of export validates, the schema ships
inside the wheel, `hsp-tui schema` prints it, and import -> export loses nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsp_tui.formats.importing import read_plan_file, seed_to_data
from hsp_tui.formats.schema import export_json
from hsp_tui.domain.review import review
from hsp_tui.formats.schema import SCHEMA_NAME, generated_text, schema, schema_text
from hsp_tui.storage.seed import seed_document
from hsp_tui.storage.store import Store

AS_OF = date(2010, 6, 1)
EXPORTED_AT = "2010-06-01T09:30:00+01:00"
PLAN_DATE = date(2010, 3, 16)
VALIDATOR = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
ROOT = Path(__file__).resolve().parents[1]


def validate(doc: dict) -> dict:
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    return doc


def export(store: Store, as_of: date = AS_OF) -> dict:
    return validate(json.loads(export_json(review(store.load(), as_of), exported_at=EXPORTED_AT)))


def test_schema_is_valid_draft_2020_12_and_describes_the_issue_fields():
    s = schema()
    jsonschema.Draft202012Validator.check_schema(s)
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"plan", "as_of", "exported_at", "recommendations"} <= set(s["required"])
    rec = s["$defs"]["recommendation"]["required"]
    for key in ("number", "ref", "recommendation", "management_response", "owner", "deadline", "due",
                "milestones", "status", "overdue", "history", "revisions"):
        assert key in rec
    assert set(s["$defs"]["milestone"]["required"]) == {"label", "deadline", "due", "done"}
    assert {"title", "date", "source"} <= set(s["$defs"]["plan"]["required"])


def test_shipped_schema_is_what_the_declaration_generates():
    """The schema is generated from the records (`python -m hsp_tui.formats.schema > src/hsp_tui/formats/export.schema.json`):
    a record changed without regenerating it fails here."""
    assert schema_text() == generated_text()
    proc = subprocess.run([sys.executable, "-m", "hsp_tui.formats.schema"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == schema_text()


def test_cli_schema_prints_the_packaged_schema(cli):
    res = cli("schema")
    assert res.code == 0 and res.err == ""
    assert res.out == schema_text()
    assert json.loads(res.out) == schema()


def test_schema_ships_inside_the_wheel(tmp_path):
    pytest.importorskip("hatchling")
    proc = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert json.loads(zf.read(f"hsp_tui/formats/{SCHEMA_NAME}")) == schema()
        assert "hsp_tui/formats/schema.py" in zf.namelist()


def test_schema_rejects_what_it_should():
    good = json.loads(export_json(review(_seed_plan(), AS_OF), exported_at=EXPORTED_AT))
    validate(good)
    for breaker in (
        lambda d: d["recommendations"][0].pop("due"),
        lambda d: d["recommendations"][0]["history"][0].__setitem__("at", "2010-06-01T09:00:00"),  # no offset
        lambda d: d["recommendations"][0].__setitem__("status", "finished"),
        lambda d: d["recommendations"][0]["milestones"].append({"label": "x", "deadline": "May 2010", "done": False}),
        lambda d: d.__setitem__("as_of", "1 June 2010"),
        lambda d: d["recommendations"][0].__setitem__("surprise", 1),
    ):
        bad = json.loads(json.dumps(good))
        breaker(bad)
        assert list(VALIDATOR.iter_errors(bad)), breaker


def _seed_plan():
    with tempfile.TemporaryDirectory() as d:
        s = Store(Path(d) / "p.json")
        s.create(seed_to_data(seed_document(), by="t", at=EXPORTED_AT))
        return s.load()


def test_seed_export_validates(store):
    doc = export(store)
    assert doc["plan"]["title"] == "Partnership working in Haringey"
    assert doc["plan"]["date"] == "2010-03-16" and doc["as_of"] == "2010-06-01"
    r2 = doc["recommendations"][1]
    assert r2["deadline"] == "April 2010 October 2010" and r2["due"] == "2010-04-30"
    assert [m["due"] for m in r2["milestones"]] == ["2010-04-30", "2010-10-31"]
    assert doc["recommendations"][4]["due"] is None  # Ongoing


def test_export_after_changes_validates(store):
    store.set_status(3, "in progress", by="alice", note="Scoping")
    store.add_note(1, "Board paper drafted", by="alice")
    store.set_owner(5, "Head of HR", by="alice", note="restructure")
    c = store.set_status(4, "done", by="alice")
    store.undo(4, c.entry.id, by="bob")
    store.set_status(6, "dropped", by="alice", note="superseded")
    store.set_status(7, "blocked", by="alice")
    doc = export(store)
    r4 = doc["recommendations"][3]
    assert r4["status"] == "not_started"
    assert [h["action"] for h in r4["history"]] == ["create", "set", "undo"]
    assert r4["history"][-1]["undoes"] == 2
    assert doc["recommendations"][0]["latest_note"] == "Board paper drafted"


def test_revised_export_validates(store):
    store.revise(8, "July 2010", reason="moved", by="alice", reference=PLAN_DATE)
    store.revise(8, "Q3 2010/11", reason="moved again", by="alice", reference=PLAN_DATE)
    r8 = export(store)["recommendations"][7]
    assert r8["deadline"] == "April – May 2010"
    assert r8["current_deadline"] == "Q3 2010/11" and r8["due"] == "2010-12-31"
    assert [(r["deadline"], r["due"]) for r in r8["revisions"]] == [("July 2010", "2010-07-31"),
                                                                     ("Q3 2010/11", "2010-12-31")]
    assert r8["revised"] is True and r8["overdue"] is False


def test_export_with_milestones_done_validates(store):
    store.set_milestone(2, 1, True, by="alice")
    r2 = export(store)["recommendations"][1]
    assert [m["done"] for m in r2["milestones"]] == [True, False]
    assert r2["due"] == "2010-10-31" and r2["status"] == "not_started" and not r2["overdue"]
    store.set_milestone(2, 2, True, by="alice")
    assert export(store)["recommendations"][1]["status"] == "not_started"


HOSTILE = "=cmd|' /C calc'!A0 <script>x</script> | \x1b[2J \u202e \x00 \ud7ff \U0001f600 \"quoted\" \\ \n\r\t"


def test_hostile_text_export_validates_and_keeps_the_text_exactly(store):
    store.add_note(1, HOSTILE, by=HOSTILE)
    store.set_owner(2, HOSTILE, by="x")
    store.revise(3, "July 2010", reason=HOSTILE, by="x", reference=PLAN_DATE)
    doc = export(store)
    assert doc["recommendations"][0]["latest_note"] == HOSTILE
    assert doc["recommendations"][0]["history"][-1]["by"] == HOSTILE
    assert doc["recommendations"][1]["owner"] == HOSTILE
    assert doc["recommendations"][2]["revisions"][0]["reason"] == HOSTILE


def test_imported_csv_plan_export_validates(tmp_path):
    src = tmp_path / "plan.csv"
    src.write_text("\ufeffnumber,ref,recommendation,management_response,deadline,owner\n"
                   "1,2.1,\"Publish, then review\",Agreed,April – May 2010,Clerk\n"
                   "2,2.2,Second,Agreed,Ongoing,Café owner\n"
                   "3,2.3,Third,Agreed,sometime soon,Someone\n"
                   "4,2.4,Fourth,Agreed,April 2010 October 2010,Someone\n", encoding="utf-8")
    result = read_plan_file(src, by="alice", at=EXPORTED_AT, title=None, plan_date=None)
    store = Store(tmp_path / "p.json")
    store.create(result.data)
    doc = export(store)
    assert doc["plan"]["date"] is None
    recs = doc["recommendations"]
    assert recs[0]["due"] == "2010-05-31"
    assert recs[2]["due"] is None and recs[2]["deadline_warning"]
    assert len(recs[3]["milestones"]) == 2
    assert all(r["history"][-1]["action"] == "import" for r in recs)


def _strip_volatile(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    doc.pop("exported_at")
    for r in doc["recommendations"]:
        assert r["history"][-1]["action"] == "import"
        r["history"] = r["history"][:-1]
    return doc


def test_import_then_export_round_trips_with_nothing_lost(store, tmp_path):
    store.set_status(3, "in progress", by="alice", note="Scoping")
    store.revise(8, "July 2010", reason="moved", by="alice", reference=PLAN_DATE)
    store.set_milestone(2, 1, True, by="alice", note="framework agreed")
    c = store.add_note(1, "oops", by="alice")
    store.undo(1, c.entry.id, by="alice")
    store.add_note(9, HOSTILE, by="alice")
    first = export(store)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")
    imported = read_plan_file(path, by="bob", at="2010-06-02T10:00:00+01:00")
    again_store = Store(tmp_path / "again.json")
    again_store.create(imported.data)
    again = export(again_store)
    first_import = json.loads(json.dumps(first))
    for r in first_import["recommendations"]:
        r["history"].append({"action": "import"})
    assert _strip_volatile(again) == _strip_volatile(first_import)


def test_every_cli_json_export_validates(tmp_path, cli):
    db = str(tmp_path / "p.json")
    base = ("--db", db, "--as-of", "2010-06-01", "--user", "alice")
    steps = [
        (),
        ("set", "3", "in_progress", "--note", "started"),
        ("revise", "8", "July 2010", "--reason", "moved"),
        ("milestone", "2", "1", "done"),
        ("note", "1", "<b>|\x1b[31m"),
        ("undo", "3"),
    ]
    for step in steps:
        if step:
            res = cli(*base, *step)
            assert res.code == 0, res.err
        res = cli(*base, "export")
        assert res.code == 0, res.err
        validate(json.loads(res.out))
    out = tmp_path / "e.json"
    assert cli(*base, "export", "-o", str(out)).code == 0
    doc = validate(json.loads(out.read_text(encoding="utf-8")))
    assert doc["exported_at"][-6] in "+-"


_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(str.strip)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=_text, owner=_text, reason=_text)
def test_any_text_exports_valid_json(seed_data, note, owner, reason):
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "p.json", clock=lambda: EXPORTED_AT)
        store.create(json.loads(json.dumps(seed_data)))
        store.add_note(1, note, by=owner)
        store.set_owner(1, owner, by=owner)
        store.revise(1, "July 2010", reason=reason, by=owner, reference=PLAN_DATE)
        r1 = export(store)["recommendations"][0]
        assert (r1["latest_note"], r1["owner"], r1["revisions"][0]["reason"]) == (note, owner, reason)
