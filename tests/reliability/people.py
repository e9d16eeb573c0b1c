"""Other users for the shared-folder tests: real uids and groups, on real folders with real modes.

The tests run as root (as in CI) and start each command as another user (scripts/as_user.py drops
to that uid, gid and groups before the CLI runs), so the kernel's own permission checks apply.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from .helpers import AS_OF, HERE, PYTHON, cli_env

TEAM = 3001  # the team's group
AUDIT = 3005  # a group nobody below is in

needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="acting as other users needs root (CI runs as root)")


@dataclass(frozen=True)
class Person:
    name: str
    uid: int
    gid: int  # primary group (a private group of one, as on most Linux systems)
    groups: tuple[int, ...] = ()

    def run(self, db: Path, *args: str, umask: int = 0o002, timeout: float = 120, env: dict[str, str] | None = None,
            **kwargs) -> subprocess.CompletedProcess:
        """`hsp-tui --db DB --user NAME --as-of AS_OF ARGS...` as this user (`env`: more variables)."""
        cmd = [PYTHON, str(HERE / "scripts" / "as_user.py"), str(self.uid), str(self.gid),
               ",".join(str(g) for g in (self.gid, *self.groups)), f"{umask:o}",
               "--db", str(db), "--user", self.name, "--as-of", AS_OF, *args]
        if "stdout" not in kwargs:
            kwargs["capture_output"] = True
        return subprocess.run(cmd, text=True, encoding="utf-8", errors="replace",
                              env=cli_env(HOME="/nonexistent", **(env or {})), timeout=timeout, **kwargs)

    def command(self, *argv: str) -> list[str]:
        """`argv` run as this user (uid, gid and groups dropped by setpriv), for Popen and run."""
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}",
                f"--groups={','.join(str(g) for g in (self.gid, *self.groups))}", *argv]

    def python(self, code: str, *args: str, input: bytes | None = None, timeout: float = 60,
               umask: int = 0o002) -> subprocess.CompletedProcess:
        """Python `code` (with `args` as sys.argv[1:]) run as this user: what a colleague does by hand."""
        cmd = self.command(PYTHON, "-c", f"import os; os.umask(0o{umask:o})\n{code}", *args)
        return subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, check=True)


ALICE = Person("alice", 2001, 3101, (TEAM,))
BOB = Person("bob", 2002, 3102, (TEAM,))
MALLORY = Person("mallory", 2003, 3103, (TEAM,))  # a team member who plants traps
READER = Person("reader", 2004, 3104, ())  # may read, not write
EVE = Person("eve", 2005, 3105, ())  # outside the team: only what everyone may do


@pytest.fixture
def shared_root() -> Iterator[Path]:
    """A folder every test user can reach (pytest's own tmp folders are root's only)."""
    root = Path(tempfile.mkdtemp(prefix="hsp-shared-", dir="/tmp"))
    os.chmod(root, 0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def team_folder(root: Path, mode: int, name: str = "team") -> Path:
    """A folder owned by root, group TEAM, with `mode` (e.g. 0o2770 setgid, 0o1770 sticky)."""
    folder = root / name
    folder.mkdir()
    os.chown(folder, 0, TEAM)
    os.chmod(folder, mode)
    return folder
