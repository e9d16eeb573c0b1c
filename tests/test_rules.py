"""The rules on text, in Python: the spaces named in `rules.WHITESPACE` are exactly those Python's
str.split() and str.strip() take (the server folds that list), and the address pattern is the one
check of an address."""

from __future__ import annotations

import pytest

from hsp_tui.domain.errors import ConflictError, InputError
from hsp_tui.domain.rules import (WHITESPACE, check_address, check_text, contact_addresses, next_entry_id, owner_key,
                                  reminder_recipients)
from hsp_tui.domain.vocabulary import MAX_ID


def test_whitespace_is_what_python_splits_on():
    assert set(WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert len(set(WHITESPACE)) == len(WHITESPACE)


@pytest.mark.parametrize("a, b", [("Straße Lead", "STRASSE  lead"), ("Chief\u00a0Executive", " chief executive\t"),
                                  ("ΟΔΥΣΣΕΥΣ", "οδυσσευς"), ("ﬁnance", "FINANCE")])
def test_owners_that_are_one(a, b):
    assert owner_key(a) == owner_key(b)


@pytest.mark.parametrize("a, b", [("İl", "Il"), ("Chief\u200bExecutive", "Chief Executive")])
def test_owners_that_are_two(a, b):
    assert owner_key(a) != owner_key(b)


def test_addresses_are_trimmed_checked_and_kept_once():
    assert contact_addresses([" a@x.org\u00a0", "A@X.ORG", "b@x.org"]) == ("a@x.org", "b@x.org")
    assert reminder_recipients(["a@x.org", "a@x.org"]) == ("a@x.org", "a@x.org")
    for bad in ("Alice <a@x.org>", "a b@x.org", "a\u00a0b@x.org", "a@b@c", "@x.org", "a@" + "x" * 253):
        with pytest.raises(InputError):
            check_address(bad)
    with pytest.raises(InputError):
        reminder_recipients([])


def test_text_is_refused_when_blank_or_too_long():
    for blank in ("", " ", "\u3000", "\x0b\x1c\x85"):
        with pytest.raises(InputError, match="empty"):
            check_text(blank, "note", required=True)
    with pytest.raises(InputError, match="10,000"):
        check_text("o" * 10_001, "owner")
    assert check_text("\u200b", "note", required=True) == "\u200b"


def test_history_ids_end_at_max_id():
    assert next_entry_id([], "the plan") == 1
    assert next_entry_id([3, 1, MAX_ID - 1], "the plan") == MAX_ID
    with pytest.raises(ConflictError, match="used up"):
        next_entry_id([MAX_ID], "recommendation 7")
