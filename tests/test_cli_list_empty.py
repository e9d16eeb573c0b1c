"""`list` with no matching item: one line saying so, not a table header with nothing under it."""

from __future__ import annotations

import csv
import io
import json

AS_OF = ("--as-of", "2010-06-01")


def test_no_match_says_so_in_one_line_instead_of_an_empty_table(cli, plan_path):
    r = cli("--db", str(plan_path), *AS_OF, "list", "--owner", "nobody of that name")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[1] == "No item matches: owner containing 'nobody of that name'."
    assert not any(line.startswith("No.") for line in lines)  # no table header
    assert lines[2].startswith("0 of 12 shown as of 1 Jun 2010")


def test_no_match_names_every_filter_given(cli, plan_path):
    r = cli("--db", str(plan_path), *AS_OF, "list", "--due-soon", "--status", "done")
    assert r.code == 0, r.err
    assert "No item matches: status Done, awaiting verification; due within 14 days." in r.out.splitlines()
    assert not any(line.startswith("No.") for line in r.out.splitlines())


def test_machine_formats_stay_valid_and_empty(cli, plan_path):
    args = ("--db", str(plan_path), *AS_OF, "list", "--owner", "nobody")
    assert json.loads(cli(*args, "--format", "json").out) == []
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        rows = list(csv.reader(io.StringIO(cli(*args, "--format", fmt).out), delimiter=delimiter))
        assert rows[0][:3] == ["number", "ref", "title"] and rows[1:] == []
        assert "No item matches" not in cli(*args, "--format", fmt).out


def test_a_match_still_prints_the_table(cli, plan_path):
    r = cli("--db", str(plan_path), *AS_OF, "list", "--overdue")
    assert r.code == 0, r.err
    assert any(line.startswith("No.") for line in r.out.splitlines())
    assert "No item matches" not in r.out
