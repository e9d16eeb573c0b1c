"""A JSON export imports with its evidence intact, and malformed evidence is refused, not carried over."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def exported(cli, plan_path, tmp_path):
    db = ["--db", str(plan_path), "--user", "alice"]
    cli(*db, "set", "1", "done", "--note", "Held 28 May", "--on", "2010-05-28")
    cli(*db, "revise", "8", "July 2010", "--reason", "Board met late", "--on", "2010-05-28")
    doc = json.loads(cli(*db, "--as-of", "2010-06-01", "export").out)
    return doc


def _write(tmp_path, doc):
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_history_and_revisions_survive_an_import(cli, exported, tmp_path):
    src = _write(tmp_path, exported)
    db = tmp_path / "copy.json"
    assert cli("--db", str(db), "import", str(src)).code == 0
    show = cli("--db", str(db), "show", "8").out
    assert "Board met late" in show and "July 2010" in show
    again = json.loads(cli("--db", str(db), "export").out)  # today: the import took effect today
    rec1 = next(r for r in again["recommendations"] if r["number"] == 1)
    assert [h["action"] for h in rec1["history"]] == ["create", "set", "import"]
    assert rec1["history"][1]["note"] == "Held 28 May"


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["history"][0].update(at="yesterday"), "history entry 1: 'at' 'yesterday'"),
    (lambda r: r["history"][0].update(at="2010-06-01T09:00:00"), "with a UTC offset"),
    (lambda r: r["history"][0].update(action="frobbed"), "unknown action 'frobbed'"),
    (lambda r: r["history"][1].update(id=1), "unique in the item"),
    (lambda r: r["history"].append({"id": 9, "at": "2010-06-02T10:00:00+01:00", "by": "x",
                                    "action": "undo", "undoes": 42}), "must name an earlier entry"),
    (lambda r: r["revisions"][0].update(reason=" "), "revision 1: a revision needs its reason"),
    (lambda r: r["revisions"][0].pop("at"), "revision 1: 'at' None"),
])
def test_malformed_evidence_is_refused_naming_the_item_and_entry(cli, exported, tmp_path, edit, message):
    rec = next(r for r in exported["recommendations"] if r["number"] == 8)
    edit(rec)
    src = _write(tmp_path, exported)
    db = tmp_path / "copy.json"
    r = cli("--db", str(db), "import", str(src))
    assert r.code != 0 and message in r.err, r.err
    assert "recommendation #8" in r.err
    assert not db.exists()


@pytest.mark.parametrize("contacts, message", [
    ([{"owner": "Straße Lead", "addresses": ["a@x.org"]}, {"owner": "STRASSE lead", "addresses": ["b@x.org"]}],
     "contact 2: 'STRASSE lead' is the owner of contact 1 too"),
    ([{"owner": "Lead", "addresses": ["Alice <a@x.org>"]}], "contact 1: 'Alice <a@x.org>' is not an e-mail address"),
    ([{"owner": "\u00a0", "addresses": ["a@x.org"]}], "contact 1: owner is empty"),
])
def test_contacts_that_contact_set_would_refuse_are_refused(cli, exported, tmp_path, contacts, message):
    """An export's contacts are checked as `contact set` checks them (a hand-edited export, or one
    from a server whose contacts were keyed otherwise, cannot bring two contacts for one owner)."""
    exported["plan"]["contacts"] = contacts
    db = tmp_path / "copy.json"
    r = cli("--db", str(db), "import", str(_write(tmp_path, exported)))
    assert r.code == 2 and message in r.err, r.err
    assert not db.exists()
