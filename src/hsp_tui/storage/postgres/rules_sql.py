"""The domain's rules on text (`domain/rules.py`) and its statuses (`domain/vocabulary.py`) as SQL
functions of the schema `hsp`, written from the Python values, so the server's functions in
`hsp.sql` apply exactly what the commands apply on a file.

`init` runs `rules_sql()` before the schema's versions and functions (every time: CREATE OR
REPLACE), so a database gets the rules of the hsp-tui that set it up or last upgraded it. Nothing
here depends on the server's locale: the spaces and the case folding are spelled out character by
character (PostgreSQL's own lower() and [[:space:]] follow the database's locale; Python's
str.casefold and str.split follow Unicode).

    hsp._squash(text)       " ".join(text.split())          rules.squash
    hsp._strip(text)        text.strip()
    hsp._blank(text)        not text.strip()                 rules.is_blank
    hsp._casefold(text)     text.casefold()
    hsp._owner_key(text)    rules.owner_key
    hsp._limit(what)        rules.limit_of
    hsp._text_fault(text, what, required)  what rules.check_text refuses, or NULL
    hsp._address_pattern()  rules.ADDRESS_PATTERN
    hsp._statuses()         every Status; hsp._set_statuses(): those an officer sets (not Verified)
    hsp._reminder_vias()    rules.REMINDER_VIAS
    hsp._sha256_pattern(), hsp._media_type_pattern(), hsp._url_pattern(), hsp._name_pattern()
                            rules.SHA256_PATTERN etc.: an attachment's evidence (rules.check_evidence)
    hsp._next_id(last, what) rules.next_entry_id: last + 1, refused past MAX_ID
"""

from __future__ import annotations

from functools import lru_cache

from hsp_tui.domain.rules import (ADDRESS_PATTERN, LIMITS, MEDIA_TYPE_PATTERN, NAME_PATTERN, REMINDER_VIAS,
                                  SHA256_PATTERN, TEXT_LIMIT, URL_PATTERN, WHITESPACE)
from hsp_tui.domain.vocabulary import MAX_ID, STATUS_KEYS, Status

# The rules on text are called for every owner and text a change holds: no SET clause (a SET makes
# each call save and restore the settings, ~100 us, and keeps PostgreSQL from inlining an SQL
# function into its caller), so each name in their bodies is qualified with pg_catalog instead: the
# caller's search_path cannot change what they do. (The SECURITY DEFINER functions that call them
# fix their own search_path.)
_PURE_FLAGS = "IMMUTABLE STRICT PARALLEL SAFE"
UNPINNED = ("_squash", "_strip", "_blank", "_casefold", "_owner_key", "_limit", "_text_fault")  # these, no SET
_PURE = f"LANGUAGE sql {_PURE_FLAGS}"


def literal(text: str) -> str:
    """`text` as an SQL string constant made of ASCII only (E'...' with \\u escapes: UTF-8 databases)."""
    out = []
    for c in text:
        code = ord(c)
        if c in "'\\" or code < 0x20 or code > 0x7e:
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(c)
    return "E'" + "".join(out) + "'"


def _array(values) -> str:
    return "ARRAY[" + ", ".join(literal(v) for v in values) + "]::text[]"


def fold_table() -> tuple[dict[str, str], dict[str, str]]:
    """Python's case folding, character by character: (one character to one, one to several)."""
    single, multi = {}, {}
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates: never in UTF-8 text
        c = chr(code)
        folded = c.casefold()
        if folded != c:
            (single if len(folded) == 1 else multi)[c] = folded
    return single, multi


def _casefold_sql() -> str:
    """hsp._casefold: ASCII by one short translate(); any other character only where the text holds a
    character of its 256-character page that folds (a regular expression's test), so an owner costs
    what its own characters cost, not the whole table's ~1,500 characters each time."""
    single, multi = fold_table()
    assert all(f.casefold() == f for f in (*single.values(), *multi.values())), "folding twice changes nothing"
    ascii_from = "".join(c for c in single if c.isascii())
    pages: dict[int, tuple[list[str], list[str]]] = {}
    for c in single:
        if not c.isascii():
            pages.setdefault(ord(c) >> 8, ([], []))[0].append(c)
    for c in multi:
        pages.setdefault(ord(c) >> 8, ([], []))[1].append(c)
    steps = []
    for _, (singles, multis) in sorted(pages.items()):
        expr = "s"
        for c in multis:  # "ß" -> "ss", "İ" -> "i̇": before the page's one-to-one folds
            expr = f"pg_catalog.replace({expr}, {literal(c)}, {literal(multi[c])})"
        if singles:
            expr = (f"pg_catalog.translate({expr}, {literal(''.join(singles))}, "
                    f"{literal(''.join(single[c] for c in singles))})")
        steps.append(f"    IF pg_catalog.textregexeq(s, {literal('[' + ''.join(multis + singles) + ']')}) THEN\n"
                     f"        s := {expr};\n    END IF;")
    body = "\n".join(steps)
    return f"""CREATE OR REPLACE FUNCTION hsp._casefold(p_text text) RETURNS text
LANGUAGE plpgsql {_PURE_FLAGS} AS $$
DECLARE
    s text := pg_catalog.translate(p_text, {literal(ascii_from)}, {literal(ascii_from.casefold())});
BEGIN
    IF pg_catalog.int4eq(pg_catalog.octet_length(s), pg_catalog.length(s))
       OR NOT pg_catalog.textregexeq(s, {literal('[' + ''.join(c for c in (*single, *multi) if not c.isascii()) + ']')}) THEN
        RETURN s;  -- ASCII only, or no other character that folds
    END IF;
{body}
    RETURN s;
END $$;"""


