"""The plan's lock: `<plan>.lock` beside the plan, held with flock(2) around each change.

* A flock is never stale: the kernel drops it when its holder exits (even after kill -9). The lock
  file holds no data and may stay. Deleting or replacing it is harmless: after locking, the holder
  checks that the file it holds is still the one at the path (same device and inode), else it
  lets go and locks the new one, so two processes can never each hold "the" lock.
* The file is opened without following a symbolic link, and an existing one without O_CREAT (a
  planted file is never created through or truncated; fs.protected_regular sticky folders work).
  A new one gets the plan's group and read/write bits, so every member of a team can lock it.
* Who holds it: on Linux /proc/locks names the process holding a flock on the file's inode.
* Readers take no lock, except in a sticky folder, where other members save by writing into the
  plan itself (`inplace`): there a reader takes a shared flock (`shared_lock`) on the lock file when
  it exists and can be opened read-only, never creating it (read-only folders keep working).
* How long to wait, and whether waiting was cancelled, is the change's `LockWait` (the app waits in
  a thread, cancellable, instead of blocking its screen), passed down by the backend.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from hsp_tui.domain.errors import PlanFileError
from hsp_tui.storage.contract import LockBusy, LockWait, LockWaitCancelled
from hsp_tui.storage.file.folders import at, folder_of
from hsp_tui.storage.file.paths import owner_name
from hsp_tui.storage.file.safefiles import kind_of

try:
    import fcntl
except ImportError:  # Windows: filelock's msvcrt lock instead (no inode check there)
    fcntl = None  # type: ignore[assignment]

POLL_SECONDS = 0.05


def holder(fd: int) -> str:
    """Who holds a flock on the file open as `fd`, in words ("process 123 (hsp-tui, user alice)")."""
    try:
        st = os.fstat(fd)
        want = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
        with open("/proc/locks", "rb") as fh:
            lines = fh.read().decode("latin-1").splitlines()
    except (OSError, AttributeError):
        return "another program (its process cannot be seen from here)"
    for line in lines:
        parts = line.split()
        if "->" in parts or len(parts) < 6 or parts[1] != "FLOCK" or parts[5] != want:
            continue
        return describe_process(parts[4])
    return "another program (not on this computer, or its process cannot be seen from here)"


def describe_process(pid: str) -> str:
    """`process PID (program, user NAME)` from /proc, as much of it as can be read."""
    what = []
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
        text = b" ".join(argv).decode("utf-8", "replace")
        what.append("hsp-tui" if "hsp_tui" in text or "hsp-tui" in text
                    else os.path.basename(argv[0].decode("utf-8", "replace")) or "?")
    except OSError:
        pass
    try:
        uid = os.stat(f"/proc/{pid}").st_uid
        try:
            import pwd

            what.append(f"user {pwd.getpwuid(uid).pw_name}")
        except (ImportError, KeyError):
            what.append(f"user id {uid}")
    except OSError:
        pass
    return f"process {pid}" + (f" ({', '.join(what)})" if what else "")


def _open(path: Path, mode: int | None, group: int | None, owner: int | None = None) -> tuple[int, bool]:
    """The lock file, opened (or created: True) without following a link; a regular file only."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_NONBLOCK", 0)
    for _ in range(100):
        created = False
        with folder_of(path) as dir_fd:  # in the folder itself, never through a link put in its place
            name = at(path, dir_fd)
            try:
                fd = os.open(name, flags, dir_fd=dir_fd)
            except FileNotFoundError:
                try:
                    fd = os.open(name, flags | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode, dir_fd=dir_fd)
                except FileExistsError:
                    continue  # made by someone else just now: open theirs
                created = True
                _share(fd, mode, group, owner)
            except PermissionError:
                # Not writable by us: a read-only descriptor can be flocked too (local file systems).
                fd = os.open(name, flags & ~os.O_RDWR | os.O_RDONLY, dir_fd=dir_fd)
        st = os.fstat(fd)
        why = None if created else _not_a_lock(st)
        if why:
            os.close(fd)
            raise PlanFileError(f"{path}: {why}, owned by {owner_name(st.st_uid)}: not a lock file hsp-tui made; "
                                "nothing was saved (ask its owner or the folder's to remove it)")
        return fd, created
    raise PlanFileError(f"{path}: the lock file keeps appearing and disappearing; nothing was saved")


