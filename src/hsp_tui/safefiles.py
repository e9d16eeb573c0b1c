"""Files on disk, safely: whole-file writes, exports, reading with checks.

Everything here writes a file so that it is always whole (a temporary file beside it, fsync,
rename) and never overwrites the plan's own files by mistake. Store, exports and the app all
write through these functions.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from .errors import HspError, InputError, PlanFileError


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def read_bytes(path: Path, error: type[HspError] = PlanFileError, *, missing_hint: str = "") -> bytes:
    """A whole file's bytes; every failure is one `error` line naming the file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: file not found{missing_hint}") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a file") from None
    except PermissionError:
        raise error(f"{path}: permission denied (cannot read the file)") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror or exc})") from None


def check_writable(path: Path) -> None:
    """Refuse to replace a file marked read-only (no write permission bits), even for root:
    an officer who makes the plan read-only means it. Missing files pass (they are being created)."""
    try:
        st = os.stat(path)
    except OSError:
        return
    if not st.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise PlanFileError(f"{path}: the file is read-only; nothing was saved")


def atomic_write(path: Path, payload: bytes, *, keep_backup: bool = True) -> None:
    """Write `payload` to `path` so that the file is always whole: temp file, fsync, rename."""
    folder = path.parent
    check_writable(path)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
        try:
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if path.exists():
            try:
                shutil.copymode(path, tmp)
            except OSError:
                pass
            if keep_backup:
                _keep_backup(path)
        os.replace(tmp, path)
        _fsync_folder(folder)
    except PlanFileError:
        _remove_quietly(tmp)
        raise
    except OSError as exc:
        _remove_quietly(tmp)
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            reason = "the disk is full"
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            reason = f"permission denied in {folder}"
        raise PlanFileError(f"{path}: could not save ({reason}); the file is unchanged") from None


def _keep_backup(path: Path) -> None:
    """Keep the current file as `<name>.bak` before it is replaced (a hard link where possible)."""
    bak = backup_path(path)
    staging = path.with_name(f".{path.name}.{os.getpid()}.bak.tmp")
    _remove_quietly(staging)
    try:
        os.link(path, staging)
    except OSError:  # no hard links here (some network or FAT drives): copy instead
        shutil.copy2(path, staging)
    os.replace(staging, bak)


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete temporary files that killed saves of `path` left behind (`.<name>.<pid>.tmp`).

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
        if not name.startswith(prefix):
            continue
        middle = name[len(prefix):]
        for suffix in (".bak.tmp", ".tmp"):
            if middle.endswith(suffix) and middle[: -len(suffix)].isdigit():
                stale = path.parent / name
                try:
                    os.unlink(stale)
                    removed.append(stale)
                except OSError:
                    pass
                break
    return removed


def _fsync_folder(folder: Path) -> None:
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


def _remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def protected_file(path: Path, plan_path: Path) -> str | None:
    """What `path` is when it is the plan file, its backup or its lock file (never exported over)."""
    protected = ((plan_path, "the plan file itself"), (backup_path(plan_path), "the plan's backup"),
                 (plan_path.with_name(plan_path.name + ".lock"), "the plan's lock file"))
    for keep, what in protected:
        try:
            same = (os.path.samefile(path, keep) if path.exists() and keep.exists()
                    else os.path.abspath(path) == os.path.abspath(keep))
        except OSError:
            same = False
        if same:
            return what
    return None


def write_output(path: Path, text: str, *, plan_path: Path | None = None) -> None:
    """Write an export file whole (temp file + rename), never a half-written one.

    Refuses to write over the plan file itself, its backup or its lock file (`plan_path`): an
    export must never replace the data it was made from.
    """
    if not path.parent.exists():
        raise InputError(f"{path}: the folder {path.parent} does not exist")
    what = protected_file(path, plan_path) if plan_path is not None else None
    if what:
        raise InputError(f"{path}: that is {what}; choose another name for the export")
    try:
        atomic_write(path, text.encode("utf-8"), keep_backup=False)
    except PlanFileError as exc:
        raise InputError(str(exc).replace("; the file is unchanged", "").replace("; nothing was saved", "")) from None
