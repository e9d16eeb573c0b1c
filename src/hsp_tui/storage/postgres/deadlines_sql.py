"""The deadline grammar of `domain/deadlines.py` as the server's SQL function `hsp._deadline`, written
from the grammar's own data (its word lists, prefixes and patterns), so `hsp.revise` called directly
from psql accepts exactly the deadlines the commands accept.

    hsp._deadline(text, reference date) -> (due date, kind text, readable boolean)
        parse_deadline(text, reference): its due date, its kind, and whether it has no warning

The patterns are the same text on both sides (deadlines.PATTERNS uses only what Python's re and
PostgreSQL's regular expressions read alike); the steps between them (clean, drop the leading
words, try each form in turn, split a cell of several dates) follow parse_deadline step by step.
tests/server/test_deadline_conformance.py runs many texts through both and fails on any difference.
`init` writes these functions with the other rules (install.py), every time (CREATE OR REPLACE).
"""

from __future__ import annotations

from functools import lru_cache

from hsp_tui.domain.deadlines import (MONTHS, ONGOING, PATTERNS, PREFIXES, QUARTER_END_MONTHS, SEASONS, TRIM,
                                      WIDE_DASHES)
from hsp_tui.storage.postgres.rules_sql import literal

_HEAD = "IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp"


def _full(name: str) -> str:
    """Pattern `name` matched whole, as re.fullmatch matches it."""
    return literal(f"^(?:{PATTERNS[name]})$")


def _array(values) -> str:
    return "ARRAY[" + ", ".join(literal(v) for v in values) + "]::text[]"


def lower_table() -> tuple[str, str]:
    """The characters str.lower makes one ASCII character (A-Z, and the Kelvin sign), as a translate().
    Any other character lower-cases to something no deadline form holds, on either side."""
    upper, lower = [], []
    for code in range(0x110000):
        c = chr(code)
        if 0xD800 <= code <= 0xDFFF or c.lower() == c:
            continue
        low = c.lower()
        if len(low) == 1 and low.isascii():
            upper.append(c)
            lower.append(low)
        else:  # e.g. "İ" -> "i" + U+0307: the combining dot is in no form, so neither side reads it
            assert not low.isascii(), c
    return "".join(upper), "".join(lower)


def _month_case(expr: str) -> str:
    return "CASE " + expr + " " + " ".join(f"WHEN {literal(w)} THEN {n}" for w, n in MONTHS.items()) + " END"


def _season_case(expr: str, which: int) -> str:
    return "CASE " + expr + " " + " ".join(f"WHEN {literal(w)} THEN {m[which]}" for w, m in SEASONS.items()) + " END"


