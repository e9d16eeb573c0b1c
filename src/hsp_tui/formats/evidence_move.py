"""Moving a plan with its evidence copies (issue 24).

`export --format json --with-evidence DIR` writes the copy of every document an attachment names
(withdrawn ones too: kept for the record) as DIR/evidence/<sha256>, each read through the store with
its hash checked, then the JSON export as DIR/plan.json, last: a folder whose copies could not all
be written has no plan.json, so it is never imported as a whole one.

`import DIR` (or DIR/plan.json, with its evidence folder beside it) reads the plan, then every copy
its attachments name, each checked against the SHA-256 and the size its entry records, and the
limits, before anything is saved; only then is the plan created (or replaced) and its copies kept.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Any, Iterable

from hsp_tui.domain.errors import InputError
from hsp_tui.domain.history import size_words
from hsp_tui.domain.limits import EVIDENCE_FILE_BYTES, EVIDENCE_PLAN_BYTES
from hsp_tui.domain.review import Review
from hsp_tui.domain.textsafe import visible
from hsp_tui.formats.schema import export_json
from hsp_tui.storage.file.outputfiles import write_output
from hsp_tui.storage.store import Store

PLAN_FILE = "plan.json"
COPIES = "evidence"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def named_copies(items: Iterable[tuple[Any, Iterable[Any]]]) -> dict[str, tuple[Any, str]]:
    """Every copy the attachments name, withdrawn ones included: sha256 -> (recorded size, where it
    is named, for messages), from (item number, history) pairs, entries as records or as stored dicts."""
    found: dict[str, tuple[Any, str]] = {}
    for number, history in items:
        for h in history:
            entry = h if isinstance(h, dict) else {"id": h.id, "action": h.action, "new": h.new}
            new = entry.get("new")
            if entry.get("action") == "attach" and isinstance(new, dict) and "sha256" in new:
                where = f"attachment #{entry.get('id')} of recommendation {number} ({visible(str(new.get('name')))})"
                found.setdefault(str(new["sha256"]), (new.get("size"), where))
    return found


def write_with_evidence(review: Review, store: Store, folder: Path, *, exported_at: str,
                        plan_path: Path | None, mode: int | None = None) -> int:
    """DIR/evidence/<sha256> for each copy named, then DIR/plan.json; how many copies. A copy that
    is missing or does not match its hash stops the export (EvidenceError) before plan.json."""
    copies = named_copies((rec.number, rec.history) for rec in review.plan.recommendations)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: is not a folder: --with-evidence writes a folder (plan.json and evidence/)")
    if (folder / PLAN_FILE).exists() or (folder / COPIES).exists():
        raise InputError(f"{folder}: already holds an export ({PLAN_FILE} or {COPIES}/): give a new or empty folder")
    (folder / COPIES).mkdir(parents=True)
    for sha in sorted(copies):
        write_output(folder / COPIES / sha, store.read_copy(sha), plan_path=plan_path, mode=mode)
    write_output(folder / PLAN_FILE, export_json(review, exported_at=exported_at), plan_path=plan_path, mode=mode)
    return len(copies)


def moved_plan(src: Path) -> tuple[Path, Path | None]:
    """The plan file to read for `import src`, and the evidence folder beside it (None when there
    is none: an ordinary export or CSV)."""
    if src.is_dir():
        plan = src / PLAN_FILE
        if not plan.is_file():
            raise InputError(f"{src}: a folder without {PLAN_FILE}: not an export --with-evidence")
        return plan, src / COPIES if (src / COPIES).is_dir() else None
    beside = src.parent / COPIES
    return src, beside if src.name == PLAN_FILE and beside.is_dir() else None


def checked_copies(data: dict[str, Any], folder: Path | None, source: Path) -> dict[str, bytes]:
    """Every copy the imported plan's attachments name, read from `folder` and checked against its
    SHA-256 and recorded size, within the limits; InputError naming the first that is not."""
    recs = data.get("recommendations", {})
    items = recs.values() if isinstance(recs, dict) else recs
    named = named_copies((r.get("number"), r.get("history") or ()) for r in items if isinstance(r, dict))
    if not named or folder is None:  # a plain export: its entries only (see unbrought)
        return {}
    kept: dict[str, bytes] = {}
    total = 0
    for sha, (size, where) in sorted(named.items()):
        if not _SHA256.fullmatch(sha):  # never a path: '../' in a hash names no file of the folder
            raise InputError(f"{source}: {where} names {visible(sha)!r}, not a SHA-256: nothing was imported")
        path = folder / sha
        content = _read_copy(path, where)
        actual = hashlib.sha256(content).hexdigest()
        if actual != sha:
            raise InputError(f"{path}: does not match its SHA-256 (it is {actual[:8]}…, {where} names {sha[:8]}…): "
                             "nothing was imported")
        if size != len(content):
            raise InputError(f"{path}: {size_words(len(content))}, but {where} records {size_words(size)}: "
                             "nothing was imported")
        total += len(content)
        kept[sha] = content
    if total > EVIDENCE_PLAN_BYTES:
        raise InputError(f"{folder}: the copies come to {size_words(total)}, over a plan's limit of "
                         f"{size_words(EVIDENCE_PLAN_BYTES)}: nothing was imported")
    return kept


def unbrought(data: dict[str, Any], folder: Path | None) -> str | None:
    """The warning for a plain JSON export whose attachments name copies it does not bring (a plan
    imported again where its copies are kept, e.g. replaced on its own server, needs none); None
    when there are none or its evidence folder brings them."""
    recs = data.get("recommendations", {})
    items = recs.values() if isinstance(recs, dict) else recs
    named = named_copies((r.get("number"), r.get("history") or ()) for r in items if isinstance(r, dict))
    if not named or folder is not None:
        return None
    some = next(iter(named.values()))[1]
    return (f"its attachments name {len(named)} evidence {'copy' if len(named) == 1 else 'copies'} (e.g. {some}) "
            f"that a JSON file alone does not bring: 'hsp-tui check' lists any not kept here; to bring them, "
            f"import the folder that export --with-evidence wrote")


def _read_copy(path: Path, where: str) -> bytes:
    """A regular file's bytes, never through a link, never waiting on a FIFO, at most a copy's limit."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(f"{path}: missing ({where} names it): nothing was imported") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}; a link is not followed): "
                         "nothing was imported") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise InputError(f"{path}: not a regular file: nothing was imported")
        content = f.read(EVIDENCE_FILE_BYTES + 1)
    if len(content) > EVIDENCE_FILE_BYTES:
        raise InputError(f"{path}: over a copy's limit of {size_words(EVIDENCE_FILE_BYTES)}: nothing was imported")
    return content
