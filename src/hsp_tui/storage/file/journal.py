"""The journal of a save written into the plan file itself: what makes such a save safe to cut short.

In a sticky folder (chmod +t) only a file's owner may rename over it, so another member saves the
plan by writing into the file itself (see `inplace`). Before the plan is touched, the whole new
content goes into a journal beside it, `.<name>.<16 hex digits>.journal`, which checks itself:

    hsp-tui journal 1\\n
    {"dev": D, "ino": I, "length": N, "old": "<SHA-256 of the content replaced>", "new": "<SHA-256>"}\\n
    <the N bytes of the new content>
    \\nend <the SHA-256 of the new content again>\\n

A journal is *complete* when all of it is there and the content has the SHA-256 it names twice;
anything else (cut short by a kill, or emptied once its job was done) counts as absent.

Only a journal that someone who may write the plan could have made is trusted (`distrust`):
* a regular file (never read through a link) with no other name (one link: nobody can change it
  through a name of their own) that others cannot write (no o+w, no g+w for another group);
* owned by the plan's owner or root; or by a user the plan's mode or ACL lets write it; or in
  the plan's group with the set-group-ID bit set when that group may write the plan: the kernel
  clears that bit when anyone outside the file's group sets it, so it proves its maker was a
  member (a file made by an outsider in a setgid folder gets the group, never the bit). A member
  of a team that may only read the plan is not trusted: the bit proves membership, not the right
  to write;
* made for the plan file now at the path (its device and inode: a plan replaced whole since then
  makes the journal stale).
Its content must then be a plan whose history extends the current one (checked by `inplace`). A
journal that fails any of this is ignored and reported once (`notices`).
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from pathlib import Path
from typing import Callable

from msgspec import Struct

from hsp_tui.storage.file import acl, notices
from hsp_tui.storage.file.paths import owner_name
from hsp_tui.storage.file.safefiles import MAX_READ, fsync_folder, remove_quietly, write_all

MAGIC = b"hsp-tui journal 1\n"
_END = b"\nend "
_FLAGS = (getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
          | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
_NAME = re.compile(r"[0-9a-f]{16}\.journal\Z")


class Journal(Struct, frozen=True):
    path: Path
    content: bytes
    old: str  # SHA-256 (hex) of the plan's content it replaces
    new: str  # SHA-256 (hex) of `content`
    mtime_ns: int


def digest(data: bytes) -> str:
    import hashlib  # noqa: PLC0415 - only where a journal is written or found (OpenSSL's load, ~2 ms)

    return hashlib.sha256(data).hexdigest()


def names(path: Path) -> list[Path]:
    """The journals beside the plan `path` (by name only: nothing is opened)."""
    prefix = f".{path.name}."
    try:
        entries = os.listdir(path.parent)
    except OSError:
        return []
    return [path.parent / n for n in entries if n.startswith(prefix) and _NAME.fullmatch(n[len(prefix):])]


def write(path: Path, payload: bytes, plan: os.stat_result, old: str) -> Path:
    """A complete journal of `payload` for the plan `path` (as `plan` describes it), flushed to disk.

    Created exclusively under a random name, with no access for anyone else; given the plan's group
    and its group's read/write bits before it is written (so that any member can dispose of one cut
    short; set-group-ID as proof of membership, see the module), and the plan's other bits (never
    o+w) once complete."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _FLAGS
    for _ in range(100):
        target = path.with_name(f".{path.name}.{os.urandom(8).hex()}.journal")
        try:
            fd = os.open(target, flags, 0o600)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, f"no free journal name beside {path.name}")
    try:
        try:
            sgid = _join_group(fd, plan)  # the group's bits only with the plan's own group
            group = 0o070 if sgid else 0
            os.fchmod(fd, stat.S_IMODE(plan.st_mode) & group & 0o660 | 0o600 | sgid)  # members: to dispose of it
            new = digest(payload)
            header = {"dev": plan.st_dev, "ino": plan.st_ino, "length": len(payload), "old": old, "new": new}
            write_all(fd, MAGIC + json.dumps(header, sort_keys=True).encode("ascii") + b"\n")
            write_all(fd, payload)
            write_all(fd, _END + new.encode("ascii") + b"\n")
            mode = stat.S_IMODE(plan.st_mode) & (group | 0o004) & 0o664 | 0o600
            os.fchmod(fd, mode | sgid)  # as readable as the plan
            rules = acl.read(path)
            try:
                acl.copy(rules, fd)  # its ACL too: the mode's group bits are then the ACL's mask
            except OSError:
                os.fchmod(fd, acl.narrower_mode(mode, rules) | sgid)
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_folder(path.parent)
    except BaseException:
        remove_quietly(target)
        raise
    return target


