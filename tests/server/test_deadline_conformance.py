"""A deadline reads the same on a file and on a server: the server's hsp._deadline (written from
domain/deadlines.py's grammar by storage/postgres/deadlines_sql.py) and parse_deadline agree, text
by text, on whether it reads, its precision and its due date, for every deadline of the seed, of
tests/test_deadlines.py, and of the property tests' strategies (tests/reliability), with and
without the plan's date. hsp.revise refuses what this function cannot read (test_conformance.py).
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import test_deadlines
from hsp_tui.domain.deadlines import MONTHS, PREFIXES, parse_deadline
from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema
from hsp_tui.storage.seed import seed_document
from pgharness import OWNER
from reliability import test_deadline_properties as props

REFERENCES = (None, date(2010, 3, 16), date(2011, 12, 31), date(2012, 2, 29))


def _seed_texts() -> list[str]:
    seed = seed_document()
    return [t for rec in seed["recommendations"] for t in (rec["deadline"], *(m["deadline"] for m in rec["milestones"]))]


def _test_deadlines_texts() -> list[str]:
    """Every text tests/test_deadlines.py parametrises its tests with."""
    texts = []
    for value in vars(test_deadlines).values():
        for mark in getattr(value, "pytestmark", ()):
            if mark.name == "parametrize":
                for row in mark.args[1]:
                    texts += [v for v in (row if isinstance(row, tuple) else (row,)) if isinstance(v, str)]
    return texts


HAND = [
    "", "   ", "Ongoing", "as required", "when pigs fly", "Q3 2010/11 and", "31/02/2011", "0/0/0000", "29/02/2012",
    "29 February", "29th of Feb", "31 April", "April 2010 - ", "99999999999999999999 April", "- - -", "\x1b[31m",
    "April ٢٠١٠", "20١٠", "Kelvin", "DEC 2010", "İstanbul", "April 2010 then May 2010", "April 2010thenMay 2010",
    "April 2010 & 1 May 2011", "1 April 2010 2 May 2011", "march 20101 april 2011", "june 12010", "Winter 2010/12",
    "winter", "spring", "Nov - Jan", "Nov 2011 - Jan", "2012 - 2010", "2010 to 2012", "Q4 2010/2011", "2010/11 Q4",
    "fy2010-11 q2", "Q1 of FY 2010/11", "the financial year 2010/11", "1/4/0099", "01.04.11", "2010-2-3",
    "due: by end of: April 2010.", "Target: Summer", "end of the end of June 2010", "on - going", "On–going",
    "April\u00a02010", "April\u20142010", "2010\u2013 11", "10/11", "April 2010, May 2010; June 2010 and July 2010",
    "April 2010, Ongoing", "12th June", "June 12th", "June 12th, 2010", "sept 31 2010", "Fall 2010", "may", "mayo 2010",
]


@pytest.fixture(scope="module")
def deadline_conn(pg_cluster, pg_people):
    db = pg_cluster.create_database()
    conn = pgconnect.connect(pg_cluster.url(db, OWNER))
    try:
        pgschema.install(conn)
    finally:
        conn.close()
    with psycopg.connect(pg_cluster.url(db, OWNER), autocommit=True) as conn:
        yield conn


def differences(conn, texts: list[str]) -> list[str]:
    """Each (text, reference) read otherwise on the server than by parse_deadline."""
    pairs = [(t, r) for t in dict.fromkeys(texts) if "\x00" not in t for r in REFERENCES]
    rows = conn.execute("SELECT (hsp._deadline(t, r)).* FROM unnest(%s::text[], %s::date[]) WITH ORDINALITY AS x(t, r, n) "
                        "ORDER BY n", [[t for t, _ in pairs], [r for _, r in pairs]]).fetchall()
    wrong = []
    for (text, reference), (due, kind, readable) in zip(pairs, rows, strict=True):
        d = parse_deadline(text, reference)
        if (d.due, d.precision.value, d.warning is None) != (due, kind, readable):
            wrong.append(f"{text!r} (plan of {reference}): here {d.due} {d.precision.value} {d.warning}, "
                         f"on the server {due} {kind} {'reads' if readable else 'unreadable'}")
    return wrong


def test_the_seed_and_the_deadline_tests_read_alike(deadline_conn):
    texts = _seed_texts() + _test_deadlines_texts() + HAND
    assert len(texts) > 100
    assert differences(deadline_conn, texts) == []


def test_every_leading_word_and_month_name_reads_alike(deadline_conn):
    texts = [f"{p}{m} 2010" for p in PREFIXES for m in MONTHS] + [f"{p.upper()}{m}" for p in PREFIXES for m in MONTHS]
    assert differences(deadline_conn, texts) == []


_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])
_salad = st.lists(st.sampled_from(props.MONTH_NAMES + ["2010", "2011", "/", "-", "q3", "and", ",", " ", "of", "end",
                                                       "by", "12", "31", "spring", "ongoing", "fy", "to", ";", "1st",
                                                       "then", "&", "winter", "29", "feb", "q4", "10", ".", "–"]),
                  max_size=12).map("".join)
_month_year = st.tuples(props.leads, props.month_words, props.spaces, props.years).map(
    lambda t: f"{t[0]}{t[1][1]}{t[2]}{t[3]}")
_range = st.tuples(props.month_words, props.years | st.just(""), props.dashes, props.month_words,
                   props.years | st.just("")).map(lambda t: f"{t[0][1]} {t[1]}{t[2]}{t[3][1]} {t[4]}")
_days = st.tuples(st.integers(0, 32), st.integers(0, 13), st.integers(0, 2100), st.sampled_from(["/", ".", "-"])).map(
    lambda t: f"{t[0]}{t[3]}{t[1]}{t[3]}{t[2]}")
_texts = st.one_of(st.text(max_size=30), _salad, _month_year, _range, _days)


@pytest.mark.slow  # random texts, 1,000 a run: the seed's and the catalogue's read alike in the quick loop
@_SETTINGS
@given(st.lists(_texts, min_size=40, max_size=40))
def test_the_property_tests_texts_read_alike(deadline_conn, texts):
    assert differences(deadline_conn, texts) == []
