"""POSIX access control lists (Linux): who may read or write a file besides what its mode says.

A plan may be 0600 alice:team with `setfacl -m u:bob:rw`: its mode's group bits are then the ACL's
mask, not what the team may do. A save keeps the list (`copy`: the `system.posix_acl_access`
attribute, to the new file before it replaces the plan), and the trust in a journal asks the list
who may write the plan (`may_write`). Where the system has no ACLs every function says "none".
"""

from __future__ import annotations

import errno
import os
import stat
import struct
from typing import Union

ACCESS = "system.posix_acl_access"
USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_WRITE = 0o2
_UNSUPPORTED = {errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}
Target = Union[int, str, "os.PathLike[str]"]


def read(target: Target) -> bytes | None:
    """The file's access ACL (an fd or a path, never through a link), or None when it has none."""
    if not hasattr(os, "getxattr"):
        return None
    try:
        if isinstance(target, int):
            return os.getxattr(target, ACCESS)
        return os.getxattr(target, ACCESS, follow_symlinks=False)
    except OSError as exc:
        if exc.errno in _UNSUPPORTED or exc.errno in (errno.ENOENT, errno.EPERM, errno.EACCES):
            return None
        raise


def copy(raw: bytes | None, fd: int) -> None:
    """Give the file open as `fd` the ACL `raw` (None: nothing to do); OSError when it cannot."""
    if raw is not None:
        os.setxattr(fd, ACCESS, raw)


def entries(raw: bytes) -> list[tuple[int, int, int]]:
    """(tag, permission bits, id) of each entry (version 2: 4 bytes, then 8 bytes an entry)."""
    out = []
    for offset in range(4, len(raw) - 7, 8):
        out.append(struct.unpack_from("<HHI", raw, offset))
    return out


def may_write(st: os.stat_result, raw: bytes | None, uid: int, member_of: int | None) -> bool:
    """Could user `uid`, a proven member of group `member_of` (or None), write the file `st` with
    the ACL `raw`? Its owner always could (an owner may change the mode)."""
    if uid in (st.st_uid, 0):
        return True
    if raw is None:
        if member_of == st.st_gid:
            return bool(st.st_mode & 0o020)
        return bool(st.st_mode & 0o002)
    found = entries(raw)
    mask = next((p for t, p, _ in found if t == MASK), 0o7)
    for tag, perm, ident in found:
        if tag == USER and ident == uid and perm & mask & _WRITE:
            return True
        if tag == GROUP_OBJ and member_of == st.st_gid and perm & mask & _WRITE:
            return True
        if tag == GROUP and member_of == ident and perm & mask & _WRITE:
            return True
        if tag == OTHER and perm & _WRITE:
            return True
    return False


def narrower_mode(mode: int, raw: bytes | None) -> int:
    """The mode bits of a copy that must be no more readable than a file with `mode` and ACL `raw`
    when the ACL itself cannot be copied: the owner's bits only (the mode's group bits are the
    ACL's mask, which named users and groups share)."""
    return mode & 0o700 if raw is not None else mode
