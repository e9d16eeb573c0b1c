"""tmux for the terminal tests: one private tmux server per test run (its own socket, no user
config), so a colleague's tmux, or another test run on the same machine ending its sessions, can
never stop the server under these tests."""

from __future__ import annotations

import os
import subprocess

SOCKET = f"hsp-tests-{os.getpid()}"


# pytest-xdist's workers run with COLUMNS=80 and LINES=24 in their environment; a tmux server started
# from one hands them to every program in its windows, and Textual takes them over the window's real
# size. The terminal tests' programs get the size of the window they run in.
_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


_kept = False  # the keeper session is running


def tmux(*args: str) -> str:
    global _kept
    if not _kept and args[:1] == ("new-session",):
        # A session that lasts the whole run: the server never runs out of sessions, so it never
        # exits between one test's last session ending and the next test's starting (a new session
        # asked of a server on its way out fails: "server exited unexpectedly", seen under load).
        subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", "new-session", "-d", "-s", "hsp-keep",
                        "sleep 86400"], capture_output=True, env=_ENV)
        _kept = True
    done = subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", *args], capture_output=True, text=True,
                          env=_ENV)
    if done.returncode != 0:
        raise AssertionError(f"tmux {' '.join(args[:3])} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def kill_session(name: str) -> None:
    subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", name], capture_output=True)


def kill_server() -> None:
    subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)
