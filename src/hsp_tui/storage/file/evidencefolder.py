"""Evidence copies beside a plan file (`contract.EvidenceCopies`): the folder `<plan>.evidence/`.

Each copy is a file named by its SHA-256 (lower-case hex), so a document attached twice is kept
once. The folder sits in the team folder, where colleagues may have planted anything, so
(docs/reliability.md, "The evidence folder"):

* the folder is opened once per call, walked from `/` without following a link, and every step is
  done relative to it (`dir_fd=`): a link at its name or at a copy's name is never followed;
* a new folder gets the plan's group and a mode made from the plan's: a class that may read the
  plan may list and read it (r-x), one that may write the plan may add to it (w); sticky, so no
  member but its owner removes another's copy; nothing more readable than the plan. A folder that
  is there already must be one that someone who may write the plan could have made, and no more
  open than that mode: otherwise nothing is kept there (one line naming its owner);
* a copy is written to a temporary file (O_CREAT|O_EXCL|O_NOFOLLOW, 0600), given the plan's group
  and the plan's read bits (never write bits: a copy is never changed), flushed, and renamed into
  place; whatever was at its name (a link, a FIFO, a hard link to another file, another content)
  is replaced by the rename, never written into; a copy already there is kept as it is only when
  it is a plain file of one name, not writable by others, holding exactly those bytes;
* a copy is read without following a link or blocking on a FIFO, at most EVIDENCE_FILE_BYTES, and
  handed out only when its bytes match its name's SHA-256.

A plan shared by an access control list gets a folder and copies for its owner only (the list is
not copied). Limits: a copy at most `limits.EVIDENCE_FILE_BYTES`, the plan's copies together at most
`limits.EVIDENCE_PLAN_BYTES`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from hsp_tui.domain.errors import EvidenceError, PlanFileError
from hsp_tui.domain.limits import EVIDENCE_FILE_BYTES, EVIDENCE_PLAN_BYTES
from hsp_tui.domain.rules import SHA256_PATTERN
from hsp_tui.storage.file import acl
from hsp_tui.storage.file.folders import folder_of, lstat_at, unlink_at
from hsp_tui.storage.file.paths import owner_name
from hsp_tui.storage.file.safefiles import create_temp, kind_of, write_all

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_READ = os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC | _O_NONBLOCK | _O_NOCTTY
_HASH = re.compile(SHA256_PATTERN)
MB = 1024 * 1024


def evidence_folder(plan: Path) -> Path:
    """Where a plan file's copies are kept: `<plan file name>.evidence` beside it."""
    return plan.with_name(plan.name + ".evidence")


def folder_mode(plan_mode: int, shared_by_acl: bool) -> int:
    """The evidence folder's mode for a plan of mode `plan_mode`: per class, r-x where the plan is
    readable, w (with x) where it is writable; sticky and set-group-ID where others may add to it."""
    if shared_by_acl:
        return 0o700
    mode = 0o700
    for shift in (3, 0):  # group, others
        bits = (plan_mode >> shift) & 0o7
        mode |= ((0o5 if bits & 0o4 else 0) | (0o3 if bits & 0o2 else 0)) << shift
    if mode & 0o022:
        mode |= stat.S_ISVTX
    if mode & 0o070:
        mode |= stat.S_ISGID
    return mode


def copy_mode(plan_mode: int, shared_by_acl: bool) -> int:
    """A copy's mode: the plan's read bits only (the owner's alone for a plan shared by ACL)."""
    return plan_mode & (0o400 if shared_by_acl else 0o444)


