"""The rules on what officers write, each once: blank text, how long a text may be, how owners
compare, what an e-mail address is, and which id a new history entry gets.

A plan on a server keeps the same rules inside the database, since an officer with `psql` calls
its functions directly: `storage/postgres/rules_sql.py` writes them as SQL functions from the values
here whenever `init` sets the database up or upgrades it, and tests/server/test_conformance.py runs
one table of cases through the commands on a file and through the server's functions, and fails on
any difference.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from hsp_tui.domain.errors import ConflictError, InputError
from hsp_tui.domain.vocabulary import MAX_ID

# What Python's str.split() and str.strip() take for space (a test checks it is exactly that set):
# the server folds the same characters, whatever its locale.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")

TEXT_LIMIT = 1_000_000  # characters of a note, a reason, a recommendation's text, a cell of a CSV
LIMITS = {"owner": 10_000, "deadline": 1_000, "address": 254,  # shorter limits, by what the text is
          "file name": 255, "url": 2_000, "media type": 255}

# Characters an e-mail address (as a reminder's recipient) never holds: no display name, no
# spaces, no controls; one "@" between two non-empty parts.
ADDRESS_FORBIDDEN = '@<>(),;:"[]\\' + WHITESPACE + "".join(map(chr, range(0x20))) + "\x7f"
_ADDRESS_PART = "[^" + "".join(f"\\u{ord(c):04x}" for c in ADDRESS_FORBIDDEN) + "]+"
ADDRESS_PATTERN = f"^{_ADDRESS_PART}@{_ADDRESS_PART}$"  # the same text is the server's pattern

REMINDER_VIAS = ("smtp", "outbox")  # a reminder is sent by SMTP or written to an outbox
# Reminders about an item before its owner's sponsor is copied on the next one, when the settings
# file says nothing (`escalate_after`): the reminders (formats.reminders) and the settings
# (cli.config) both take it from here.
DEFAULT_ESCALATE_AFTER = 3

# Evidence (an ATTACH entry's `new`): a copy is {name, size, sha256, media_type}, a link is {url}.
# A copy is named by its SHA-256 in lower-case hex; a media type is "type/subtype" (RFC 6838's
# characters, lower case); a link is http(s) or mailto, without spaces or control characters (it
# is never fetched, only shown); a file's name is a base name as given (no "/", not "." or "..").
SHA256_PATTERN = "^[0-9a-f]{64}$"
_TOKEN = "[a-z0-9][-a-z0-9!#$&^_.+]{0,126}"
MEDIA_TYPE_PATTERN = f"^{_TOKEN}/{_TOKEN}$"
URL_FORBIDDEN = WHITESPACE + "".join(map(chr, range(0x20))) + "".join(map(chr, range(0x7f, 0xa0)))
URL_PATTERN = "^(https?://|mailto:)[^" + "".join(f"\\u{ord(c):04x}" for c in URL_FORBIDDEN) + "]+$"
NAME_FORBIDDEN = "/" + "".join(map(chr, range(0x20))) + "\x7f"
NAME_PATTERN = "^[^" + "".join(f"\\u{ord(c):04x}" for c in NAME_FORBIDDEN) + "]+$"  # and not "." or ".."
COPY_KEYS = ("name", "size", "sha256", "media_type")
LINK_KEYS = ("url",)


def limit_of(what: str) -> int:
    """The most characters the text `what` ("note", "owner", "deadline"...) may have."""
    return LIMITS.get(what, TEXT_LIMIT)


def is_blank(text: str) -> bool:
    return not text.strip()


def squash(text: str) -> str:
    """Runs of space made one space, none at either end ("Chief  executive " is "Chief executive")."""
    return " ".join(text.split())


def owner_key(owner: str) -> str:
    """Owners compare without regard to case or runs of spaces: "Straße  Lead" is "STRASSE lead"
    (Unicode case folding, as str.casefold; a no-break space is a space)."""
    return squash(owner).casefold()


def check_text(value: Any, what: str, *, required: bool = False, limit: int | None = None) -> str:
    """User text is stored as given; it must be text that UTF-8 can hold, and not absurdly long
    (`limit`: else the limit for `what`). (A NUL character is kept in a file; PostgreSQL's text
    cannot hold one, so on a server the driver refuses it before anything is sent.)"""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} is not valid UTF-8 text") from None
    if required and is_blank(value):
        raise InputError(f"{what} is empty")
    limit = limit_of(what) if limit is None else limit
    if len(value) > limit:
        raise InputError(f"{what} is longer than {limit:,} characters")
    return value


def check_address(address: Any) -> str:
    """An e-mail address as a reminder's recipient, spaces around it dropped: one plain address."""
    text = str(address).strip()
    if len(text) > limit_of("address") or not re.fullmatch(ADDRESS_PATTERN, text):  # compiled at first use
        raise InputError(f"{address!r} is not an e-mail address (write it as name@example.org)")
    return text


