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

_PURE = "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp"


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


def _casefold_body() -> str:
    single, multi = fold_table()
    expr = "p_text"
    for c, folded in multi.items():  # "ß" -> "ss", "İ" -> "i̇": before the one-to-one folds
        expr = f"replace({expr}, {literal(c)}, {literal(folded)})"
    return f"translate({expr}, {literal(''.join(single))}, {literal(''.join(single.values()))})"


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
    limits = " ".join(f"WHEN {literal(what)} THEN {n}" for what, n in sorted(LIMITS.items()))
    return f"""
CREATE OR REPLACE FUNCTION hsp._squash(p_text text) RETURNS text {_PURE} AS $$
    SELECT btrim(regexp_replace(translate(p_text, {ws}, {spaces}), ' +', ' ', 'g'), ' ')
$$;
CREATE OR REPLACE FUNCTION hsp._strip(p_text text) RETURNS text {_PURE} AS $$
    SELECT btrim(p_text, {ws})
$$;
CREATE OR REPLACE FUNCTION hsp._blank(p_text text) RETURNS boolean {_PURE} AS $$
    SELECT btrim(p_text, {ws}) = ''
$$;
CREATE OR REPLACE FUNCTION hsp._casefold(p_text text) RETURNS text {_PURE} AS $$
    SELECT {_casefold_body()}
$$;
CREATE OR REPLACE FUNCTION hsp._owner_key(p_owner text) RETURNS text {_PURE} AS $$
    SELECT hsp._casefold(hsp._squash(p_owner))
$$;
CREATE OR REPLACE FUNCTION hsp._limit(p_what text) RETURNS integer {_PURE} AS $$
    SELECT CASE p_what {limits} ELSE {TEXT_LIMIT} END
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
