"""Evidence as records (issue 24): an attachment and its withdrawal are history entries checked as
they are read; a verdict records the attachments it rests on; the history says it in words."""

from __future__ import annotations

import hashlib

import msgspec
import pytest

from hsp_tui.domain.commands import SetStatus, Stamp, Verify
from hsp_tui.domain.errors import ConflictError, InputError, NotFoundError
from hsp_tui.domain.evidence import Attach, Withdraw, copy_of, media_type_of
from hsp_tui.domain.records import HistoryEntry, Recommendation

AT = "2010-06-01T09:00:00+01:00"
PDF = b"%PDF-1.4 minutes of the conference" * 3000  # about 100 KB


def step(rec: Recommendation, command, by: str = "officer") -> Recommendation:
    ids = [h.id for h in rec.history]
    return command.apply(rec, Stamp(max(ids, default=0) + 1, AT, by)).record


def test_an_attached_copy_is_described_by_name_size_and_hash(store):
    rec = store.load().get(1)
    copy = copy_of("report.pdf", PDF)
    assert copy == {"name": "report.pdf", "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest(),
                    "media_type": "application/pdf"}
    rec = step(rec, Attach(1, copy, "the minutes"))
    entry = rec.history[-1]
    assert entry.action == "attach" and entry.field is None and entry.old is None and entry.note == "the minutes"
    assert entry.describe() == f"attached report.pdf (100 KB, sha256 {copy['sha256'][:8]})"
    assert rec.evidence == (entry,)
    link = step(rec, Attach(1, {"url": "https://example.org/minutes"}, None)).history[-1]
    assert link.describe() == "attached https://example.org/minutes"


def test_a_withdrawal_keeps_the_attachment_in_history_and_needs_a_reason(store):
    rec = step(store.load().get(1), Attach(1, copy_of("wrong.docx", b"not this one"), None))
    attach_id = rec.history[-1].id
    with pytest.raises(InputError, match="needs the reason"):
        Withdraw(1, attach_id, "  ")
    with pytest.raises(NotFoundError, match="no attachment #1 "):
        step(rec, Withdraw(1, 1, "not an attachment"))
    rec = step(rec, Withdraw(1, attach_id, "the wrong year's report"))
    entry = rec.history[-1]
    assert entry.describe() == f"withdrew attachment #{attach_id}: the wrong year's report"
    assert entry.undoes == attach_id and entry.old == rec.history[-2].new and entry.new is None
    assert rec.evidence == () and [h.id for h in rec.attachments] == [attach_id]
    with pytest.raises(ConflictError, match="already withdrawn"):
        step(rec, Withdraw(1, attach_id, "again"))


def test_a_verdict_records_the_evidence_standing_when_it_is_given(store):
    rec = store.load().get(1)
    first, second, wrong = copy_of("a.pdf", b"first"), copy_of("b.csv", b"second"), copy_of("c.txt", b"wrong")
    for evidence in (first, {"url": "https://example.org/board"}, wrong, second):
        rec = step(rec, Attach(1, evidence, None))
    wrong_id = rec.history[-2].id
    rec = step(rec, Withdraw(1, wrong_id, "not ours"))
    rec = step(rec, SetStatus(1, "done"))
    verdict = step(rec, Verify(1, True, "seen"), by="auditor").history[-1]
    assert verdict.evidence == (first["sha256"], "https://example.org/board", second["sha256"])
    # without evidence, nothing is written: an older reader sees the entry it always saw
    bare = step(step(store.load().get(2), SetStatus(2, "done")),
                Verify(2, True, "seen"), by="auditor").history[-1]
    assert "evidence" not in bare.to_dict()


@pytest.mark.parametrize("entry, complaint", [
    ({"action": "attach", "new": {"name": "a.pdf", "size": 3, "sha256": "AB" * 32, "media_type": "application/pdf"}},
     "not a SHA-256"),
    ({"action": "attach", "new": {"name": "a.pdf", "size": -1, "sha256": "ab" * 32, "media_type": "application/pdf"}},
     "size"),
    ({"action": "attach", "new": {"name": "../a.pdf", "size": 1, "sha256": "ab" * 32, "media_type": "text/plain"}},
     "base name"),
    ({"action": "attach", "new": {"name": "a.pdf", "size": 1, "sha256": "ab" * 32, "media_type": "text"}},
     "media type"),
    ({"action": "attach", "new": {"url": "javascript:alert(1)"}}, "not a link"),
    ({"action": "attach", "new": {"url": "https://x.org/\x1b[2J"}}, "not a link"),
    ({"action": "attach", "new": None}, "a copy .* or a link"),
    ({"action": "attach", "new": {"url": "https://x.org"}, "old": "x"}, "'old': expected null"),
    ({"action": "withdraw", "old": {"url": "https://x.org"}, "undoes": 2}, "gives its reason"),
    ({"action": "withdraw", "old": {"url": "https://x.org"}, "note": "why"}, "names the attachment"),
    ({"action": "note", "note": "x", "evidence": ["ab" * 32]}, "only a verdict"),
])
def test_a_malformed_evidence_entry_is_refused_as_it_is_read(entry, complaint):
    raw = {"id": 3, "at": AT, "by": "x", "field": None, "old": None, "new": None, "note": None, **entry}
    with pytest.raises(msgspec.ValidationError, match=complaint):
        HistoryEntry.from_dict(raw)


@pytest.mark.parametrize("action, complaint", [
    ("contact", "'field': expected text"), ("attach", "a copy .* or a link"), ("withdraw", "a copy .* or a link"),
    ("undo", "missing field 'undoes'"),
])
def test_an_entry_without_the_values_its_action_needs_is_refused(action, complaint):
    """An entry with no field, no old or new value and no evidence passes at once only for the
    actions that need none (a note, an import...: issue 25's quick path); the others still say what
    is missing."""
    raw = {"id": 3, "at": AT, "by": "x", "action": action, "field": None, "old": None, "new": None, "note": None}
    with pytest.raises(msgspec.ValidationError, match=complaint):
        HistoryEntry.from_dict(raw)
    for plain in ("note", "import", "create", "set", "remind", "verify"):
        assert HistoryEntry.from_dict({**raw, "action": plain}).action == plain


def test_a_media_type_comes_from_the_name_only():
    assert media_type_of("minutes.PDF") == "application/pdf"
    assert media_type_of("notes") == "application/octet-stream"
