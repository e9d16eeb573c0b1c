"""The commands on an item's evidence (issue 24): attach a copy or a link, withdraw an attachment.

Like every command (`commands`): checked when built, pure, `apply(record, stamp)`. A copy's bytes
are kept by the backend first (`contract.EvidenceCopies.keep`, content-addressed by SHA-256); the
ATTACH entry then records what was kept. Nothing is ever removed: a withdrawal is an entry of its
own naming the attachment, and the copy stays kept. A verdict records the attachments standing
when it is given (`commands.Verify`).
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from msgspec import Struct
from msgspec.structs import force_setattr

from hsp_tui.domain.commands import Outcome, Stamp, _check_note, _done
from hsp_tui.domain.errors import ConflictError, InputError, NotFoundError
from hsp_tui.domain.history import evidence_words
from hsp_tui.domain.records import Recommendation
from hsp_tui.domain.rules import MEDIA_TYPE_PATTERN, check_copy, check_evidence, check_text, is_blank

__all__ = ["Attach", "Withdraw", "copy_of", "media_type_of"]
OCTET_STREAM = "application/octet-stream"


def media_type_of(name: str) -> str:
    """The media type a file's name suggests (`mimetypes`, by its extension, never by its content:
    it is only shown), else application/octet-stream."""
    import mimetypes  # noqa: PLC0415 - only when a file is attached
    import re  # noqa: PLC0415

    guessed = (mimetypes.guess_type(name, strict=False)[0] or "").lower()
    return guessed if re.fullmatch(MEDIA_TYPE_PATTERN, guessed) else OCTET_STREAM


def copy_of(name: str, content: bytes, media_type: str = "") -> dict[str, Any]:
    """The description of a copy of `content`, the file `name` (a base name as given): what an
    ATTACH entry records ({name, size, sha256, media_type}), checked."""
    return check_copy(name, len(content), hashlib.sha256(content).hexdigest(), media_type or media_type_of(name))


class Attach(Struct, frozen=True):
    """Evidence for an item: a copy already kept by the backend (`EvidenceCopies.keep`), described
    as {name, size, sha256, media_type}, or a link {url} (never fetched). Recorded, never removed."""

    number: int
    evidence: dict
    note: str | None = None
    action: ClassVar[str] = "attach"

    def __post_init__(self) -> None:
        force_setattr(self, "evidence", check_evidence(self.evidence))
        _check_note(self.note)

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        return _done(rec, stamp, self.action, f"{self.number}: attached {evidence_words(self.evidence)}",
                     new=dict(self.evidence), note=self.note)


class Withdraw(Struct, frozen=True):
    """A wrong attachment withdrawn, with the reason: a new entry; the attachment stays in the
    history and its copy stays kept, for the record."""

    number: int
    entry_id: int
    reason: str
    action: ClassVar[str] = "withdraw"

    def __post_init__(self) -> None:
        if self.reason is None or is_blank(str(self.reason)):
            raise InputError("a withdrawal needs the reason: add --note TEXT")
        check_text(self.reason, "reason", required=True)

    def apply(self, rec: Recommendation, stamp: Stamp) -> Outcome:
        n, eid = self.number, int(self.entry_id)
        target = next((h for h in rec.history if h.id == eid), None)
        if target is None or target.action != "attach":
            raise NotFoundError(f"recommendation {n} has no attachment #{eid} (hsp-tui evidence list {n})")
        if eid in rec.withdrawn_ids:
            raise ConflictError(f"attachment #{eid} of recommendation {n} was already withdrawn")
        return _done(rec, stamp, self.action, f"{n}: withdrew attachment #{eid} (kept in history)",
                     old=target.new, note=self.reason, undoes=eid)
