"""Files on disk, safely: whole-file writes, the backup, reading with checks.

The plan usually lives in a team folder that colleagues can write to, so every write here assumes
someone else may have planted a file or a link under any name we might use:

* a temporary file is created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW) under a random name beside
  its target, with no access for anyone but its owner (0600) from the start; it gets the group and
  mode of the file it replaces just before the rename (or says so, and replaces nothing, when the
  group cannot be kept); a rename puts it in place, so a reader sees the old file or the new one;
* `<name>.bak` is staged under a random name too (a hard link, or an exclusive copy); in a sticky
  folder, one that belongs to another member is written in place (`overwrite`: into the file
  itself, never through a link, cut to length and flushed);
* reading opens without blocking and refuses anything that is not a regular file (a FIFO would
  hang, /dev/zero would never end), and never reads more than MAX_READ bytes.

Writing an export is `outputfiles`; a plan saved in place by another member of a sticky folder
(where only a file's owner may rename over it) is `inplace`.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import threading
from pathlib import Path
from typing import Callable, Sequence

from hsp_tui.domain.errors import HspError, PlanFileError
from hsp_tui.storage.file import acl
from hsp_tui.storage.file.folders import at, folder_of, lstat_at, unlink_at

try:
    import grp
except ImportError:  # Windows: no groups to keep
    grp = None  # type: ignore[assignment]

MAX_READ = 512 * 1024 * 1024  # the most hsp-tui reads from one file (plan or import): 512 MiB
_O_BINARY = getattr(os, "O_BINARY", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
# `.<name>.<16 hex digits>[.bak].tmp` (and `.<name>.<pid>[.bak].tmp` from older versions)
_TEMP_MIDDLE = re.compile(r"(?:[0-9]+|[0-9a-f]{16})(?:\.bak)?\.tmp\Z")


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


# -- reading --------------------------------------------------------------------------------------
def kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path: Path, error: type[HspError] = PlanFileError, *, missing_hint: str = "",
               limit: int = MAX_READ, link_ok: bool = True) -> bytes:
    """A whole regular file's bytes (at most `limit`); every failure is one `error` line naming the file.

    Opened with O_NONBLOCK and checked with fstat before anything is read: a FIFO, a device or a
    socket is refused at once instead of hanging or reading for ever. Not `link_ok` (the plan, whose
    links `paths.plan_file` resolved): a link at the path or on the way to it is refused, never
    followed (someone put it there since).
    """
    flags = os.O_RDONLY | _O_NONBLOCK | _O_CLOEXEC | _O_NOCTTY | _O_BINARY
    try:
        if link_ok:
            fd = os.open(path, flags)
        else:
            with folder_of(path, "nothing was read") as dir_fd:
                fd = os.open(at(path, dir_fd), flags | _O_NOFOLLOW, dir_fd=dir_fd)
    except PlanFileError as exc:
        raise error(str(exc)) from None
    except FileNotFoundError:
        raise error(f"{path}: file not found{missing_hint}") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a file") from None
    except PermissionError:
        raise error(f"{path}: permission denied (cannot read the file)") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket
            raise error(f"{path}: is a socket, not a regular file; hsp-tui reads only ordinary files") from None
        if exc.errno == errno.ELOOP and not link_ok:
            raise error(f"{path}: is now a symbolic link (someone replaced the file), which hsp-tui does not "
                        "follow; nothing was read") from None
        raise error(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise error(f"{path}: is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path}: is {kind_of(st.st_mode)}, not a regular file; hsp-tui reads only ordinary files")
        too_big = error(f"{path}: is larger than {limit // (1024 * 1024)} MiB, the most hsp-tui reads from one file")
        if st.st_size > limit:
            raise too_big
        with os.fdopen(os.dup(fd), "rb", buffering=0) as fh:
            chunks = [fh.read(st.st_size + 1)]  # one read for an ordinary file; more if it grows
            total = len(chunks[0])
            while chunks[-1] and total <= limit:
                chunks.append(fh.read(min(1 << 20, limit + 1 - total)))
                total += len(chunks[-1])
        if total > limit:
            raise too_big
        return chunks[0] if len(chunks) <= 2 else b"".join(chunks)  # [data, b""]: no copy
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


# -- writing --------------------------------------------------------------------------------------
def check_writable(path: Path) -> None:
    """Refuse to replace a file marked read-only (no write permission bits), even for root:
    an officer who makes the plan read-only means it. Refuse anything that is not a regular file.
    Missing files pass (they are being created)."""
    try:
        st = os.stat(path)
    except OSError:
        return
    if not stat.S_ISREG(st.st_mode):
        raise PlanFileError(f"{path}: is {kind_of(st.st_mode)}, not a regular file; nothing was saved")
    if not st.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise PlanFileError(f"{path}: the file is read-only; nothing was saved")


_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux)."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def temp_name(path: Path, kind: str = "") -> Path:
    """An unpredictable name beside `path` that `remove_stale_temps` recognises (os.urandom, as
    `secrets.token_hex` uses, without importing secrets: base64, hmac and random at every start)."""
    return path.with_name(f".{path.name}.{os.urandom(8).hex()}{kind}.tmp")


def create_temp(path: Path, kind: str = "", dir_fd: int | None = None) -> tuple[int, Path]:
    """A new empty file beside `path` (in the folder `dir_fd` when given), open for writing: created
    exclusively (never through a link, never an existing file), under a random name, readable by its
    owner only (0600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC | _O_BINARY
    for _ in range(100):
        tmp = temp_name(path, kind)
        try:
            return os.open(at(tmp, dir_fd), flags, 0o600, dir_fd=dir_fd), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no free temporary name beside {path.name}")


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name if grp is not None else str(gid)
    except (KeyError, OverflowError):
        return str(gid)


def _keep_group(fd: int, path: Path, st: os.stat_result) -> None:
    """Give the temporary file the owner (root only) and group of the file it will replace.

    When the group cannot be kept (the saver is not a member of it) and it gives access that others
    do not have, nothing is replaced: the colleagues who reach the plan through that group would be
    shut out by the save.
    """
    if not hasattr(os, "fchown"):
        return
    mine = os.fstat(fd)
    uid = st.st_uid if os.geteuid() == 0 and st.st_uid != mine.st_uid else -1
    gid = st.st_gid if st.st_gid != mine.st_gid else -1
    if uid == -1 and gid == -1:
        return
    try:
        os.fchown(fd, uid, gid)
    except PermissionError:
        group_bits, other_bits = (st.st_mode >> 3) & 0o7, st.st_mode & 0o7
        if gid == -1 or group_bits == other_bits:
            return  # the group gives nobody anything more: a new group loses nothing
        raise PlanFileError(
            f"{path}: a save would change the file's group from {_group_name(st.st_gid)} to "
            f"{_group_name(mine.st_gid)} (you are not a member of {_group_name(st.st_gid)}), shutting out "
            f"colleagues who use it; nothing was saved (make the folder setgid to {_group_name(st.st_gid)}, "
            "or ask to join that group)") from None


# A file's bytes, or its parts in the order they are written (a plan of 100 MB with one record
# changed: the bytes read before and after the record, and the record's new bytes; joining them
# would copy the 100 MB once more for nothing).
Payload = bytes | Sequence[bytes | memoryview]
Backup = Callable[[Path, "int | None", os.stat_result], None]  # (path, its folder's handle, the file replaced)


def atomic_write(path: Path, payload: Payload, *, keep_backup: Backup | None = None, mode: int | None = None,
                 check: Callable[[], None] | None = None) -> None:
    """Write `payload` to `path` so that the file is always whole: temp file, fsync, rename.

    `keep_backup(path, dir_fd, st)` is called to keep the file replaced (`backups.keep_backup_of`).
    `mode` None: the new file keeps the group and mode of the file it replaces (a new file gets the
    umask's). Otherwise it gets `mode`, and the folder's usual group. `check()` is called last
    before anything is replaced (the store checks that it still holds the plan's lock).
    """
    folder = path.parent
    check_writable(path)
    with folder_of(path) as dir_fd:
        _atomic_write(path, dir_fd, payload, keep_backup=keep_backup, mode=mode, check=check)


def _atomic_write(path: Path, dir_fd: int | None, payload: Payload, *, keep_backup: Backup | None, mode: int | None,
                  check: Callable[[], None] | None) -> None:
    """`atomic_write` in the folder held open as `dir_fd`: the rename replaces only the file found
    at the start (the one read under the lock), never a file or link put there meanwhile."""
    folder = path.parent
    try:
        st = lstat_at(path, dir_fd)
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):  # a link: callers resolve links first
        raise PlanFileError(f"{path}: is a symbolic link or special file; nothing was saved")
    if st is not None and renames_refused(folder, st):  # say so before writing anything
        raise PlanFileError(f"{path}: could not save ({_sticky_reason(folder, st)}); the file is unchanged")
    tmp: Path | None = None
    try:
        fd, tmp = create_temp(path, dir_fd=dir_fd)
        try:
            rules = acl.read(path) if mode is None and st is not None else None
            if mode is None and st is not None:
                _keep_group(fd, path, st)  # before writing: a refusal costs nothing
            write_all(fd, payload)
            if mode is None:
                mode = stat.S_IMODE(st.st_mode) & 0o777 if st is not None else 0o666 & ~current_umask()
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            _keep_acl(fd, path, rules)
            os.fsync(fd)
        finally:
            os.close(fd)
        if check is not None:
            check()
        if st is not None and keep_backup:
            keep_backup(path, dir_fd, st)
        now = lstat_at(path, dir_fd)
        if (now is None) != (st is None) or now is not None and (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise PlanFileError(f"{path}: was replaced by another file or a link during this save; nothing was saved")
        os.replace(at(tmp, dir_fd), at(path, dir_fd), src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        fsync_folder(folder)
    except (PlanFileError, OSError) as exc:
        if tmp is not None:
            unlink_at(tmp, dir_fd)
        if isinstance(exc, PlanFileError):
            raise
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            reason = "the disk is full"
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            reason = _sticky_reason(folder, st) or f"permission denied in {folder}"
        raise PlanFileError(f"{path}: could not save ({reason}); the file is unchanged") from None


def _keep_acl(fd: int, path: Path, rules: bytes | None) -> None:
    """Give the new file the plan's ACL (after its mode: the ACL's mask is the mode's group bits).
    A save that cannot keep it replaces nothing: without it the file would be more open or more
    closed than its owner set."""
    try:
        acl.copy(rules, fd)
    except OSError as exc:
        raise PlanFileError(f"{path}: could not keep the file's access control list (ACL: "
                            f"{exc.strerror or exc}); nothing was saved") from None


def renames_refused(folder: Path, st: os.stat_result) -> bool:
    """True when this process may not rename over the file `st` in `folder`: the folder is sticky
    (chmod +t), where only the file's owner, the folder's owner or root may replace a file."""
    if not hasattr(os, "geteuid") or os.geteuid() == 0 or st.st_uid == os.geteuid():
        return False
    try:
        there = os.stat(folder)
    except OSError:
        return False
    return bool(there.st_mode & stat.S_ISVTX) and there.st_uid != os.geteuid()


def _sticky_reason(folder: Path, st: os.stat_result | None) -> str | None:
    """Why a rename was refused in a sticky folder (only a file's owner may replace it there)."""
    try:
        if st is None or not os.stat(folder).st_mode & stat.S_ISVTX or st.st_uid == os.geteuid():
            return None
        import pwd  # noqa: PLC0415 - POSIX only, and only here

        owner = pwd.getpwuid(st.st_uid).pw_name
    except (OSError, AttributeError, ImportError, KeyError):
        owner = str(st.st_uid) if st is not None else "?"
    return f"{folder} is a sticky folder (chmod +t), where only the file's owner ({owner}) may replace it"


def write_all(fd: int, payload: Payload) -> None:
    """All of `payload` (bytes, or its parts in order) to `fd` (os.write may write less than asked)."""
    for part in (payload,) if isinstance(payload, (bytes, bytearray, memoryview)) else payload:
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view):]


