"""When the app dies of a fault of ours: a non-zero exit, the traceback in a crash log, one line.

Textual catches an exception raised in the app, restores the terminal and prints a long traceback
(with local values) to the terminal, then `App.run()` returns as after a quit. Here the traceback
goes to a private file in the user's log folder instead, the officer gets one line saying where, and
the exit status says it was a crash (scripts and wrappers can tell it from `q`). Saves are atomic, so
the plan file is as the last confirmed change left it.
"""

from __future__ import annotations

import io
import os
import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, TextIO

import platformdirs
from rich.console import Console

from hsp_tui.domain.errors import Exit
from textual.app import App

CRASH_DIR_ENV = "HSP_TUI_CRASH_DIR"  # where crash logs go (tests point it at a temporary folder)
CRASH_EXIT = Exit.INTERNAL  # as the CLI's own internal errors (EX_SOFTWARE)


def crash_folder(env: Mapping[str, str]) -> Path:
    given = env.get(CRASH_DIR_ENV)
    return Path(given) if given else Path(platformdirs.user_log_dir("hsp-tui", appauthor=False))


def write_crash_log(folder: Path, text: str, when: datetime | None = None) -> Path:
    """A new file, readable by its owner only (a traceback shows values from the plan)."""
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for k in range(100):
        path = folder / f"crash-{stamp}{f'-{k}' if k else ''}.log"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text)
        return path
    raise FileExistsError(f"no free crash log name in {folder}")


def run_reporting_crashes(app: App, folder: Path, *, stderr: TextIO | None = None, **run: Any) -> Any:
    """`app.run(**run)`; on a crash, the traceback to a crash log in `folder`, one line to
    `stderr`, and CRASH_EXIT returned instead of the app's result."""
    stderr = stderr or sys.stderr
    caught = io.StringIO()
    # Textual prints the traceback of a crash to its error console once the terminal is restored.
    app.error_console = Console(file=caught, width=120, color_system=None, markup=False, highlight=False,
                                emoji=False, soft_wrap=False)
    try:
        result = app.run(**run)
    except Exception:  # noqa: BLE001 - raised before or after Textual's own handling
        text = traceback.format_exc()
    else:
        if not app.return_code or getattr(app, "failure", None) is not None:  # a quit, or a refused file
            return result
        text = caught.getvalue() or f"The app stopped with status {app.return_code} and no traceback.\n"
    try:
        where = f"details in {write_crash_log(folder, text)}"
    except OSError as exc:
        where = f"the crash log could not be written ({exc}); run with HSP_TUI_DEBUG=1 to see the details"
    print(f"hsp-tui: the app stopped on an internal error; the plan file holds every change it "
          f"confirmed; {where}", file=stderr)
    return CRASH_EXIT
