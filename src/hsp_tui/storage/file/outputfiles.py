"""Writing an export (or any output the user names) to disk, never over the plan's own files.

* a regular file (or a new one) is replaced whole (`safefiles.atomic_write`: a temporary file
  created exclusively, then renamed), never more open than the plan unless asked;
* a symbolic link is followed to its target, which is then replaced whole (refused when that is
  the plan, its backup or its lock file);
* a FIFO or a character device (a terminal, /dev/stdout, /dev/null) is written through, never
  replaced; anything else that is not a regular file is refused;
* in a folder others may write, a link or a FIFO that someone else made there is refused
  (`planted_output`), as the kernel's protected_symlinks/protected_fifos would, whatever the
  machine's setting: a colleague's link to the user's ~/.ssh/authorized_keys, or a FIFO they read,
  never receives the export. The user's own links and FIFOs (and /dev/stdout) work as before.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from hsp_tui.domain.errors import InputError, PlanFileError
from hsp_tui.storage.file import acl
from hsp_tui.storage.file.paths import owner_name, resolve_links
from hsp_tui.storage.file.safefiles import atomic_write, backup_path, current_umask, kind_of, lock_path

_O_BINARY = getattr(os, "O_BINARY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)


def protected_file(path: Path, plan_path: Path) -> str | None:
    """What `path` is when it is (or links to) the plan file, its backup or its lock file."""
    real = Path(os.path.realpath(path))
    plan = Path(os.path.realpath(plan_path))
    protected = ((plan, "the plan file itself"), (backup_path(plan), "the plan's backup"),
                 (lock_path(plan), "the plan's lock file"))
    for keep, what in protected:
        try:
            same = (os.path.samefile(real, keep) if real.exists() and keep.exists()
                    else real == keep)
        except OSError:
            same = False
        if same or os.path.abspath(path) == os.path.abspath(keep):
            return what
    return None


def export_mode(plan_path: Path | None) -> int:
    """The permissions of a new export: what the umask gives a new file, but never more than the
    plan's own (a private 0600 plan gives 0600 exports; a plan shared through an ACL, whose mode's
    group bits are the ACL's mask, gives exports for its owner only)."""
    mode = 0o666 & ~current_umask()
    if plan_path is not None:
        try:
            plan_mode = os.stat(plan_path).st_mode
            mode &= acl.narrower_mode(plan_mode, acl.read(os.path.realpath(plan_path))) | 0o600
        except OSError:
            pass
    return mode


def planted_output(path: Path) -> str | None:
    """Why `path` must not be written: a link on the way, or a FIFO there, that someone else made
    in a folder others may write (one line, naming it); None when it may be."""
    try:
        target = Path(resolve_links(path))
    except PlanFileError as exc:
        return str(exc).replace("nothing was read or saved", "nothing was written")
    except OSError:
        return None  # said by the write itself
    try:
        st = os.stat(target)
        folder = os.stat(target.parent)
    except OSError:
        return None
    if stat.S_ISFIFO(st.st_mode) and hasattr(os, "geteuid") and st.st_uid not in (os.geteuid(), folder.st_uid) \
            and folder.st_mode & 0o022:
        return (f"{path}: is a FIFO (named pipe) made by {owner_name(st.st_uid)} in a folder others may write; "
                "an export is never written into it; nothing was written")
    return None


def write_output(path: Path, text: str | bytes, *, plan_path: Path | None = None, mode: int | None = None) -> None:
    """Write an export (or an evidence copy's bytes) to `path`, never a half-written file and never over the plan's own files.

    A regular file (or a new one) is replaced whole (temp file + rename) with `mode`, else
    `export_mode(plan_path)`; a symbolic link is followed to its target. A FIFO or a character
    device (a terminal, /dev/stdout, /dev/null) is written through, never replaced; anything else
    that is not a regular file is refused.
    """
    payload = text if isinstance(text, bytes) else text.encode("utf-8")  # bytes: an evidence copy
    trap = planted_output(path)
    if trap:
        raise InputError(trap)
    try:
        st: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"{path}: cannot write there ({exc.strerror or exc})") from None
    if st is None and os.path.lexists(path):
        raise InputError(f"{path}: is a symbolic link to {os.readlink(path)}, which does not exist; "
                         "nothing was written")
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a folder: give a file name")
    what = protected_file(path, plan_path) if plan_path is not None else None
    if what:
        raise InputError(f"{path}: that is {what}; choose another name for the export")
    if st is not None and _own_stream(st) is not None:  # /dev/stdout, /dev/fd/2, the file `>` opened
        _write_to_own(path, _own_stream(st), payload)
        return
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_through(path, st, payload)
        return
    target = Path(os.path.realpath(path))
    if not target.parent.is_dir():
        raise InputError(f"{path}: the folder {target.parent} does not exist")
    try:
        atomic_write(target, payload, keep_backup=None, mode=export_mode(plan_path) if mode is None else mode)
    except PlanFileError as exc:
        raise InputError(str(exc).replace("; the file is unchanged", "").replace("; nothing was saved", "")) from None


def _own_stream(st: os.stat_result) -> int | None:
    """1 or 2 when `st` is this process's standard output or error (whatever the path said)."""
    for fd in (1, 2):
        try:
            own = os.fstat(fd)
        except OSError:
            continue
        if (own.st_dev, own.st_ino) == (st.st_dev, st.st_ino):
            return fd
    return None


def _write_to_own(path: Path, fd: int, payload: bytes) -> None:
    """`-o /dev/stdout` and the like: write to that descriptor itself (at its own offset, as the
    shell opened it: `>` or `>>`), never replacing or reopening what it is."""
    import sys  # noqa: PLC0415

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise InputError(f"{path}: could not write the export ({exc.strerror or exc})") from None


def _write_through(path: Path, st: os.stat_result, payload: bytes) -> None:
    """Write into a FIFO or a character device without replacing it (a block device or a socket: refused)."""
    if not (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        raise InputError(f"{path}: is {kind_of(st.st_mode)}; an export is written only to a regular file, "
                         "a FIFO or a terminal")
    flags = os.O_WRONLY | _O_NONBLOCK | _O_NOCTTY | _O_CLOEXEC | _O_BINARY
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise InputError(f"{path}: is a FIFO that no program is reading from; nothing was written") from None
        raise InputError(f"{path}: cannot write there ({exc.strerror or exc})") from None
    try:
        if _O_NONBLOCK:
            os.set_blocking(fd, True)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise InputError(f"{path}: could not write the export ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