def joined(payload: Payload) -> bytes:
    """`payload`'s bytes in one piece (a copy only when it is in parts)."""
    return payload if isinstance(payload, bytes) else b"".join(payload)


def overwrite(path: Path, payload: bytes, *, inode: tuple[int, int] | None = None) -> None:
    """Write `payload` into the existing regular file `path` itself (same inode, owner, group and
    mode), then cut it to that length and fsync. Never through a link, never creating a file;
    `inode` (device, inode) when given must be the file found there. Not atomic: callers that
    need a whole file at every moment keep a journal (see `inplace`)."""
    fd = os.open(path, os.O_WRONLY | _O_NOFOLLOW | _O_CLOEXEC | _O_NONBLOCK | _O_NOCTTY | _O_BINARY)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (inode is not None and (st.st_dev, st.st_ino) != inode):
            raise PlanFileError(f"{path}: was replaced by another file during this save; nothing was saved")
        if _O_NONBLOCK:
            os.set_blocking(fd, True)
        if len(payload) > st.st_size and hasattr(os, "posix_fallocate"):
            try:  # the space first: a full disk is found before a byte is overwritten
                os.posix_fallocate(fd, 0, len(payload))
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, errno.EOPNOTSUPP, errno.ENOSYS):
                    os.ftruncate(fd, st.st_size)
                    raise
        os.lseek(fd, 0, os.SEEK_SET)
        write_all(fd, payload)
        os.ftruncate(fd, len(payload))
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete temporary files that killed saves of `path` left behind (`.<name>.<random>[.bak].tmp`).

    Call only while holding the plan's lock: every save of the plan holds it, so no temporary file
    of the plan can be in use by anyone else then. Returns what was removed.
    """
    removed = []
    prefix = f".{path.name}."
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    for name in names:
        if name.startswith(prefix) and _TEMP_MIDDLE.fullmatch(name[len(prefix):]):
            stale = path.parent / name
            try:
                os.unlink(stale)
                removed.append(stale)
            except OSError:
                pass
    return removed


def fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
