"""Errors the user sees as one clear line (no traceback)."""

from __future__ import annotations


class HspError(Exception):
    """Base for errors reported to the user as a single line; `exit_code` for the CLI."""

    exit_code = 1

    def __str__(self) -> str:  # one line, always
        return " ".join(super().__str__().split())


class PlanFileError(HspError):
    """The working file cannot be read, is not ours, or cannot be written."""

    exit_code = 3


class InputError(HspError):
    """Bad input from the user or an imported file (names the file, row, field or value)."""

    exit_code = 2


class NotFoundError(InputError):
    """No such recommendation, milestone or history entry."""


class ConflictError(HspError):
    """A change can no longer be applied because the item changed since (e.g. an undo)."""

    exit_code = 4