def _join_group(fd: int, plan: os.stat_result) -> int:
    """Give the new journal the plan's group; the set-group-ID bit to add to its mode when it has it."""
    if hasattr(os, "fchown") and os.fstat(fd).st_gid != plan.st_gid:
        try:
            os.fchown(fd, -1, plan.st_gid)
        except PermissionError:
            return 0  # not a member: the plan's owner and this user still trust it
    return stat.S_ISGID if os.fstat(fd).st_gid == plan.st_gid else 0


def distrust(st: os.stat_result, plan: os.stat_result, plan_path: Path) -> str | None:
    """Why this file cannot be a journal made by someone who may write the plan (None: it can)."""
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if st.st_nlink != 1:
        return f"it has {st.st_nlink} names (hard links)"
    if st.st_mode & 0o002:
        return "anyone may change it"
    if st.st_mode & 0o020 and st.st_gid != plan.st_gid:
        return "another group may change it"
    euid = os.geteuid() if hasattr(os, "geteuid") else st.st_uid
    if st.st_uid == euid and os.access(plan_path, os.W_OK):
        return None
    member_of = st.st_gid if st.st_mode & stat.S_ISGID else None
    try:
        rules = acl.read(plan_path)
    except OSError:
        rules = None
    if acl.may_write(plan, rules, st.st_uid, member_of):
        return None
    return f"made by {owner_name(st.st_uid)}, who may not write {plan_path.name}"


def trusted(st: os.stat_result, plan: os.stat_result, plan_path: Path) -> bool:
    """Could someone who may write the plan have made (and be the only one able to change) this file?"""
    return distrust(st, plan, plan_path) is None


def ignore(path: Path, why: str) -> None:
    """Say (once) that the journal `path` is not replayed, and why."""
    notices.report(f"{path}: ignored this journal ({why}); the plan was not changed from it")


def load(path: Path, plan: os.stat_result, plan_path: Path) -> Journal | None:
    """The journal at `path` when it is trusted, complete and made for the plan `plan`; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | _FLAGS)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not len(MAGIC) < st.st_size <= MAX_READ + 4096:
            return None  # emptied (done with) or not a journal at all
        why = distrust(st, plan, plan_path)
        if why is not None:
            ignore(path, why)
            return None
        os.set_blocking(fd, True)
        raw = b""
        while len(raw) < st.st_size + 1:
            chunk = os.read(fd, st.st_size + 1 - len(raw))
            if not chunk:
                break
            raw += chunk
    except OSError:
        return None
    finally:
        os.close(fd)
    return _parse(path, raw, plan, st.st_mtime_ns)


def _parse(path: Path, raw: bytes, plan: os.stat_result, mtime_ns: int) -> Journal | None:
    if not raw.startswith(MAGIC):
        return None
    end = raw.find(b"\n", len(MAGIC))
    try:
        header = json.loads(raw[len(MAGIC):end])
        length, old, new = int(header["length"]), str(header["old"]), str(header["new"])
        made_for = (int(header["dev"]), int(header["ino"]))
    except (ValueError, KeyError, TypeError):
        return None
    if end < 0 or made_for != (plan.st_dev, plan.st_ino):
        return None
    start = end + 1
    content = raw[start:start + length]
    if len(content) != length or raw[start + length:] != _END + new.encode("ascii", "replace") + b"\n":
        return None
    if digest(content) != new:
        return None
    return Journal(path, content, old, new, mtime_ns)


def pending(path: Path, plan: os.stat_result, current: bytes,
            extends: Callable[[bytes, bytes], str | None]) -> Journal | None:
    """The newest complete, trusted journal for the plan whose content is not what the plan holds
    (`current`) and extends it (`extends(current, content)`: None, else why not): a save in place
    that was cut short, or is being written now. The plan's own digest is taken only when a
    journal is there to compare it with (it reads the whole plan: 60 ms for 100 MB)."""
    have = None
    found = []
    for j in (load(p, plan, path) for p in names(path)):
        if j is None:
            continue
        if have is None:
            have = digest(current)
        if j.new == have:
            continue
        why = extends(current, j.content)
        if why is None:
            found.append(j)
        else:
            ignore(j.path, why)
    return max(found, key=lambda j: j.mtime_ns, default=None)


def dispose(path: Path) -> None:
    """Remove a journal; where the sticky bit forbids (another member's), empty it: an empty
    journal counts as absent."""
    try:
        os.unlink(path)
        return
    except FileNotFoundError:
        return
    except OSError:
        pass
    try:
        fd = os.open(path, os.O_WRONLY | _FLAGS)
    except OSError:
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.ftruncate(fd, 0)
            os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
