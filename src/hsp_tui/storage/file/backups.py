"""`<plan>.bak`, the plan as it was before the last save: kept without ever writing into someone else's file.

The backup is staged under a random name (a hard link to the plan's inode, checked to be the plan
that was read; or an exclusive copy, made by this process) and renamed over `<name>.bak`, which
replaces the name and never writes into what was there (a planted file, FIFO, link or hard link
to another file is simply replaced). Where the rename is refused (a sticky folder, where only a
file's owner may replace it; a folder planted at the name), the file at `<name>.bak` is written in
place only when hsp-tui could have made it for this plan: a regular file with one link, whose
owner may write the plan (the trust a journal needs, see `journal`), and no more readable than the
plan. Otherwise the backup is skipped with a notice (it stays one save older) and the save goes on:
a colleague's trap at the backup's name never blocks the owner's saves.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from hsp_tui.domain.errors import PlanFileError
from hsp_tui.storage.file import acl, notices
from hsp_tui.storage.file.paths import owner_name
from hsp_tui.storage.file.folders import at, folder_of, lstat_at, unlink_at
from hsp_tui.storage.file.safefiles import (_keep_group, backup_path, create_temp, kind_of, overwrite, read_bytes, temp_name)

_FATAL = {errno.ENOSPC, errno.EIO, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EROFS}


def keep_backup_of(path: Path, *, link: bool = True, current: bytes | None = None, dir_fd: int | None = None,
                   plan: os.stat_result | None = None) -> None:
    """Keep the plan `path` (`plan`: as read under the lock) as `<name>.bak` before it is replaced:
    a hard link where `link` and possible, else a copy (of `current` when given). See the module."""
    if dir_fd is None:
        with folder_of(path) as held:
            if held is not None:
                return keep_backup_of(path, link=link, current=current, dir_fd=held, plan=plan)
    if plan is None:
        plan = lstat_at(path, dir_fd)
        if plan is None or not stat.S_ISREG(plan.st_mode):
            return
    bak = backup_path(path)
    staging = _staged_link(path, dir_fd, plan) if link else None
    data = current
    if staging is None:
        if data is None:
            data = read_bytes(path, link_ok=False)
        staging = _staged_copy(path, dir_fd, plan, data)
    try:
        os.replace(at(staging, dir_fd), at(bak, dir_fd), src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return
    except OSError as exc:
        unlink_at(staging, dir_fd)
        if exc.errno in _FATAL:
            raise
    why = _not_ours(path, bak, dir_fd, plan)
    if why is None:
        try:
            there = lstat_at(bak, dir_fd)
            overwrite(bak, data if data is not None else read_bytes(path, link_ok=False),
                      inode=(there.st_dev, there.st_ino) if there else None)
            return
        except OSError as exc:
            if exc.errno in _FATAL:
                raise
            why = exc.strerror or str(exc)
        except PlanFileError:
            why = "it was replaced meanwhile"
    notices.report(f"{bak}: the backup was not updated ({why}); it stays as it was before the last save")


def _staged_link(path: Path, dir_fd: int | None, plan: os.stat_result) -> Path | None:
    """A new name for the plan's inode (never for a link put in its place), or None."""
    for _ in range(100):
        candidate = temp_name(path, ".bak")
        try:
            os.link(at(path, dir_fd), at(candidate, dir_fd), src_dir_fd=dir_fd, dst_dir_fd=dir_fd,
                    follow_symlinks=False)
        except FileExistsError:
            continue
        except (OSError, NotImplementedError):  # no hard links here (FAT, some network drives; Windows
            return None  # has no follow_symlinks=False), or not ours to link (protected_hardlinks): copy
        made = lstat_at(candidate, dir_fd)
        if made is None or (made.st_dev, made.st_ino) != (plan.st_dev, plan.st_ino):
            unlink_at(candidate, dir_fd)  # the plan's name was swapped meanwhile: not the plan read
            return None
        return candidate
    return None


def _staged_copy(path: Path, dir_fd: int | None, plan: os.stat_result, data: bytes) -> Path:
    """A copy of `data` made by this process, as open as the plan and no more: its group (and the
    set-group-ID bit that proves who made it, as a journal's), mode and ACL."""
    fd, staging = create_temp(path, ".bak", dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            try:
                _keep_group(out.fileno(), path, plan)
            except PlanFileError:
                pass  # the backup is a copy for its saver: its group matters less than the plan's
            mode = stat.S_IMODE(plan.st_mode) & 0o777
            sgid = stat.S_ISGID if os.fstat(out.fileno()).st_gid == plan.st_gid else 0
            rules = acl.read(path)
            os.fchmod(out.fileno(), mode | sgid)
            try:
                acl.copy(rules, out.fileno())
            except OSError:
                os.fchmod(out.fileno(), acl.narrower_mode(mode, rules))
    except BaseException:
        unlink_at(staging, dir_fd)
        raise
    return staging


def _not_ours(path: Path, bak: Path, dir_fd: int | None, plan: os.stat_result) -> str | None:
    """Why the file at the backup's name may not be written into (None: it may)."""
    st = lstat_at(bak, dir_fd)
    if st is None:
        return "it disappeared"
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISREG(st.st_mode):
        return f"it is {kind_of(st.st_mode)}"
    if st.st_nlink != 1:
        return f"it has {st.st_nlink} names (hard links): it may be another file"
    try:
        rules = acl.read(path)
        own_rules = acl.read(bak)
    except OSError:
        rules = own_rules = None
    member_of = st.st_gid if st.st_mode & stat.S_ISGID else None
    if not acl.may_write(plan, rules, st.st_uid, member_of):
        return f"it belongs to {owner_name(st.st_uid)}, who may not write {path.name}"
    wider = st.st_mode & 0o077 & ~plan.st_mode
    if st.st_gid != plan.st_gid and st.st_mode & 0o070:
        wider |= st.st_mode & 0o070
    if wider or own_rules is not None and own_rules != rules:
        return "it is more readable than the plan"
    return None