class FolderCopies:
    """The copies of the plan file `plan` (its links already resolved: `paths.plan_file`)."""

    def __init__(self, plan: Path) -> None:
        self.plan = plan
        self.folder = evidence_folder(plan)

    # -- the contract ----------------------------------------------------------------------------
    def keep(self, content: bytes) -> str:
        sha = hashlib.sha256(content).hexdigest()
        if len(content) > EVIDENCE_FILE_BYTES:
            raise EvidenceError(f"a copy is at most {EVIDENCE_FILE_BYTES // MB} MB; this file is "
                                f"{len(content) / MB:.1f} MB; nothing was kept")
        with self._opened(create=True) as (fd, plan_st, shared):
            there = _stat(sha, fd)
            if there is not None and _holds(fd, sha, there, content):
                return sha  # kept already
            total = sum(size for name, size in _copies(fd) if name != sha)
            if total + len(content) > EVIDENCE_PLAN_BYTES:
                raise EvidenceError(f"{self.folder}: the plan's copies would pass {EVIDENCE_PLAN_BYTES // MB} MB "
                                    f"(they take {total / MB:.1f} MB); nothing was kept")
            self._write(fd, sha, content, plan_st, shared, there)
        return sha

    def read(self, sha256: str) -> bytes:
        name = str(sha256)
        where = self.folder / name
        if not _HASH.fullmatch(name):
            raise EvidenceError(f"{name!r} is not a SHA-256")
        with self._opened(create=False) as (fd, _plan, _shared):
            if fd is None:
                raise EvidenceError(f"{where}: the copy is missing (no evidence folder beside the plan)")
            try:
                cfd = os.open(name, _READ, dir_fd=fd)
            except FileNotFoundError:
                raise EvidenceError(f"{where}: the copy is missing") from None
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise EvidenceError(f"{where}: is a symbolic link, not a copy; hsp-tui does not follow it") from None
                raise EvidenceError(f"{where}: cannot read the copy ({exc.strerror or exc})") from None
            try:
                content = _read_all(cfd, where)
            finally:
                os.close(cfd)
        if hashlib.sha256(content).hexdigest() != name:
            raise EvidenceError(f"{where}: the copy does not match its SHA-256 (changed or damaged since it "
                                "was kept); it is not handed out")
        return content

    def list(self) -> list[tuple[str, int]]:
        with self._opened(create=False) as (fd, _plan, _shared):
            return [] if fd is None else sorted(_copies(fd))

    # -- the folder ------------------------------------------------------------------------------
    @contextmanager
    def _opened(self, *, create: bool) -> Iterator[tuple[int | None, os.stat_result, bool]]:
        """The evidence folder open (O_RDONLY, never through a link), with the plan's status and
        whether an ACL shares it; None for the folder when there is none and `create` is false."""
        doing = "nothing was kept" if create else "nothing was read"
        try:
            with folder_of(self.plan, doing) as parent:
                if parent is None:
                    raise EvidenceError(f"{self.folder}: cannot open the plan's folder; {doing}")
                plan_st = lstat_at(self.plan, parent)
                if plan_st is None or not stat.S_ISREG(plan_st.st_mode):
                    raise EvidenceError(f"{self.plan}: the plan file is not there; {doing}")
                shared = acl.read(str(self.plan)) is not None
                fd = self._open_folder(parent, plan_st, shared, create, doing)
                try:
                    yield fd, plan_st, shared
                finally:
                    if fd is not None:
                        os.close(fd)
        except PlanFileError as exc:
            raise exc if isinstance(exc, EvidenceError) else EvidenceError(str(exc)) from None

    def _open_folder(self, parent: int, plan_st: os.stat_result, shared: bool, create: bool, doing: str) -> int | None:
        name, want = self.folder.name, folder_mode(stat.S_IMODE(plan_st.st_mode), shared)
        made = False
        if create:
            try:
                os.mkdir(name, 0o700, dir_fd=parent)
                made = True
            except FileExistsError:
                pass
            except OSError as exc:
                raise EvidenceError(f"{self.folder}: cannot make the evidence folder "
                                    f"({exc.strerror or exc}); {doing}") from None
        try:
            fd = os.open(name, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=parent)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise EvidenceError(f"{self.folder}: is a symbolic link, which hsp-tui does not follow; {doing}") from None
            if exc.errno == errno.ENOTDIR:
                raise EvidenceError(f"{self.folder}: is not a folder; {doing}") from None
            raise EvidenceError(f"{self.folder}: cannot open ({exc.strerror or exc}); {doing}") from None
        try:
            st = os.fstat(fd)
            if made:
                _give_group_and_mode(fd, plan_st, want)
            elif create and st.st_uid == os.geteuid():
                if stat.S_IMODE(st.st_mode) != want or st.st_gid != plan_st.st_gid:
                    _give_group_and_mode(fd, plan_st, want)  # ours: follows the plan's mode as it is now
            elif create:
                why = self._distrust(st, plan_st, shared, want, parent)
                if why is not None:
                    raise EvidenceError(f"{self.folder}: {why}; {doing}")
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _distrust(self, st: os.stat_result, plan: os.stat_result, shared: bool, want: int,
                  parent: int) -> str | None:
        """Why copies cannot be kept in this existing folder (None: they can)."""
        mode = stat.S_IMODE(st.st_mode)
        if st.st_uid not in (os.geteuid(), plan.st_uid, 0):
            # Another member's: someone who may write the plan could have made it. Membership in the
            # plan's group is proven by the folder's group when only the plan's group (or the team
            # folder's owner) may add to the team folder.
            team = os.fstat(parent)
            member = (st.st_gid == plan.st_gid == team.st_gid and not team.st_mode & 0o002
                      and acl.read(str(self.plan.parent)) is None)
            rules = acl.read(str(self.plan)) if shared else None
            if not acl.may_write(plan, rules, st.st_uid, plan.st_gid if member else None):
                return f"made by {owner_name(st.st_uid)}, who may not write {self.plan.name}"
        extra = mode & 0o077 & ~want
        made_by = f" (made by {owner_name(st.st_uid)})"
        if extra & 0o022:
            return "others may add to this folder who may not write the plan" + made_by
        if extra & 0o055:
            return "this folder is more readable than the plan" + made_by
        if st.st_gid != plan.st_gid and mode & 0o070:
            return "this folder belongs to another group than the plan" + made_by
        return None

    def _write(self, fd: int, sha: str, content: bytes, plan_st: os.stat_result, shared: bool,
               there: os.stat_result | None) -> None:
        target = self.folder / sha
        tmp: Path | None = None
        try:
            tfd, tmp = create_temp(target, dir_fd=fd)
            try:
                _give_group_and_mode(tfd, plan_st, copy_mode(stat.S_IMODE(plan_st.st_mode), shared))
                write_all(tfd, content)
                os.fsync(tfd)
            finally:
                os.close(tfd)
            os.replace(tmp.name, sha, src_dir_fd=fd, dst_dir_fd=fd)  # what was there is replaced, never written into
            tmp = None
            os.fsync(fd)
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EACCES) and there is not None:
                raise EvidenceError(f"{target}: {kind_of(there.st_mode) if not stat.S_ISREG(there.st_mode) else 'a file'} "
                                    f"made by {owner_name(there.st_uid)} is at the copy's name and may not be "
                                    "replaced; nothing was kept") from None
            reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
            raise EvidenceError(f"{target}: could not keep the copy ({reason}); nothing was kept") from None
        finally:
            if tmp is not None:
                unlink_at(tmp, fd)


