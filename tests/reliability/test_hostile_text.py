"""Hostile text in any field: stored as given, shown literally, never sent to the terminal as an escape."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from .helpers import AS_OF, HEADER, recs, run_cli, run_cli_here, write_csv

HOSTILE = [
    "[bold red]markup[/bold red] [link=https://example.com]click[/link] [/]",
    "\x1b[2J\x1b[H\x1b[31mcleared and red\x1b[0m",  # clear screen, home, colour
    "\x1b]0;retitled\x07 window title",  # OSC: set the terminal title
    "\x1b]8;;https://evil.example\x1b\\a link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1bP+q544e\x1b\\ DCS query",
    "\x9b31m C1 CSI \x9d0;t\x9c",  # 8-bit C1 controls
    "bell\x07 backspace\x08 cr\r null\x00 del\x7f vt\x0b ff\x0c",
    "\u202eevil.exe\u202c RLO, \u200f RLM, \u2066isolate\u2069, \u061c ALM",
    "line\u2028separator\u2029paragraph",
    "tab\there and a newline\nin the middle",
    "long " + "x" * 9_000,  # owners are limited to 10,000 characters
]
# What must never reach the terminal: C0/C1 controls (except newline), DEL, bidi controls, separators.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\u2028\u2029]")


def argv_safe(text: str) -> str:
    """A command-line argument cannot hold a NUL byte (the CSV import can, and is tested with it)."""
    return text.replace("\x00", "")


@pytest.fixture(scope="module")
def hostile_plan(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    # The CSV gives each owner as "Acting " + the hostile text; `assign` then sets the text itself.
    rows = [[i, h[:50], h, h, "April 2010", "Acting " + h] for i, h in enumerate(HOSTILE, start=1)]
    src = write_csv(tmp / "hostile.csv", rows)
    db = tmp / "plan.json"
    r = run_cli(db, "import", str(src), "--title", "[red]Plan\x1b[5m title")
    assert r.returncode == 0, r.stderr
    for i, h in enumerate(HOSTILE, start=1):
        a = argv_safe(h)
        for args in (["note", str(i), a], ["assign", str(i), a], ["set", str(i), "blocked", "--note", a],
                     ["revise", str(i), "May 2011", "--reason", a]):
            r = run_cli_here(db, *args, user=a[:200])  # in process: the data is what is tested here
            assert r.returncode == 0, (args, r.stderr)
            assert not UNSAFE.search(r.stdout), (args, r.stdout)
    return db


def test_hostile_text_is_stored_exactly_as_given(hostile_plan: Path) -> None:
    data = recs(hostile_plan)
    for i, h in enumerate(HOSTILE, start=1):
        doc, a = data[i], argv_safe(h)
        assert doc["recommendation"] == h and doc["management_response"] == h  # imported from CSV
        assert doc["ref"] == h[:50]
        assert doc["owner"] == a
        owner_changes = [(e["old"], e["new"]) for e in doc["history"] if e.get("field") == "owner"]
        assert owner_changes == [("Acting " + h, a)]  # imported from CSV, then assigned on the command line
        notes = [e["note"] for e in doc["history"] if e["action"] == "note" or e.get("field") == "status"]
        assert notes == [a, a]
        assert doc["revisions"][-1]["reason"] == a
        assert {e["by"] for e in doc["history"][1:]} == {a[:200]}


@pytest.mark.parametrize("args", [["list"], ["list", "--owner", "x"], ["summary"]]
                         + [["show", str(i)] for i in range(1, len(HOSTILE) + 1)], ids=" ".join)
def test_cli_output_has_no_escape_or_control_characters(hostile_plan: Path, args: list[str]) -> None:
    r = run_cli(hostile_plan, *args)
    assert r.returncode == 0, r.stderr
    bad = UNSAFE.search(r.stdout)
    assert bad is None, f"{bad.group()!r} at {bad.start()}: {r.stdout[max(0, bad.start() - 40): bad.start() + 40]!r}"
    assert not UNSAFE.search(r.stderr)


def test_html_report_shows_hostile_text_literally_and_nothing_else(hostile_plan: Path) -> None:
    from html.parser import HTMLParser

    r = run_cli(hostile_plan, "export", "--format", "html")
    assert r.returncode == 0, r.stderr
    tags, texts = set(), []

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.add(tag)
            assert not [k for k, _v in attrs if k in ("href", "src") or k.startswith("on")], (tag, attrs)

        def handle_data(self, data):
            texts.append(data)

    Reader(convert_charrefs=True).feed(r.stdout)
    allowed = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "br", "strong",
               "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "span", "figure", "figcaption",
               "svg", "desc", "rect", "line", "polyline", "text",
               "section", "wbr", "defs", "pattern"}  # sections, address break points, the chart's hatching
    assert tags <= allowed, tags - allowed
    text = "".join(texts)
    assert "[bold red]markup[/bold red]" in text and "[red]Plan\\x1b[5m title" in text
    assert "\\x1b[2J\\x1b[H" in text  # spelled out, never sent
    assert not UNSAFE.search(text.replace("\n", " "))


@pytest.mark.slow
def test_show_spells_out_what_it_cannot_show(hostile_plan: Path) -> None:
    out = {i: run_cli(hostile_plan, "show", str(i)).stdout for i in range(1, len(HOSTILE) + 1)}
    # Markup is shown literally, brackets and all.
    assert "[bold red]markup[/bold red] [link=https://example.com]click[/link] [/]" in out[1]
    # Escape sequences are spelled out, so the officer sees that something odd is in the text.
    assert "\\x1b[2J\\x1b[H\\x1b[31mcleared and red\\x1b[0m" in out[2]
    assert "\\x1b]0;retitled\\x07 window title" in out[3]
    assert "\\u202eevil.exe\\u202c" in out[8]
    # A long line is all there in `show` (nothing silently dropped).
    assert "x" * 9_000 in out[11]


def test_list_keeps_markup_literal_and_lines_short_on_a_terminal(hostile_plan: Path, terminal) -> None:
    r = terminal("--db", str(hostile_plan), "--as-of", AS_OF, "list", env={"COLUMNS": "160"})
    assert r.code == 0, r.err
    out = r.out
    assert "[bold red]markup" in out and "\\x1b[5m title" in out.splitlines()[0]
    assert not UNSAFE.search(out)
    assert max(len(line) for line in out.splitlines()) <= 160  # a 9,000-character owner does not flood it


def test_piped_list_keeps_markup_literal_and_every_field_whole(hostile_plan: Path) -> None:
    out = run_cli(hostile_plan, "list").stdout
    assert "[bold red]markup" in out and "\\x1b[5m title" in out.splitlines()[0]
    assert "long " + "x" * 9_000 in out  # a script piping `list` gets the whole owner


def test_errors_that_echo_user_text_are_escaped(tmp_path: Path, hostile_plan: Path) -> None:
    for bad in ("\x1b[31mdone", "\u202edone", "[bold]done"):
        r = run_cli(hostile_plan, "set", "1", bad)
        assert r.returncode != 0 and not UNSAFE.search(r.stderr), r.stderr
        r = run_cli(hostile_plan, "show", bad)
        assert r.returncode != 0 and not UNSAFE.search(r.stderr), r.stderr


# -- CSV export for Excel --------------------------------------------------------------------------
FORMULAS = ["=HYPERLINK(\"http://evil\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A9)", "=cmd|' /C calc'!A0",
            "\t=1+1", "\r=1+1"]


def test_csv_export_neutralises_formulas_and_round_trips(tmp_path: Path) -> None:
    rows = [[i, f, f, f, "April 2010", f] for i, f in enumerate(FORMULAS, start=1)]
    db = tmp_path / "plan.json"
    assert run_cli(db, "import", str(write_csv(tmp_path / "f.csv", rows))).returncode == 0
    for i, f in enumerate(FORMULAS, start=1):  # in this process: the notes only build the plan
        assert run_cli_here(db, "note", str(i), "--", f).returncode == 0
    out = tmp_path / "export.csv"
    r = run_cli(db, "export", "--format", "csv", "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_bytes().decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == [], dangerous
    for f in FORMULAS:
        assert "'" + f in cells  # kept, with the quote Excel shows as text
    # Importing the export gives the text back exactly.
    db2 = tmp_path / "again.json"
    r = run_cli(db2, "import", str(out))
    assert r.returncode == 0, r.stderr
    for i, f in enumerate(FORMULAS, start=1):
        doc = recs(db2)[i]
        assert doc["recommendation"] == f and doc["owner"] == f
