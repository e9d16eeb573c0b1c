"""Evidence copies beside a plan file (`contract.EvidenceCopies`): the folder `<plan>.evidence/`.

(Being built: issue 24's file part lands next; until then every call is refused in one line.)
"""

from __future__ import annotations

from pathlib import Path

from hsp_tui.domain.errors import EvidenceError


def evidence_folder(plan: Path) -> Path:
    """Where a plan file's copies are kept: `<plan file name>.evidence` beside it."""
    return plan.with_name(plan.name + ".evidence")


class FolderCopies:
    """The copies of the plan file `plan`."""

    def __init__(self, plan: Path) -> None:
        self.plan = plan
        self.folder = evidence_folder(plan)

    def _refused(self) -> EvidenceError:
        return EvidenceError(f"{self.folder}: evidence copies are not kept yet; nothing was saved")

    def keep(self, content: bytes) -> str:
        raise self._refused()

    def read(self, sha256: str) -> bytes:
        raise self._refused()

    def list(self) -> list[tuple[str, int]]:
        raise self._refused()
