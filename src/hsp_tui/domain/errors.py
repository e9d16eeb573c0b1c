"""Errors the user sees as one clear line (no traceback), and the command line's exit statuses.

Each exit status has one meaning (the README's table is this one; tests/test_exit_codes.py checks
every row). Scripts may rely on them.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    PARTLY = 1         # done in part: some reminders not sent, `init` needs an administrator's statements
    INPUT = 2          # bad input: a usage error, a bad value, no such item or plan, no plan picked
    UNAVAILABLE = 3    # the plan cannot be read or saved: an unreadable file, the server unreachable or lost
    CONFLICT = 4       # the change conflicts with a later one (an undo), nothing saved
    REFUSED = 5        # not allowed: your database role (or the plan's owner) may not do this, nothing saved
    BUSY = 6           # someone else is changing the plan or item now (a held lock): try again, nothing saved
    INTERNAL = 70      # a bug of ours (details with HSP_TUI_DEBUG=1 or in the crash log)
    INTERRUPTED = 130  # Ctrl+C


class HspError(Exception):
    """Base for errors reported to the user as a single line; `exit_code` for the CLI."""

    exit_code = Exit.PARTLY

    def __str__(self) -> str:  # one line, always
        return " ".join(super().__str__().split())


class PlanFileError(HspError):
    """The working file (or the server) cannot be read, is not ours, or cannot be written."""

    exit_code = Exit.UNAVAILABLE


class InputError(HspError):
    """Bad input from the user or an imported file (names the file, row, field or value)."""

    exit_code = Exit.INPUT


class NotFoundError(InputError):
    """No such recommendation, milestone, history entry or plan."""


class ConflictError(HspError):
    """A change can no longer be applied because the item changed since (e.g. an undo)."""

    exit_code = Exit.CONFLICT


class RefusedError(HspError):
    """Not allowed: the database refused the user's role (or only the owner may); nothing changed."""

    exit_code = Exit.REFUSED


class BusyError(PlanFileError):
    """Someone else holds the lock the change needs (a plan file's lock, an item's row on a server)."""

    exit_code = Exit.BUSY


class EvidenceError(PlanFileError):
    """An evidence copy is missing, or its bytes do not match its SHA-256 (tampered, damaged): it is
    never handed out; or a copy cannot be kept (too large, the plan's copies over their limit)."""