def _not_a_lock(st: os.stat_result) -> str | None:
    """Why the file found at the lock's name cannot be the plan's lock (a colleague's trap): not a
    regular file, or a regular file with another name (a hard link to someone's file), or one with
    content (hsp-tui's lock files are empty)."""
    if not stat.S_ISREG(st.st_mode):
        return f"the lock file is {kind_of(st.st_mode)}, not a regular file"
    if st.st_nlink != 1:
        return f"the lock file has {st.st_nlink} names (a hard link to another file)"
    if st.st_size:
        return "the lock file is not empty"
    return None


def _share(fd: int, mode: int | None, group: int | None, owner: int | None = None) -> None:
    """A new lock file: the plan's group and read/write bits (whatever our umask), where we may;
    made by root, the plan's owner too (so a plan's owner is never locked out by root's lock file)."""
    try:
        owner = owner if owner is not None and os.geteuid() == 0 else -1
        if group is not None and os.fstat(fd).st_gid != group or owner != -1:
            os.fchown(fd, owner, -1 if group is None else group)
    except (OSError, AttributeError):
        pass
    try:
        if mode is not None:
            os.fchmod(fd, mode)
    except (OSError, AttributeError):
        pass


def _still_at(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.lstat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


@contextmanager
def shared_lock(path: Path, timeout: float) -> Iterator[bool]:
    """A shared flock on the existing lock file `path`, for a reader: opened read-only, never
    created, never through a link. Yields True while held; False when there is no lock file, it
    cannot be opened, or a save held it for longer than `timeout` seconds."""
    fd = None
    if fcntl is not None:
        deadline = time.monotonic() + timeout
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) \
            | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0)
        for _ in range(100):
            try:
                fd = os.open(path, flags)
            except OSError:
                break
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                fd = None
                break
            held = _flock_shared(fd, path, deadline)
            if held and _still_at(fd, path):
                break
            replaced = not _still_at(fd, path)
            os.close(fd)  # closing drops a flock taken on a file no longer at the path
            fd = None
            if not replaced:
                break  # a save held it too long, or it cannot be locked: read without it
    try:
        yield fd is not None
    finally:
        if fd is not None:
            os.close(fd)


def _flock_shared(fd: int, path: Path, deadline: float) -> bool:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
        if time.monotonic() >= deadline or not _still_at(fd, path):
            return False
        time.sleep(POLL_SECONDS)


