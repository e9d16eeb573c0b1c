"""The plan's vocabularies and value types: the statuses an item can be in, the actions and fields a
history entry records, and the constrained numbers and times the records are made of (`records`).
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Mapping

import msgspec

from hsp_tui.domain.errors import InputError

# Numbers and history ids are 32-bit signed wherever they are stored: a server's integer columns
# (tests/server/test_conformance.py reads the column types) hold no more.
MAX_ID = 2**31 - 1
# The options of every record (`records`, `history`): frozen, untracked by the cycle collector, strict.
RECORD = {"frozen": True, "gc": False, "forbid_unknown_fields": True}
_ENCODE = msgspec.json.Encoder().encode
_DECODE = msgspec.json.Decoder().decode


class Record(msgspec.Struct, **RECORD):
    """A record of the plan (`records`, `history`): read from and written as its declaration says;
    nowhere are its fields listed again by hand."""

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON holds it: its fields in the declared order, enums as their values, a
        date as YYYY-MM-DD, tuples as lists, defaults left out where the Struct omits them."""
        return _DECODE(_ENCODE(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]):
        """The record from JSON's values, checked (never coerced) against the declaration."""
        return msgspec.convert(d, cls)


def field_names(record: type) -> tuple[str, ...]:
    """The names of a Struct's fields, in their declared order (for column lists and key lists)."""
    return tuple(f.name for f in msgspec.structs.fields(record))


class Status(str, Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    # Done, and accepted by an auditor (`hsp-tui verify N accepted`); only a verdict sets it.
    VERIFIED = "verified"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        """The short name, for table cells and keys: "Done" and "Verified" differ in words already."""
        return STATUS_LABELS[self]

    @property
    def words(self) -> str:
        """The full name, where there is room: "Done, awaiting verification" for a done item."""
        return STATUS_WORDS.get(self, STATUS_LABELS[self])

    @property
    def closed(self) -> bool:
        """Done, verified and dropped items are never overdue."""
        return self in (Status.DONE, Status.VERIFIED, Status.DROPPED)

    @property
    def finished(self) -> bool:
        """Done, whether or not verified yet."""
        return self in (Status.DONE, Status.VERIFIED)

    @classmethod
    def parse(cls, text: str, *, choices: "tuple[Status, ...] | None" = None) -> "Status":
        """Accept the key (`in_progress`), the label (`In progress`), `in-progress`, or the key number 1-5
        (the app's status keys: not started, in progress, blocked, done, dropped). `choices`: the statuses
        the error lists (`set` lists those an officer may set, without Verified)."""
        key = " ".join(str(text).strip().lower().replace("_", " ").replace("-", " ").split())
        numbers = {str(i): s for i, s in enumerate(STATUS_KEYS, start=1)}
        if key in numbers:
            return numbers[key]
        for status in cls:
            if key in (status.value.replace("_", " "), status.label.lower(), status.words.lower()):
                return status
        named = ", ".join(s.value for s in (choices or tuple(cls)))
        raise InputError(f"unknown status {text!r}: use one of {named}")


STATUS_LABELS = {
    Status.NOT_STARTED: "Not started",
    Status.IN_PROGRESS: "In progress",
    Status.BLOCKED: "Blocked",
    Status.DONE: "Done",
    Status.VERIFIED: "Verified",
    Status.DROPPED: "Dropped",
}
STATUS_WORDS = {Status.DONE: "Done, awaiting verification"}
# The statuses an officer sets directly (the app's keys 1-5); Verified comes only from a verdict.
STATUS_KEYS = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED, Status.DONE, Status.DROPPED)


class Action(str, Enum):
    """What a history entry records."""

    CREATE = "create"
    IMPORT = "import"
    SET = "set"
    NOTE = "note"
    REVISE = "revise"
    MILESTONE = "milestone"
    VERIFY = "verify"
    REMIND = "remind"
    CONTACT = "contact"  # of the plan's own history: `field` is the owner, `new` {addresses, sponsor}
    UNDO = "undo"
    # Evidence: `new` is a copy {name, size, sha256, media_type} or a link {url}; an attachment is
    # withdrawn (never removed) by a WITHDRAW entry whose `undoes` names it, `old` its evidence.
    ATTACH = "attach"
    WITHDRAW = "withdraw"


# Actions whose note is a progress note (an import's or a revision's note is not).
PROGRESS_ACTIONS = frozenset({Action.NOTE, Action.SET, Action.MILESTONE, Action.VERIFY})


class Field(str, Enum):
    """The field a history entry changed."""

    STATUS = "status"
    OWNER = "owner"
    DEADLINE = "deadline"
    MILESTONE = "milestone"


Number = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, description="1, 2, 3...")]
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$"
# Checked on import (`importing`), published in the schema; a plan file is read whatever it holds
# here (the text is shown literally), so a mistyped time never locks a team out of its plan.
Timestamp = Annotated[str, msgspec.Meta(
    description="ISO 8601 date and time with its UTC offset, e.g. 2010-06-01T09:00:00+01:00.",
    extra_json_schema={"pattern": TIMESTAMP_PATTERN})]


def plain(value: Any) -> Any:
    """An enum member's value (records built in code may hold the plain string already)."""
    return value.value if isinstance(value, Enum) else value
