"""Evidence copies on a server (`contract.EvidenceCopies`): not there yet.

Until the schema keeps copies (hsp.copy, hsp.keep_copy, hsp.read_copy: the `evserver` part of issue
24), every call is refused in one line, and nothing is saved.
"""

from __future__ import annotations

from hsp_tui.domain.errors import EvidenceError


class ServerCopies:
    """The copies of one plan on a server (`where` names it for people)."""

    def __init__(self, where: str) -> None:
        self._where = where

    def _refused(self) -> EvidenceError:
        return EvidenceError(f"{self._where}: evidence copies are not yet kept on a database server; nothing was saved")

    def keep(self, content: bytes) -> str:
        raise self._refused()

    def read(self, sha256: str) -> bytes:
        raise self._refused()

    def list(self) -> list[tuple[str, int]]:
        raise self._refused()
