"""The plan's folder held open, so that a folder swapped for a link meanwhile is never followed.

A colleague who may write the folder above the team folder can swap the team folder for a link to
someone's private folder between two steps of a save. The folder is therefore opened once per read
or save, walking from `/` without following any link on the way (O_PATH|O_NOFOLLOW, one component at
a time), and every step of the save is done relative to that handle (`dir_fd=`, openat-style): the
temporary file, the backup and the rename all land in the folder that was opened, whatever the path
means by then. Where the system has no O_PATH (not Linux) the path is used as before.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from hsp_tui.domain.errors import PlanFileError

_O_PATH = getattr(os, "O_PATH", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
SUPPORTED = bool(_O_PATH and _O_NOFOLLOW and _O_DIRECTORY) and os.open in os.supports_dir_fd


def open_folder(folder: Path) -> int | None:
    """A handle on `folder` (an absolute path with no links in it, as `paths.plan_file` gives) for
    `dir_fd=` calls, or None where unsupported. OSError ELOOP/ENOTDIR when a component is a link."""
    if not SUPPORTED:
        return None
    flags = _O_PATH | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC
    fd = os.open(os.sep, flags)
    try:
        for part in Path(os.path.abspath(folder)).parts[1:]:
            inner = os.open(part, flags, dir_fd=fd)
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def folder_of(path: Path, doing: str = "nothing was saved") -> Iterator[int | None]:
    """The folder of `path` held open (see `open_folder`); a link on the way is one PlanFileError
    line. Other errors (a missing or unreadable folder) yield None: the caller's own calls report them."""
    try:
        fd = open_folder(path.parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise PlanFileError(f"{path}: a folder on the way to it is now a symbolic link (someone replaced "
                                f"it), which hsp-tui does not follow; {doing}") from None
        fd = None
    try:
        yield fd
    finally:
        if fd is not None:
            os.close(fd)


def at(path: Path, dir_fd: int | None) -> str:
    """What to give an os call with `dir_fd`: the name alone with a handle, else the whole path."""
    return path.name if dir_fd is not None else str(path)


def lstat_at(path: Path, dir_fd: int | None) -> os.stat_result | None:
    """The file at `path` itself (a link is not followed), or None when there is none."""
    try:
        return os.stat(at(path, dir_fd), dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def unlink_at(path: Path, dir_fd: int | None) -> None:
    try:
        os.unlink(at(path, dir_fd), dir_fd=dir_fd)
    except OSError:
        pass
