"""A plan file made to exhaust the reader: nested 100,000 deep, 100 MB of `[{},{},...]`, a 50 MB owner.

A colleague who may write the team plan (Mallory) replaces it with such a file; every command Alice
runs (and the app, at start and when it re-reads the file) says in one line that the file is not a
plan, exit 3, in memory bounded by the file's size (the commands run under an address-space limit),
never an internal error (exit 70). Every command runs as a real other user.
"""

from __future__ import annotations

import os
import resource
import subprocess
import shutil
from pathlib import Path

import orjson
import pytest

from sampling import sampled

from .helpers import assert_one_line_error, make_plan
from .people import ALICE, MALLORY, TEAM, needs_root, shared_root, team_folder  # noqa: F401

pytestmark = needs_root
DEEP = 100_000


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("sizes"), 12, name="template.json")


def deep_plan(template: Path) -> bytes:
    """A real plan whose first item's note is nested 100,000 lists deep."""
    data = orjson.loads(template.read_bytes())
    text = orjson.dumps(data)
    hole = b'"Officer 1"'
    assert hole in text
    return text.replace(hole, b"[" * DEEP + b"]" * DEEP, 1)


CASES = {
    "deep-array": lambda t: b"[" * DEEP + b"]" * DEEP,
    "deep-object": lambda t: b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "deep-in-a-record": deep_plan,
    "100MB-of-empty-objects": lambda t: b"[" + b"{}," * (100 * 1024 * 1024 // 3) + b"{}]",
    "50MB-owner": lambda t: t.read_bytes().replace(b'"Officer 1"', b'"' + b"A" * (50 * 1024 * 1024) + b'"', 1),
}


def limited() -> None:
    """At most 1.5 GB of address space (the 100 MB file once read took 3.2 GB)."""
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))


@pytest.mark.parametrize("case", sampled(CASES, 2))
def test_a_file_built_to_exhaust_the_reader_is_refused_in_one_line(shared_root: Path, template: Path, case: str) -> None:
    team = team_folder(shared_root, 0o2770)
    db = team / "plan.json"
    shutil.copy(template, db)
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, 0o660)
    payload = CASES[case](template)
    MALLORY.python("import sys\nopen(sys.argv[1], 'wb').write(sys.stdin.buffer.read())", str(db), input=payload)
    for args in (("list",), ("show", "1"), ("set", "2", "done"), ("export", "--format", "json")):
        r = ALICE.run(db, *args, preexec_fn=limited)
        line = assert_one_line_error(r, names=db, code=3)
        assert "MemoryError" not in line, line
        if case == "50MB-owner":
            assert "recommendation 1: the field 'owner' is longer than 1,000,000 characters" in line, line
    assert db.read_bytes() == payload  # nothing was written over it


def test_the_app_refuses_such_a_file_at_start(shared_root: Path, template: Path) -> None:
    """`hsp-tui` with no command opens the app: on a file nested 100,000 deep it stops before the
    app starts, with the one line and exit 3 (before: exit 70). Re-reading such a file while the
    app runs: tests/tui/test_hostile_file.py."""
    team = team_folder(shared_root, 0o2770)
    db = team / "plan.json"
    MALLORY.python("import sys\nopen(sys.argv[1], 'wb').write(sys.stdin.buffer.read())", str(db),
                   input=deep_plan(template))
    r = ALICE.run(db, stdin=subprocess.DEVNULL, preexec_fn=limited)
    assert_one_line_error(r, names=db, code=3)


@pytest.mark.parametrize("case", sampled(["field", "record"]))
def test_a_key_given_twice_is_refused_naming_the_item(shared_root: Path, template: Path, case: str) -> None:
    """`"owner": "FIRST", "owner": "SECOND"` (JSON decoders keep the last one silently, and the next
    save dropped FIRST), or a recommendation's number used twice as a key (before: "damaged" only on
    `set`): every command refuses the file on read, naming the item, and leaves it untouched."""
    team = team_folder(shared_root, 0o2770)
    db = team / "plan.json"
    raw = template.read_bytes()
    if case == "field":
        edited = raw.replace(b'"owner": "Officer 3"', b'"owner": "FIRST", "owner": "Officer 3"', 1)
        words = "recommendation 3: the field 'owner' is given twice"
    else:
        first = orjson.loads(raw)["recommendations"]["4"]
        marker = b'"recommendations": {'
        edited = raw.replace(marker, marker + b'\n    "4": ' + orjson.dumps(first) + b",", 1)
        words = "recommendation 4 is given twice"
    assert edited != raw
    db.write_bytes(template.read_bytes())
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, 0o660)
    MALLORY.python("import sys\nopen(sys.argv[1], 'r+b').write(sys.stdin.buffer.read())", str(db), input=edited)
    assert db.read_bytes() == edited
    for args in (("list",), ("show", "3"), ("set", "1", "done"), ("export", "--format", "csv")):
        r = ALICE.run(db, *args)
        line = assert_one_line_error(r, names=db, code=3)
        assert words in line, line
    assert db.read_bytes() == edited
