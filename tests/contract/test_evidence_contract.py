"""Evidence on every backend (issue 24): copies kept content-addressed and read back with their hash
checked (a tampered copy refused), attachments listed, withdrawn (kept in history, the copy kept),
and a verdict recording the hashes of the evidence it rests on.

Through `Store` and the `Backend` boundary only, each reading what another program wrote.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from hsp_tui.domain.errors import EvidenceError, NotFoundError
from hsp_tui.domain.limits import EVIDENCE_FILE_BYTES
from hsp_tui.storage.store import Store

MINUTES = b"Minutes of the Executive Board, 28 May 2010: the conference was held.\n"
SCAN = bytes(range(256)) * 400  # a binary document, 100 KB


def officer(place):
    return Store(place.open_as("alice"))


def tamper(place, store: Store, sha: str) -> None:
    """What a colleague with the plan's file (or the database's owner) might do: change a kept copy."""
    if place.login is None:
        copy = Path(store.path).with_name(Path(store.path).name + ".evidence") / sha
        os.chmod(copy, 0o600)
        copy.write_bytes(copy.read_bytes().replace(b"was held", b"was NOT held"))
        return
    import psycopg

    with psycopg.connect(place.target, autocommit=True) as conn:
        conn.execute("UPDATE hsp.copy SET content = content || '\\x00'::bytea, size = size + 1 WHERE sha256 = %s",
                     [sha])


def test_copies_and_a_link_attached_are_listed_and_read_back_as_they_were(backend, place):
    store = officer(place)
    first = store.attach_copy(3, "minutes.txt", MINUTES, by="alice", note="the board's minutes")
    store.attach_copy(3, "scan.pdf", SCAN, by="alice")
    store.attach_link(3, "https://example.org/board/2010-05-28", by="alice", note="the published agenda")
    again = store.attach_copy(5, "same minutes.txt", MINUTES, by="alice")  # the same document, elsewhere
    assert first.entry.new == {"name": "minutes.txt", "size": len(MINUTES),
                               "sha256": hashlib.sha256(MINUTES).hexdigest(), "media_type": "text/plain"}
    assert again.entry.new["sha256"] == first.entry.new["sha256"]

    other = Store(place.open())  # another program
    rec = other.load().get(3)
    assert [h.new.get("name", h.new.get("url")) for h in rec.evidence] == \
        ["minutes.txt", "scan.pdf", "https://example.org/board/2010-05-28"]
    assert rec.evidence[0].note == "the board's minutes" and rec.evidence[1].new["media_type"] == "application/pdf"
    assert other.read_copy(rec.evidence[0].new["sha256"]) == MINUTES
    assert other.read_copy(rec.evidence[1].new["sha256"]) == SCAN
    kept = dict(other.backend.evidence.list())  # each document once, however often attached
    assert kept == {hashlib.sha256(MINUTES).hexdigest(): len(MINUTES), hashlib.sha256(SCAN).hexdigest(): len(SCAN)}


def test_a_tampered_copy_is_refused_and_never_handed_out(backend, place):
    store = officer(place)
    sha = store.attach_copy(2, "minutes.txt", MINUTES, by="alice").entry.new["sha256"]
    tamper(place, store, sha)
    with pytest.raises(EvidenceError, match="does not match its SHA-256"):
        Store(place.open()).read_copy(sha)
    with pytest.raises(EvidenceError, match="missing"):
        Store(place.open()).read_copy(hashlib.sha256(b"never kept").hexdigest())


def test_a_withdrawn_attachment_stays_in_history_and_its_copy_stays_kept(backend, place):
    store = officer(place)
    wrong = store.attach_copy(4, "2009 report.pdf", SCAN, by="alice").entry
    kept = store.attach_copy(4, "minutes.txt", MINUTES, by="alice").entry
    change = store.withdraw(4, wrong.id, reason="last year's report, attached by mistake", by="alice")
    assert change.entry.undoes == wrong.id and change.entry.old == wrong.new
    rec = Store(place.open()).load().get(4)
    assert [h.id for h in rec.evidence] == [kept.id]
    assert [h.id for h in rec.attachments] == [wrong.id, kept.id] and wrong.id in rec.withdrawn_ids
    assert Store(place.open()).read_copy(wrong.new["sha256"]) == SCAN  # kept for the record
    with pytest.raises(NotFoundError):
        store.withdraw(4, 1, reason="not an attachment", by="alice")


def test_a_verdict_records_the_hashes_of_the_evidence_it_rests_on(backend, place):
    store = officer(place)
    minutes = store.attach_copy(1, "minutes.txt", MINUTES, by="alice").entry
    wrong = store.attach_copy(1, "scan.pdf", SCAN, by="alice").entry
    store.attach_link(1, "https://example.org/board", by="alice")
    store.withdraw(1, wrong.id, reason="not this one", by="alice")
    store.set_status(1, "done", by="alice", note="conference held 28 May")
    verdict = Store(place.open_as("carol")).verify(1, True, by="carol", note="minutes seen").entry
    assert verdict.evidence == (minutes.new["sha256"], "https://example.org/board")
    read = Store(place.open()).load().get(1).history[-1]
    assert read.action == "verify" and read.evidence == verdict.evidence


def test_a_copy_over_the_limit_is_refused_and_nothing_recorded(backend, place):
    store = officer(place)
    store.attach_copy(6, "minutes.txt", MINUTES, by="alice")
    before = Store(place.open()).load().get(6)
    with pytest.raises(EvidenceError, match="at most 25 MB"):
        store.attach_copy(6, "huge.bin", b"\0" * (EVIDENCE_FILE_BYTES + 1), by="alice")
    assert Store(place.open()).load().get(6) == before
    assert len(Store(place.open()).backend.evidence.list()) == 1