def contact_addresses(addresses: Iterable[Any]) -> tuple[str, ...]:
    """A contact's addresses, each checked, in the order given, each once (compared as owners are)."""
    seen: dict[str, str] = {}
    for a in addresses:
        a = check_address(a)
        seen.setdefault(a.casefold(), a)
    return tuple(seen.values())


def reminder_recipients(addresses: Iterable[Any]) -> tuple[str, ...]:
    """Whom a reminder went to: at least one address, each checked."""
    to = tuple(check_address(a) for a in addresses)
    if not to:
        raise InputError("a reminder goes to at least one address")
    return to


def check_copy(name: Any, size: Any, sha256: Any, media_type: Any) -> dict[str, Any]:
    """A copy's description as an ATTACH entry records it, each part checked."""
    check_text(name, "file name", required=True)
    if name in (".", "..") or not re.fullmatch(NAME_PATTERN, name):
        raise InputError(f"{name!r} is not a file's base name (no '/' or control characters)")
    if type(size) is not int or size < 0:
        raise InputError(f"a copy's size must be a whole number of bytes, not {size!r}")
    if not isinstance(sha256, str) or not re.fullmatch(SHA256_PATTERN, sha256):
        raise InputError(f"{sha256!r} is not a SHA-256 (64 lower-case hex digits)")
    if not isinstance(media_type, str) or len(media_type) > limit_of("media type") \
            or not re.fullmatch(MEDIA_TYPE_PATTERN, media_type):
        raise InputError(f"{media_type!r} is not a media type (such as application/pdf)")
    return {"name": name, "size": size, "sha256": sha256, "media_type": media_type}


def check_url(url: Any) -> str:
    """A link as evidence: http, https or mailto, no spaces or control characters; never fetched."""
    check_text(url, "url", required=True)
    if not re.fullmatch(URL_PATTERN, url):
        raise InputError(f"{url!r} is not a link to record (http://, https:// or mailto:, without spaces)")
    return url


def check_evidence(evidence: Any) -> dict[str, Any]:
    """An ATTACH entry's `new`: a copy {name, size, sha256, media_type} or a link {url}."""
    if isinstance(evidence, dict) and tuple(sorted(evidence)) == tuple(sorted(COPY_KEYS)):
        return check_copy(evidence["name"], evidence["size"], evidence["sha256"], evidence["media_type"])
    if isinstance(evidence, dict) and tuple(evidence) == LINK_KEYS:
        return {"url": check_url(evidence["url"])}
    raise InputError("evidence is a copy {name, size, sha256, media_type} or a link {url}")


def next_entry_id(ids: Iterable[int], what: str) -> int:
    """The id of the next entry of a history whose entries have `ids` (of `what`: "recommendation 7",
    "the plan"): ids count up from 1 to MAX_ID, the most a database's integer column holds."""
    next_id = max(ids, default=0) + 1
    if next_id > MAX_ID:
        raise ConflictError(f"{what}: its history ids are used up (the last is {MAX_ID}); nothing was saved")
    return next_id
