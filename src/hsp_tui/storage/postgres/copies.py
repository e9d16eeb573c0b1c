"""Evidence copies on a server (`contract.EvidenceCopies`): the table hsp.copy, one row per document
and plan, written only by the database's functions (hsp.sql, "Evidence").

    keep   hsp.keep_copy(plan, bytes) in a transaction of its own: the server computes the SHA-256
           and enforces the sizes (domain.limits); checked here first too, so that a file over the
           limit is not sent at all. The hash the server answers must be ours.
    read   hsp.read_copy(plan, sha256) (readers too); the bytes are hashed here and refused unless
           they match: a copy changed in the database (by its owner, or damaged) is never handed out.
    (The bytes go both ways in binary: as text, bytea doubles, as hex, and decodes three times slower.)
    list   the plan's copies as found (their content's length), purged ones left out.

Errors are one line naming the plan (`where`); the server's refusals (too large, purged, no such
copy) are EvidenceError, as the contract says; a role that may not is RefusedError as elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from typing import Callable

from hsp_tui.domain.errors import ConflictError, EvidenceError, InputError, NotFoundError
from hsp_tui.domain.limits import EVIDENCE_FILE_BYTES
from hsp_tui.domain.rules import SHA256_PATTERN
from hsp_tui.storage.postgres.session import Session

MB = 1024 * 1024


class ServerCopies:
    """The copies of one plan on a server: `plan()` gives its name, `where()` names it for people."""

    def __init__(self, session: Session, plan: Callable[[], str], where: Callable[[], str]) -> None:
        self._session, self._plan, self._where = session, plan, where

    def keep(self, content: bytes) -> str:
        content = bytes(content)
        if len(content) > EVIDENCE_FILE_BYTES:
            raise EvidenceError(f"{self._where()}: a copy is at most {EVIDENCE_FILE_BYTES // MB} MB "
                                f"({EVIDENCE_FILE_BYTES:,} bytes); this document is {len(content):,} bytes; "
                                "nothing was kept")
        digest = hashlib.sha256(content).hexdigest()
        plan = self._plan()

        def work(conn) -> str:
            try:
                (kept,) = self._session.run(conn, "SELECT hsp.keep_copy(%s, %b)", [plan, content],
                                            "keep a copy of evidence", "; the copy was NOT kept").fetchone()
                self._session.commit(conn, "keep a copy of evidence")
            finally:
                if not conn.closed:
                    conn.rollback()
            return kept

        try:
            kept = self._session.with_connection(work)  # again on a new connection: keeping twice is once
        except NotFoundError:
            raise
        except (InputError, ConflictError) as exc:  # too large, the plan's copies full, purged
            raise EvidenceError(f"{self._where()}: {exc}") from None
        if kept != digest:
            raise EvidenceError(f"{self._where()}: the server kept the document under another SHA-256 ({kept}, "
                                f"not {digest}); it was not attached")
        return digest

    def read(self, sha256: str) -> bytes:
        if not isinstance(sha256, str) or not re.fullmatch(SHA256_PATTERN, sha256):
            raise EvidenceError(f"{self._where()}: {sha256!r} is not a SHA-256 (64 lower-case hex digits)")
        plan = self._plan()

        def work(conn) -> bytes:
            try:
                with conn.cursor(binary=True) as cursor:  # the bytes as they are (text would double them, as hex)
                    return self._session.run(cursor, "SELECT hsp.read_copy(%s, %s)", [plan, sha256]).fetchone()[0]
            finally:
                if not conn.closed:
                    conn.rollback()

        try:
            content = self._session.with_connection(work)
        except NotFoundError as exc:  # none kept, or purged by the owner (who, when, why)
            raise EvidenceError(f"{self._where()}: {exc}") from None
        content = bytes(content)
        if hashlib.sha256(content).hexdigest() != sha256:
            raise EvidenceError(f"{self._where()}: the copy {sha256[:12]} does not match its SHA-256 (it was changed "
                                "in the database after it was kept); it is not handed out")
        return content

    def list(self) -> list[tuple[str, int]]:
        rows = self._session.read("SELECT c.sha256, octet_length(c.content) FROM hsp.copy c JOIN hsp.plan p "
                                  "ON p.id = c.plan_id WHERE p.name = %s AND c.content IS NOT NULL ORDER BY c.sha256",
                                  [self._plan()])
        return [(sha, int(size)) for sha, size in rows]