class PlanLock:
    """`with PlanLock(lock_path, plan_path=..., ...):` holds the plan's lock (see the module)."""

    def __init__(self, path: Path, *, plan_path: Path, timeout: float, mode: int | None = None,
                 group: int | None = None, owner: int | None = None, wait: LockWait | None = None) -> None:
        self.path, self.plan_path = Path(path), plan_path
        self.timeout, self.mode, self.group, self.owner = timeout, mode, group, owner
        self.wait = wait or LockWait()
        self._fd: int | None = None
        self._fallback = None
        self.created = False  # this holder made the lock file (see __exit__)

    def __enter__(self) -> "PlanLock":
        timeout = self.timeout if self.wait.timeout is None else self.wait.timeout
        if fcntl is None:
            self._acquire_fallback(timeout)
        else:
            self._acquire(timeout, self.wait)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # A lock file this holder made for a change that failed (e.g. beside a file that turned out
        # not to be a plan) is not left behind. Removing it is harmless (see the module docstring).
        if exc_type is not None and issubclass(exc_type, PlanFileError) and self.created \
                and self._fd is not None and _still_at(self._fd, self.path):
            try:
                os.unlink(self.path)
            except OSError:
                pass
        self.release()

    def _acquire(self, timeout: float, policy: LockWait) -> None:
        start = time.monotonic()
        told = False
        while True:
            try:
                fd, created = _open(self.path, self.mode, self.group, self.owner)
            except PlanFileError:
                raise
            except OSError as exc:
                raise self._cannot(exc) from None
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except OSError as exc:
                        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                            raise self._cannot(exc) from None
                    if time.monotonic() - start >= timeout:
                        who = holder(fd)
                        raise LockBusy(self._busy(who, timeout), who)
                    if policy.cancelled is not None and policy.cancelled():
                        raise LockWaitCancelled(f"{self.plan_path}: stopped waiting for the lock "
                                                f"(held by {holder(fd)}); nothing was saved")
                    if not told and policy.on_wait is not None:
                        told = True
                        policy.on_wait(holder(fd))
                    time.sleep(POLL_SECONDS)
                    if not _still_at(fd, self.path):
                        break  # deleted or replaced while we waited: lock the file now there
            except BaseException:
                os.close(fd)
                raise
            if _still_at(fd, self.path):
                self._fd, self.created = fd, created
                self._widen(fd)
                return
            os.close(fd)  # closing drops any flock taken on a file no longer at the path

    def _widen(self, fd: int) -> None:
        """Give a lock file of ours made by an older version, or under a narrow umask, the plan's bits."""
        try:
            st = os.fstat(fd)
            if self.mode is not None and st.st_uid == os.geteuid() and (st.st_mode & 0o666) != self.mode \
                    and _not_a_lock(st) is None:  # never another file linked at the lock's name
                os.fchmod(fd, self.mode)
        except (OSError, AttributeError):
            pass

    def _busy(self, who: str, timeout: float) -> str:
        waited = f"{timeout:.0f}s" if timeout >= 1 else "a moment"
        return (f"{self.plan_path}: {who} has held the lock for over {waited} (it is saving the plan); "
                "nothing was saved (try again when it has finished)")

    def _cannot(self, exc: OSError) -> PlanFileError:
        if isinstance(exc, PermissionError):
            hint = ("ask its owner to let you read it" if os.path.lexists(self.path)
                    else f"you cannot create files in {self.path.parent}")
            return PlanFileError(f"{self.plan_path}: cannot take the lock file {self.path.name} "
                                 f"({exc.strerror or exc}: {hint}); nothing was saved")
        try:
            st = os.lstat(self.path)
        except OSError:
            st = None
        if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO) and st is not None:
            what = "a symbolic link, which hsp-tui never follows" if stat.S_ISLNK(st.st_mode) else kind_of(st.st_mode)
            return PlanFileError(f"{self.plan_path}: the lock file {self.path.name} is {what}, owned by "
                                 f"{owner_name(st.st_uid)}: not a lock file hsp-tui made; nothing was saved "
                                 "(ask its owner or the folder's to remove it)")
        return PlanFileError(f"{self.plan_path}: cannot take the lock file {self.path.name} "
                             f"({exc.strerror or exc}); nothing was saved")

    def _acquire_fallback(self, timeout: float) -> None:
        from filelock import FileLock, Timeout  # noqa: PLC0415 - only where there is no fcntl

        lock = FileLock(str(self.path), timeout=timeout, **({"mode": self.mode} if self.mode is not None else {}))
        try:
            lock.acquire()
        except Timeout:
            raise LockBusy(self._busy("another program", timeout), "another program") from None
        except OSError as exc:
            raise self._cannot(exc) from None
        self._fallback = lock

    def verify(self) -> None:
        """Refuse to go on when the lock file we hold is no longer the one at the path: someone
        deleted or replaced it, so another program may have taken "the" lock and be saving too."""
        if self._fd is not None and not _still_at(self._fd, self.path):
            raise PlanFileError(f"{self.plan_path}: the lock file {self.path.name} was deleted or replaced "
                                "during this save, so another program may be saving too; nothing was saved "
                                "(try again)")

    def release(self) -> None:
        if self._fallback is not None:
            self._fallback.release()
            self._fallback = None
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor drops the flock

