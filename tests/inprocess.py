"""The command line run in the test's own process, as a subprocess would run it (see `run_in_process`)."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    code: int
    out: str
    err: str


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HSP_TUI_")}
    # Never touch the real home: platformdirs follows these.
    env["HOME"] = str(tmp_path / "home")
    env["XDG_DATA_HOME"] = str(tmp_path / "home" / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "home" / "config")
    env["XDG_CACHE_HOME"] = str(tmp_path / "home" / "cache")
    env["COLUMNS"] = "160"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_in_process(tmp_path: Path, args: tuple[str, ...], env: dict[str, str] | None = None,
                   input: str | None = None, *, exact_env: bool = False) -> Result:
    """The same command run by `hsp_tui.__main__.main` (what `python -m hsp_tui` runs) in this process: the same environment
    (os.environ replaced for the call), folder, standard streams (pipes, not terminals: UTF-8, or
    PYTHONIOENCODING's encoding as a process would take it) and exit code (argparse's SystemExit
    included); output read as `subprocess.run(text=True)` reads it (universal newlines). An
    exception that escapes `main` fails the test, as its traceback would have shown in a process.
    `exact_env`: `env` is the whole environment (else it is added to `clean_env`)."""
    from hsp_tui.__main__ import main

    full_env = dict(env or {}) if exact_env else {**clean_env(tmp_path), **(env or {})}
    encoding, _, errors = full_env.get("PYTHONIOENCODING", "utf-8").partition(":")
    out, err = io.BytesIO(), io.BytesIO()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    wrappers = (io.TextIOWrapper(io.BytesIO((input or "").encode("utf-8")), encoding="utf-8"),
                io.TextIOWrapper(out, encoding=encoding or "utf-8", errors=errors or "strict", write_through=True),
                io.TextIOWrapper(err, encoding=encoding or "utf-8", errors=errors or "backslashreplace",
                                 write_through=True))
    sys.stdin, sys.stdout, sys.stderr = wrappers
    os.environ.clear()
    os.environ.update(full_env)
    os.chdir(tmp_path)
    try:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
    finally:
        for wrapper in wrappers[1:]:
            wrapper.flush()
        printed = out.getvalue(), err.getvalue()
        for wrapper in wrappers:
            wrapper.detach()  # the buffers stay open for the next lines
        sys.stdin, sys.stdout, sys.stderr = streams
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)

    def text(data: bytes) -> str:
        return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")

    return Result(code, text(printed[0]), text(printed[1]))