def _give_group_and_mode(fd: int, plan: os.stat_result, mode: int) -> None:
    """The plan's group (when this user may give it: else no group bits at all, so the file is not
    opened to this user's own group) and `mode`."""
    if os.fstat(fd).st_gid != plan.st_gid:
        try:
            os.fchown(fd, -1, plan.st_gid)
        except PermissionError:
            mode &= ~0o070 & ~stat.S_ISGID
    os.fchmod(fd, mode)


def _stat(name: str, fd: int) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _holds(fd: int, name: str, st: os.stat_result, content: bytes) -> bool:
    """Whether the file at `name` is a copy to keep as it is: a plain file of one name, that no
    group or other may change, holding exactly `content`."""
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_mode & 0o022 or st.st_size != len(content):
        return False
    try:
        cfd = os.open(name, _READ, dir_fd=fd)
    except OSError:
        return False
    try:
        now = os.fstat(cfd)
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            return False
        return _read_all(cfd, Path(name)) == content
    except EvidenceError:
        return False
    finally:
        os.close(cfd)


def _read_all(fd: int, where: Path) -> bytes:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise EvidenceError(f"{where}: is {kind_of(st.st_mode)}, not a copy; hsp-tui reads only ordinary files")
    if st.st_size > EVIDENCE_FILE_BYTES:
        raise EvidenceError(f"{where}: is larger than a copy may be ({EVIDENCE_FILE_BYTES // MB} MB); not read")
    chunks, total = [], 0
    while True:
        chunk = os.read(fd, min(1 << 20, EVIDENCE_FILE_BYTES + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > EVIDENCE_FILE_BYTES:
            raise EvidenceError(f"{where}: is larger than a copy may be ({EVIDENCE_FILE_BYTES // MB} MB); not read")


def _copies(fd: int) -> list[tuple[str, int]]:
    """(name, size) of every regular file named by a SHA-256 in the folder open as `fd`."""
    found = []
    with os.scandir(fd) as entries:
        for entry in entries:
            if _HASH.fullmatch(entry.name):
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode):
                    found.append((entry.name, st.st_size))
    return found
