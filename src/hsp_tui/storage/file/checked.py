"""The plan files this user's hsp-tui has checked in full, or written itself, known by the SHA-256
of their bytes: a one-shot change (`hsp-tui note`) of a file it knows need not decode and check
every record again (issue 25).

Whether bytes are a plan of ours laid out exactly as hsp-tui writes them (what
`planfile.read_tables_as_written` finds, and what lets a change splice one record's bytes) depends
on the bytes alone, for one version of the code that checks them: so the memo holds digests (and
sizes) only, never paths, under a key naming that code (`_key`: hsp-tui's version, the file's
schema version, and the files of the modules that decide, since the version string stays the same
across many changes of the code). A memo under another key counts as empty; the next one replaces it.

It is one small file in the user's own cache folder (`paths.user_dir("cache")`): the last `KEEP`
digests, each with its bytes' size (a file of a size it does not list is not even hashed). It is
trusted only as this user left it: the folder and the file this user's, neither writable by group
or others, the file a regular file with one link, opened without following a link. Anything else
(a link, a FIFO, another's file, a folder others may write, garbage) counts as no memo, and nothing
is written into a folder that is not trusted. It is written whole (exclusive create under a random
name, then a rename over the old one: never through a link), readable by the user only (0600, in a
folder made 0700): a digest lets whoever reads it confirm a guess of a plan's contents. No fsync: a
memo lost to a crash costs one full check. It never makes a command fail: a memo that cannot be
read or written is no memo.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys
import threading
from pathlib import Path
from typing import Callable, Sequence

from hsp_tui.storage.file.paths import user_dir
from hsp_tui.storage.file.safefiles import create_temp, write_all

NAME = "checked-plans"
# A smaller file is checked whole, as before: that costs ~4 ms a MB (decoding, comparing with what
# hsp-tui writes), the memo ~3.5 ms (loading OpenSSL, reading and writing the memo) plus 0.6 ms a MB.
WORTH = 2 * 1024 * 1024
KEEP = 64  # digests kept: the files (and their versions) a user changes in a day, with room to spare
_HEADER = b"hsp-tui checked plan files"
_LIMIT = 64 * 1024  # a memo larger than this is not one hsp-tui wrote

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
# Only where a file can be opened without following a link, relative to a folder held open, and
# owners can be told apart; elsewhere there is no memo (every note checks the file in full).
ENABLED = (hasattr(os, "geteuid") and bool(_O_NOFOLLOW and _O_DIRECTORY) and os.open in os.supports_dir_fd
           and os.rename in os.supports_dir_fd)

# The modules whose code decides whether bytes are a plan laid out as written: the records'
# declarations and rules, the reading and the writing of the file, what a change reads of known
# bytes and what it remembers, and this memo.
_DECIDING = ("hsp_tui.domain.records", "hsp_tui.domain.vocabulary", "hsp_tui.domain.history",
             "hsp_tui.domain.rules", "hsp_tui.storage.file.planfile", "hsp_tui.storage.file.planbytes",
             "hsp_tui.storage.file.transactions", "hsp_tui.storage.file.jsonfile", __name__)


def sha256(*parts: bytes | memoryview) -> bytes:
    """The SHA-256 of the bytes `parts` make one after the other (OpenSSL's: 5-6 ms for 10 MB)."""
    import hashlib  # noqa: PLC0415 - only a command that changes a plan file hashes it

    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.digest()


def sha256_soon(parts: bytes | Sequence[bytes | memoryview]) -> Callable[[], bytes | None]:
    """The SHA-256 of `parts` (bytes, or parts in order), taken in a thread of its own (hashing lets
    other threads run): call the result for it (None if it could not be taken). A save hashes the
    bytes it writes meanwhile."""
    done: list[bytes] = []
    worker = threading.Thread(target=lambda: done.append(sha256(*((parts,) if isinstance(parts, bytes) else parts))),
                              daemon=True)
    worker.start()

    def digest() -> bytes | None:
        worker.join()
        return done[0] if done else None

    return digest


def lookup(raw: bytes) -> bytes | None:
    """The SHA-256 of `raw` when this user's hsp-tui (this version of it) found those bytes to be a
    plan laid out as it writes them, or wrote them itself; else None. Hashed only when the memo
    holds bytes of that size (a colleague's save almost always changes the size: the first note
    after it does not pay for the hash, nor for loading OpenSSL)."""
    if not ENABLED or len(raw) < WORTH:
        return None
    folder = _folder(create=False)
    if folder is None:
        return None
    try:
        entries = _entries(folder)
    finally:
        os.close(folder)
    if len(raw) not in {size for _, size in entries}:
        return None
    digest = sha256(raw)
    return digest if (digest, len(raw)) in entries else None


def remember(digest: bytes | None, size: int) -> None:
    """Add the bytes of SHA-256 `digest` and `size` (checked in full, or written by hsp-tui) to the
    memo, keeping the last `KEEP`; quietly nothing when it cannot be written safely."""
    if not ENABLED or digest is None or size < WORTH:
        return
    folder = _folder(create=True)
    if folder is None:
        return
    tmp: Path | None = None
    try:
        kept = [e for e in _entries(folder) if e != (digest, size)] + [(digest, size)]
        body = _key() + b"".join(b"%s %d\n" % (d.hex().encode(), n) for d, n in kept[-KEEP:])
        fd, tmp = create_temp(Path(NAME), dir_fd=folder)  # 0600, exclusive, never through a link
        try:
            write_all(fd, body)
        finally:
            os.close(fd)
        os.rename(tmp.name, NAME, src_dir_fd=folder, dst_dir_fd=folder)  # replaces the name, not what it links to
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp.name, dir_fd=folder)
            except OSError:
                pass
        os.close(folder)


