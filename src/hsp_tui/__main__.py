"""The program: the `hsp-tui` command (console script `run`) and `python -m hsp_tui`.

It stands above both the command line (`cli`) and the app (`tui`): the command line runs every
command, and is given `open_app` for plain `hsp-tui`, which imports the app (and Textual) only
then, so a command such as `note` never loads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from hsp_tui.cli import program

if TYPE_CHECKING:
    from hsp_tui.cli.invocation import Context


def open_app(ctx: "Context") -> int:
    """Open the full-screen app for this run of the command line (its settings, plan and date)."""
    from hsp_tui.tui import run_app  # noqa: PLC0415 - Textual is loaded only here

    return run_app(ctx)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (or the app) and return its exit code (for scripts and tests)."""
    return program.main(argv, open_app=open_app)


def run() -> None:
    """The `hsp-tui` command: `main`, then the process ends (see `cli.program.run`)."""
    program.run(open_app=open_app)


if __name__ == "__main__":
    run()