@lru_cache(maxsize=1)
def deadline_sql() -> str:
    upper, lower = lower_table()
    dashes = "s"
    for d in WIDE_DASHES:
        dashes = f"replace({dashes}, {literal(d)}, ' - ')"
    quarter_end = "CASE q " + " ".join(f"WHEN {q} THEN {m}" for q, m in QUARTER_END_MONTHS.items()) + " END"
    unknown = "kind := 'unknown'; RETURN;"
    return f"""
CREATE OR REPLACE FUNCTION hsp._month_end(p_year integer, p_month integer) RETURNS date
LANGUAGE sql {_HEAD} AS $$
    SELECT (make_date(p_year, p_month, 1) + interval '1 month' - interval '1 day')::date
$$;
-- A day of the calendar, or NULL where Python's date() refuses it (31 April, year 0).
CREATE OR REPLACE FUNCTION hsp._calendar_day(p_year integer, p_month integer, p_day integer) RETURNS date
LANGUAGE plpgsql {_HEAD} AS $$
BEGIN
    IF p_year BETWEEN 1 AND 9999 AND p_month BETWEEN 1 AND 12 AND p_day >= 1
       AND p_day <= extract(day FROM hsp._month_end(p_year, p_month)) THEN
        RETURN make_date(p_year, p_month, p_day);
    END IF;
    RETURN NULL;
END $$;
-- The two years of a financial year follow each other ("2010/11", "2010/2011").
CREATE OR REPLACE FUNCTION hsp._years_follow(p_first integer, p_second text) RETURNS boolean
LANGUAGE sql {_HEAD} AS $$
    SELECT CASE WHEN length(p_second) = 2 THEN (p_first + 1) % 100 = p_second::integer
                ELSE p_second::integer = p_first + 1 END
$$;
-- The year of the first p_month on or after the reference (the plan's date); NULL without one.
CREATE OR REPLACE FUNCTION hsp._year_after(p_month integer, p_reference date) RETURNS integer
LANGUAGE sql {_HEAD} AS $$
    SELECT extract(year FROM p_reference)::integer
           + CASE WHEN p_month >= extract(month FROM p_reference) THEN 0 ELSE 1 END
$$;
CREATE OR REPLACE FUNCTION hsp._deadline_clean(p_text text) RETURNS text
LANGUAGE plpgsql {_HEAD} AS $$
DECLARE
    s text := hsp._squash(p_text);
BEGIN
    s := {dashes};
    s := regexp_replace(s, {literal(PATTERNS["hyphen"])}, ' - ', 'g');
    s := btrim(btrim(btrim(regexp_replace(s, ' +', ' ', 'g'), ' '), {literal(TRIM)}), ' ');
    RETURN translate(s, {literal(upper)}, {literal(lower)});
END $$;
CREATE OR REPLACE FUNCTION hsp._deadline_strip_lead(p_text text) RETURNS text
LANGUAGE plpgsql {_HEAD} AS $$
DECLARE
    s text := p_text;
    p text;
    changed boolean := true;
BEGIN
    WHILE changed LOOP
        changed := false;
        s := ltrim(s, ': ');
        FOREACH p IN ARRAY {_array(PREFIXES)} LOOP
            IF starts_with(s, p) THEN
                s := substr(s, length(p) + 1);
                changed := true;
            END IF;
        END LOOP;
    END LOOP;
    RETURN btrim(s, ' ');
END $$;
-- One period (not a list of milestones), as deadlines._parse_single: kind NULL when the text
-- is none of the forms, 'unknown' when it is one but cannot be read.
CREATE OR REPLACE FUNCTION hsp._deadline_single(s text, ref date, OUT due date, OUT kind text)
LANGUAGE plpgsql {_HEAD} AS $$
DECLARE
    g text[];
    q integer;
    y1 integer;
    y2 text;
    m1 integer;
    m2 integer;
    yr integer;
    end_year integer;
    start_year integer;
    d integer;
BEGIN
    IF s = ANY ({_array(ONGOING)}) THEN
        kind := 'ongoing'; RETURN;
    END IF;
    g := regexp_match(s, {_full("fy_quarter")});
    IF g IS NOT NULL THEN
        q := coalesce(g[1], g[6])::integer;
        y1 := coalesce(g[2], g[4])::integer;
        IF NOT hsp._years_follow(y1, coalesce(g[3], g[5])) THEN {unknown} END IF;
        due := hsp._month_end(CASE WHEN q = 4 THEN y1 + 1 ELSE y1 END, {quarter_end});
        kind := 'quarter'; RETURN;
    END IF;
    IF s ~ {_full("quarter_no_fy")} THEN {unknown} END IF;
    g := regexp_match(s, {_full("financial_year")});
    IF g IS NOT NULL THEN
        IF hsp._years_follow(g[1]::integer, g[2]) THEN
            due := make_date(g[1]::integer + 1, 3, 31); kind := 'financial_year'; RETURN;
        ELSIF length(g[2]) <> 4 THEN  -- (four digits: a range of years, read below)
            {unknown}
        END IF;
    END IF;
    g := regexp_match(s, {_full("month_range")});
    IF g IS NOT NULL THEN
        m1 := {_month_case("g[1]")};
        m2 := {_month_case("g[3]")};
        IF g[4] IS NULL THEN
            IF g[2] IS NOT NULL THEN {unknown} END IF;
            yr := hsp._year_after(m1, ref);
            IF yr IS NULL THEN {unknown} END IF;
            end_year := CASE WHEN m2 >= m1 THEN yr ELSE yr + 1 END;
        ELSE
            end_year := g[4]::integer;
            start_year := coalesce(g[2]::integer, CASE WHEN m1 <= m2 THEN end_year ELSE end_year - 1 END);
            IF (start_year, m1) > (end_year, m2) THEN {unknown} END IF;
        END IF;
        due := hsp._month_end(end_year, m2); kind := 'range'; RETURN;
    END IF;
    g := regexp_match(s, {_full("winter_fy")});
    IF g IS NOT NULL THEN
        IF NOT hsp._years_follow(g[1]::integer, g[2]) THEN {unknown} END IF;
        due := hsp._month_end(g[1]::integer + 1, 2); kind := 'season'; RETURN;
    END IF;
    g := regexp_match(s, {_full("season")});
    IF g IS NOT NULL THEN
        m1 := {_season_case("g[1]", 0)};
        m2 := {_season_case("g[1]", 1)};
        yr := coalesce(g[2]::integer, hsp._year_after(m1, ref));
        IF yr IS NULL THEN {unknown} END IF;
        due := hsp._month_end(CASE WHEN m2 < m1 THEN yr + 1 ELSE yr END, m2); kind := 'season'; RETURN;
    END IF;
    g := regexp_match(s, {_full("month")});
    IF g IS NOT NULL THEN
        m1 := {_month_case("coalesce(g[1], g[4])")};
        yr := coalesce(coalesce(g[2], g[3])::integer, hsp._year_after(m1, ref));
        IF yr IS NULL THEN {unknown} END IF;
        due := hsp._month_end(yr, m1); kind := 'month'; RETURN;
    END IF;
    g := regexp_match(s, {_full("years")});
    IF g IS NOT NULL THEN
        IF coalesce(g[2], g[1])::integer < g[1]::integer THEN {unknown} END IF;
        due := make_date(coalesce(g[2], g[1])::integer, 12, 31); kind := 'year'; RETURN;
    END IF;
    -- an exact day: ISO year-first, UK numeric day-first, or with the month in words
    g := regexp_match(s, {_full("iso_date")});
    IF g IS NOT NULL THEN
        due := hsp._calendar_day(g[1]::integer, g[2]::integer, g[3]::integer);
        kind := CASE WHEN due IS NULL THEN 'unknown' ELSE 'day' END; RETURN;
    END IF;
    g := regexp_match(s, {_full("numeric_date")});
    IF g IS NOT NULL THEN
        yr := g[3]::integer;
        due := hsp._calendar_day(CASE WHEN yr < 100 THEN yr + 2000 ELSE yr END, g[2]::integer, g[1]::integer);
        kind := CASE WHEN due IS NULL THEN 'unknown' ELSE 'day' END; RETURN;
    END IF;
    g := regexp_match(s, {_full("day_month")});
    IF g IS NOT NULL THEN
        d := g[1]::integer; m1 := {_month_case("g[2]")}; y2 := g[3];
    ELSE
        g := regexp_match(s, {_full("month_day")});
        IF g IS NULL THEN
            RETURN;  -- none of the forms
        END IF;
        m1 := {_month_case("g[1]")}; d := g[2]::integer; y2 := g[3];
        IF y2 IS NULL THEN {unknown} END IF;  -- "March 11": a day, or March 2011?
    END IF;
    IF y2 IS NOT NULL THEN
        due := hsp._calendar_day(y2::integer, m1, d);
    ELSIF ref IS NOT NULL THEN  -- the first such day on or after the plan's date
        FOR yr IN extract(year FROM ref)::integer .. extract(year FROM ref)::integer + 8 LOOP
            due := hsp._calendar_day(yr, m1, d);
            EXIT WHEN due >= ref;
            due := NULL;
        END LOOP;
    END IF;
    kind := CASE WHEN due IS NULL THEN 'unknown' ELSE 'day' END;
END $$;
-- A deadline as deadlines.parse_deadline reads it: its due date, its kind, and whether it
-- reads (no warning).
CREATE OR REPLACE FUNCTION hsp._deadline(p_text text, p_reference date,
                                         OUT due date, OUT kind text, OUT readable boolean)
LANGUAGE plpgsql {_HEAD} AS $$
DECLARE
    s text := hsp._deadline_clean(p_text);
    pieces text[];
    piece text;
    part record;
BEGIN
    IF s = '' THEN
        kind := 'none'; readable := true; RETURN;
    END IF;
    SELECT * INTO part FROM hsp._deadline_single(hsp._deadline_strip_lead(s), p_reference);
    IF part.kind IS NOT NULL THEN
        due := part.due; kind := part.kind; readable := part.kind <> 'unknown'; RETURN;
    END IF;
    -- a cell of several dates (milestones), split at its separators or into "Month Year" pairs
    pieces := ARRAY(SELECT p FROM regexp_split_to_table(s, {literal(PATTERNS["separator"])}) WITH ORDINALITY AS x(p, n)
                     WHERE p <> '' ORDER BY n);
    IF cardinality(pieces) <= 1 THEN
        pieces := ARRAY(SELECT m[1] FROM regexp_matches(s, {literal(PATTERNS["pair"])}, 'g') WITH ORDINALITY AS x(m, n)
                         ORDER BY n);
        IF cardinality(pieces) <= 1 OR s !~ {_full("pairs")} THEN
            pieces := NULL;
        END IF;
    END IF;
    kind := 'unknown'; readable := false;
    IF pieces IS NULL THEN
        RETURN;
    END IF;
    FOREACH piece IN ARRAY pieces LOOP
        SELECT * INTO part FROM hsp._deadline_single(hsp._deadline_strip_lead(piece), p_reference);
        IF part.due IS NULL THEN
            due := NULL; RETURN;
        END IF;
        due := greatest(due, part.due);
    END LOOP;
    kind := 'milestones'; readable := true;
END $$;
"""