def _constant(name: str, value: str) -> str:
    """A function of no arguments returning the text `value`."""
    return f"""CREATE OR REPLACE FUNCTION hsp.{name}() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT {literal(value)}::text
$$;
"""


@lru_cache(maxsize=1)
def rules_sql() -> str:
    ws = literal(WHITESPACE)
    spaces = literal(" " * len(WHITESPACE))
    limits = " ".join(f"WHEN pg_catalog.texteq(p_what, {literal(what)}) THEN {n}" for what, n in sorted(LIMITS.items()))
    return f"""
CREATE OR REPLACE FUNCTION hsp._squash(p_text text) RETURNS text {_PURE} AS $$
    SELECT pg_catalog.btrim(pg_catalog.regexp_replace(pg_catalog.translate(p_text, {ws}, {spaces}), ' +', ' ', 'g'), ' ')
$$;
CREATE OR REPLACE FUNCTION hsp._strip(p_text text) RETURNS text {_PURE} AS $$
    SELECT pg_catalog.btrim(p_text, {ws})
$$;
CREATE OR REPLACE FUNCTION hsp._blank(p_text text) RETURNS boolean {_PURE} AS $$
    SELECT pg_catalog.texteq(pg_catalog.btrim(p_text, {ws}), '')
$$;
{_casefold_sql()}
CREATE OR REPLACE FUNCTION hsp._owner_key(p_owner text) RETURNS text {_PURE} AS $$
    SELECT hsp._casefold(hsp._squash(p_owner))
$$;
CREATE OR REPLACE FUNCTION hsp._limit(p_what text) RETURNS integer {_PURE} AS $$
    SELECT CASE {limits} ELSE {TEXT_LIMIT} END
$$;
-- What is wrong with a text an officer gives, as rules.check_text says it, or NULL: blank where it
-- is required (or missing), longer than the limit for what it is.
CREATE OR REPLACE FUNCTION hsp._text_fault(p_value text, p_what text, p_required boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_value IS NULL OR (p_required AND hsp._blank(p_value)) THEN pg_catalog.concat(p_what, ' is empty')
                WHEN pg_catalog.int4gt(pg_catalog.length(p_value), hsp._limit(p_what))
                THEN pg_catalog.concat(p_what, ' is longer than ',
                                       pg_catalog.to_char(hsp._limit(p_what), 'FM999,999,999'), ' characters') END
$$;
CREATE OR REPLACE FUNCTION hsp._address_pattern() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT {literal(ADDRESS_PATTERN)}::text
$$;
CREATE OR REPLACE FUNCTION hsp._statuses() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT {_array(s.value for s in Status)}
$$;
CREATE OR REPLACE FUNCTION hsp._set_statuses() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT {_array(s.value for s in STATUS_KEYS)}
$$;
CREATE OR REPLACE FUNCTION hsp._reminder_vias() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT {_array(REMINDER_VIAS)}
$$;
{"".join(_constant(name, value) for name, value in (
        ("_sha256_pattern", SHA256_PATTERN), ("_media_type_pattern", MEDIA_TYPE_PATTERN),
        ("_url_pattern", URL_PATTERN), ("_name_pattern", NAME_PATTERN)))}
CREATE OR REPLACE FUNCTION hsp._next_id(p_last bigint, p_what text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF coalesce(p_last, 0) >= {MAX_ID} THEN
        RAISE EXCEPTION '%: its history ids are used up (the last is {MAX_ID}); nothing was saved', p_what
            USING ERRCODE = 'HS409';
    END IF;
    RETURN coalesce(p_last, 0) + 1;
END $$;
"""