def _folder(*, create: bool) -> int | None:
    """The memo's folder held open, when it is this user's and nobody else may write it (`create`:
    made, 0700, when missing); else None."""
    path = user_dir("cache")
    flags = os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        if not create:
            return None
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                pass
            fd = os.open(path, flags)
        except OSError:
            return None
    except OSError:  # a link in the folder's place, not a folder, no permission
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        st = None
    if st is None or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        os.close(fd)
        return None
    return fd


def _entries(folder: int) -> list[tuple[bytes, int]]:
    """The memo's (digest, size) of each file's bytes, oldest first; none when it is missing, not
    to be trusted, under another key, or not as hsp-tui writes it."""
    try:
        fd = os.open(NAME, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC | _O_NOCTTY, dir_fd=folder)
    except OSError:
        return []
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_nlink != 1
                or st.st_mode & 0o022 or st.st_size > _LIMIT):
            return []
        data = os.read(fd, _LIMIT + 1)
    except OSError:
        return []
    finally:
        os.close(fd)
    key = _key()
    if not data.startswith(key) or len(data) > _LIMIT:
        return []
    lines = data[len(key):].split(b"\n")
    if lines.pop() != b"":  # every line ends with a newline
        return []
    entries = []
    for line in lines:
        digest, _, size = line.partition(b" ")
        if len(digest) != 64 or not size.isdigit() or len(size) > 12:
            return []
        try:
            entries.append((bytes.fromhex(digest.decode("ascii")), int(size)))
        except (UnicodeDecodeError, ValueError):
            return []
    return entries


def _key() -> bytes:
    """The memo's first line: the code that checked the bytes (see the module's docstring)."""
    import hsp_tui  # noqa: PLC0415
    from hsp_tui.domain.records import SCHEMA_VERSION  # noqa: PLC0415

    stamps = []
    for name in _DECIDING:
        file = getattr(sys.modules.get(name) or importlib.import_module(name), "__file__", None) or name
        try:
            st = os.stat(file)
            stamps.append(f"{file}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            stamps.append(file)
    code = 0xCBF29CE484222325  # FNV-1a, 64 bits: a name for the code, not a safeguard (no OpenSSL to load)
    for byte in "\n".join(stamps).encode("utf-8", "surrogateescape"):
        code = ((code ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    code = f"{code:016x}"
    return _HEADER + f" {hsp_tui.__version__} schema {SCHEMA_VERSION} code {code}\n".encode("utf-8", "replace")
