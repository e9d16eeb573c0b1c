"""A plan's documents are taken or refused alike by the import command and by the server's
hsp.add_plan called directly (as an officer, alice, could with psql): the texts' limits, a blank
recommendation or revision reason, the contacts' owners and addresses, one contact per owner.
Each case changes one thing in a small valid plan, imports it from a JSON file with the command's
reader (formats/importing.py) and hands the same documents to hsp.add_plan.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

import psycopg
import pytest
from psycopg.types.json import Jsonb

from hsp_tui.domain.errors import InputError
from hsp_tui.domain.rules import LIMITS, TEXT_LIMIT
from hsp_tui.formats.importing import read_plan_file
from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema
from pgharness import OWNER
from test_conformance import AT, _item

META = {"title": "Conformance plan", "date": "2010-03-01", "author": "", "prepared_for": "", "source": "", "notes": "",
        "contacts": [{"owner": "Head of Policy", "addresses": ["policy@x.org"]}]}


def _set(path: tuple, value: Any) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _contacts(*contacts: tuple[str, list[str]]) -> Callable[[dict], None]:
    return _set(("meta", "contacts"), [{"owner": o, "addresses": a} for o, a in contacts])


CONTACT = {"addresses": ["policy@x.org"], "sponsor": ["boss@x.org"]}


def _entries(*values: Any, field: str | None = "Head of Policy") -> Callable[[dict], None]:
    """The plan's own history: a contact entry for each value after the first, its old the one before."""
    return _set(("meta", "history"), [
        {"id": k, "at": AT, "by": "tess", "action": "contact", "field": field, "old": old, "new": new, "note": None}
        for k, (old, new) in enumerate(zip(values, values[1:]), start=1)])


REVISION = {"deadline": "July 2010", "reason": "slipped", "by": "tess", "at": AT}
CASES = [
    ("as it is", [], "ok"),
    ("a recommendation in no-break and em spaces", [_set(("items", 0, "recommendation"), "\u00a0\u2003")], "refused"),
    ("the longest owner", [_set(("items", 0, "owner"), "O" * LIMITS["owner"])], "ok"),
    ("an owner one longer", [_set(("items", 0, "owner"), "O" * (LIMITS["owner"] + 1))], "refused"),
    ("the longest deadline", [_set(("items", 1, "deadline"), "June 2010" + " " * (LIMITS["deadline"] - 9))], "ok"),
    ("a deadline one longer", [_set(("items", 1, "deadline"), "June 2010" + " " * (LIMITS["deadline"] - 8))], "refused"),
    ("a milestone's deadline too long", [_set(("items", 0, "milestones", 1, "deadline"), "x" * (LIMITS["deadline"] + 1))],
     "refused"),
    ("a milestone's label too long", [_set(("items", 0, "milestones", 0, "label"), "x" * (TEXT_LIMIT + 1))], "refused"),
    ("a ref too long", [_set(("items", 1, "ref"), "r" * (TEXT_LIMIT + 1))], "refused"),
    ("a management response too long", [_set(("items", 1, "management_response"), "r" * (TEXT_LIMIT + 1))], "refused"),
    ("an empty owner, ref and response", [_set(("items", 0, "owner"), ""), _set(("items", 0, "ref"), ""),
                                          _set(("items", 0, "management_response"), "")], "ok"),
    ("a revision", [_set(("items", 0, "revisions"), [REVISION])], "ok"),
    ("a revision's reason blank", [_set(("items", 0, "revisions"), [dict(REVISION, reason="\u3000")])], "refused"),
    ("contacts: spaces around an address, non-ASCII, none", [_contacts(("Lead", [" a@x.org\u00a0", "jürgen@straße.de"]),
                                                                       ("Chief", []))], "ok"),
    ("contacts: a blank owner", [_contacts(("\u2003", ["a@x.org"]))], "refused"),
    ("contacts: an owner too long", [_contacts(("O" * (LIMITS["owner"] + 1), ["a@x.org"]))], "refused"),
    ("contacts: not an address", [_contacts(("Lead", ["a@x.org", "Alice <a@x.org>"]))], "refused"),
    ("contacts: an address too long", [_contacts(("Lead", ["a@" + "x" * 251 + ".org"]))], "refused"),
    ("contacts: Straße Lead and STRASSE  LEAD are one owner", [_contacts(("Straße Lead", ["a@x.org"]),
                                                                         ("STRASSE  LEAD", ["b@x.org"]))], "refused"),
    ("contacts: a no-break space is a space", [_contacts(("Chief Executive", ["a@x.org"]),
                                                         ("chief\u00a0executive", ["b@x.org"]))], "refused"),
    ("contacts: a sponsor", [_set(("meta", "contacts", 0, "sponsor"), ["boss@x.org"])], "ok"),
    ("contacts: a sponsor not recorded (null: none)", [_set(("meta", "contacts", 0, "sponsor"), None)], "ok"),
    ("contacts: a sponsor not a list", [_set(("meta", "contacts", 0, "sponsor"), "boss@x.org")], "refused"),
    ("contact entries: the contact before and after", [_entries(None, CONTACT, {**CONTACT, "sponsor": []})], "ok"),
    ("contact entries: the addresses alone (before sponsors were recorded)",
     [_entries(None, ["policy@x.org"], ["policy@x.org"])], "ok"),
    ("contact entries: without the sponsor", [_entries(None, {"addresses": ["policy@x.org"]})], "refused"),
    ("contact entries: a key more", [_entries({**CONTACT, "owner": "x"}, CONTACT)], "refused"),
    ("contact entries: a sponsor not a list", [_entries(None, {**CONTACT, "sponsor": "boss@x.org"})], "refused"),
    ("contact entries: an address not text", [_entries(None, [1])], "refused"),
    ("contact entries: text, not a list", [_entries(None, "policy@x.org")], "refused"),
    ("contact entries: no owner", [_entries(None, CONTACT, field=None)], "refused"),
]


@pytest.fixture(scope="module")
def import_db(pg_cluster, pg_people):
    db = pg_cluster.create_database()
    conn = pgconnect.connect(pg_cluster.url(db, OWNER))
    try:
        pgschema.install(conn)
    finally:
        conn.close()
    return db


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_import_command_and_add_plan_take_the_same_plans(case, tmp_path, pg_cluster, import_db):
    name, changes, expected = case
    doc = {"meta": copy.deepcopy(META), "items": [_item(1), _item(2)]}
    for change in changes:
        change(doc)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"plan": doc["meta"], "recommendations": doc["items"]}), encoding="utf-8")
    try:
        read_plan_file(path, by="tess", at=AT)
        on_file = "ok", None
    except InputError as exc:
        on_file = "refused", str(exc)
    with psycopg.connect(pg_cluster.url(import_db, "alice"), autocommit=True) as conn:
        try:
            conn.execute("SELECT hsp.add_plan(%s, %s, %s, 'import', 'imported for the test')",
                         [f"i{CASES.index(case)}", Jsonb(doc["meta"]), Jsonb(doc["items"])])
            on_server = "ok", None
        except psycopg.Error as exc:
            assert exc.sqlstate == "HS400", f"{exc.sqlstate} {exc}"
            on_server = "refused", str(exc)
    assert (on_file[0], on_server[0]) == (expected, expected), f"on a file: {on_file}; on the server: {on_server}"
