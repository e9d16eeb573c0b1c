"""Measure a full-screen app in a real terminal: tmux, fixed 120x40 window, TERM=xterm-256color.

`first_screen(cmd, pattern)` launches `cmd` in a new tmux window, polls `capture-pane` until a
line matches `pattern` (a row of the plan), then waits until the process stops using CPU and
reads its peak resident memory (VmHWM from /proc/PID/status).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from dataclasses import dataclass

TMUX = "/usr/bin/tmux"
WIDTH, HEIGHT = 120, 40
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Launch:
    first_screen: float  # seconds from launch to the first row on screen
    first_screen_cpu: float  # CPU seconds the process had used by then (user + system; 10 ms ticks)
    settled: float  # seconds from launch until the process went idle (background work done)
    peak_rss_mb: float  # VmHWM once idle
    screen: str  # the pane as captured when the row first showed


class Tmux:
    """A private tmux server (its own socket) kept alive for the whole run."""

    def __init__(self) -> None:
        self.socket = f"hsp-bench-{os.getpid()}"
        self.n = 0
        self._run("-f", "/dev/null", "new-session", "-d", "-s", "keep", "-x", str(WIDTH), "-y", str(HEIGHT),
                  "sleep 86400")
        self._run("set-option", "-g", "default-terminal", "xterm-256color")

    def _run(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def close(self) -> None:
        self._run("kill-server", check=False)

    def first_screen(self, cmd: list[str], pattern: re.Pattern[str], *, env: dict[str, str] | None = None,
                     timeout: float = 120.0, settle_timeout: float = 60.0) -> Launch:
        self.n += 1
        name = f"b{self.n}"
        envs = {"TERM": "xterm-256color", "COLORTERM": "truecolor", **(env or {})}
        line = "exec env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in envs.items()) + " " + shlex.join(cmd)
        t0 = time.perf_counter()
        self._run("new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT), line)
        try:
            pid = int(self._run("display-message", "-p", "-t", name, "#{pane_pid}").strip())
            screen = ""
            while True:
                screen = self._run("capture-pane", "-p", "-t", name, check=False)
                if pattern.search(screen):
                    t_first = time.perf_counter() - t0
                    cpu_first = cpu_ticks(pid) / CLK_TCK
                    break
                if time.perf_counter() - t0 > timeout:
                    raise RuntimeError(f"no row on screen after {timeout}s: {shlex.join(cmd)}\n{screen}")
                if not os.path.exists(f"/proc/{pid}"):
                    raise RuntimeError(f"process ended before a row showed: {shlex.join(cmd)}\n{screen}")
                time.sleep(0.003)
            t_settled = wait_idle(pid, t0, settle_timeout)
            rss = peak_rss_mb(pid)
            return Launch(t_first, cpu_first, t_settled, rss, screen)
        finally:
            self._run("kill-session", "-t", name, check=False)
            time.sleep(0.05)


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_idle(pid: int, t0: float, timeout: float, quiet: float = 0.3) -> float:
    """Seconds since t0 at which the process last used CPU, once it has been quiet for `quiet` s."""
    step = 0.05
    last = cpu_ticks(pid)
    last_busy = time.perf_counter()
    start = last_busy
    while time.perf_counter() - start < timeout:
        time.sleep(step)
        now = cpu_ticks(pid)
        if now - last > 1:  # more than one tick (10 ms) in 50 ms: still working
            last_busy = time.perf_counter()
        last = now
        if time.perf_counter() - last_busy >= quiet:
            break
    return last_busy - t0


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")
