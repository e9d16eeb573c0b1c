"""Where the working file and the settings file live. Nothing is created at import time."""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path
from typing import Callable, Mapping

APP_NAME = "hsp-tui"
ENV_DB = "HSP_TUI_DB"
ENV_CONFIG = "HSP_TUI_CONFIG"


def _resolve(cli_value: str | None, env: Mapping[str, str] | None, var: str, default: Callable[[], Path]) -> Path:
    env = os.environ if env is None else env
    if cli_value:
        return Path(cli_value).expanduser()
    if env.get(var):
        return Path(env[var]).expanduser()
    return default()


def resolve_db_path(cli_value: str | None, env: Mapping[str, str] | None = None) -> Path:
    """`--db PATH`, else `HSP_TUI_DB`, else `<user data dir>/hsp-tui/plan.json`."""
    return _resolve(cli_value, env, ENV_DB, lambda: Path(user_dir("data")) / "plan.json")


def resolve_config_path(cli_value: str | None, env: Mapping[str, str] | None = None) -> Path:
    """`--config PATH`, else `HSP_TUI_CONFIG`, else `<user config dir>/hsp-tui/config.toml`."""
    return _resolve(cli_value, env, ENV_CONFIG, lambda: Path(user_dir("config")) / "config.toml")


_XDG = {"data": ("XDG_DATA_HOME", "~/.local/share"), "config": ("XDG_CONFIG_HOME", "~/.config"),
        "cache": ("XDG_CACHE_HOME", "~/.cache")}


def user_dir(kind: str) -> str:
    """hsp-tui's folder for the user's `kind` of files ("data", "config" or "cache"), as platformdirs
    names it.

    On Linux that is the XDG Base Directory rule, applied here without importing platformdirs (it
    loads tempfile, shutil, bz2, lzma and random: a tenth of a command's start, issue 25): the
    variable's folder when it is an absolute path, else the default under the home folder (the
    home from $HOME when that is absolute, else from the password database, as platformdirs does).
    Elsewhere, platformdirs itself."""
    home = os.environ.get("HOME", "")
    if sys.platform != "linux" or not os.path.isabs(home):
        import platformdirs  # noqa: PLC0415 - another system, or an odd home: the library's own rules

        return getattr(platformdirs, f"user_{kind}_dir")(APP_NAME, appauthor=False)
    var, default = _XDG[kind]
    base = os.environ.get(var, "")
    if not os.path.isabs(base):
        base = home.rstrip("/") + default[1:]
    return os.path.join(base, APP_NAME)


def plan_file(path: Path) -> Path:
    """The plan file `path` names, with symbolic links resolved once (saves, lock and backup then
    all go beside the real file, and a link to a shared plan stays a link).

    A dangling link (the share is not mounted, the file was moved) is refused: a fresh plan must
    never be seeded in its place.
    """
    from hsp_tui.domain.errors import PlanFileError  # noqa: PLC0415 - errors is tiny; kept out of import time

    path = Path(path)
    try:
        return Path(resolve_links(path, strict=True))
    except FileNotFoundError:
        pass
    except OSError as exc:  # a loop of links, a component that is a file, no permission
        raise PlanFileError(f"{path}: cannot find the plan file ({exc.strerror or exc})") from None
    # Something on the way does not exist: fine when it is simply missing (a new plan), not when
    # it is a link to something missing.
    probe = path if path.is_absolute() else Path.cwd() / path
    for part in (probe, *probe.parents):
        if os.path.lexists(part) and not os.path.exists(part):
            target = os.readlink(part) if os.path.islink(part) else "?"
            raise PlanFileError(
                f"{path}: {part} is a symbolic link to {target}, which does not exist (is the shared "
                "folder mounted?); no new plan was created")
        if os.path.exists(part):
            break
    return Path(resolve_links(path))


def resolve_links(path: Path, *, strict: bool = False) -> str:
    """`os.path.realpath(path)`, refusing (PlanFileError) a symbolic link that someone else planted
    where they may: a link is followed only when its owner is this user or root, or the owner of
    the folder it is in, or that folder is writable by nobody but the link's owner (the kernel's
    protected_symlinks rule, kept whatever the machine's setting, and in group-writable folders too). `strict`: FileNotFoundError
    when something on the way is missing."""
    from hsp_tui.domain.errors import PlanFileError  # noqa: PLC0415

    pending = list(reversed(Path(os.path.abspath(path)).parts[1:]))
    resolved = os.path.abspath(os.sep)
    hops = 0
    while pending:
        name = pending.pop()
        if name in ("", "."):
            continue
        if name == "..":
            resolved = os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, name)
        try:
            st = os.lstat(candidate)
        except FileNotFoundError:
            if strict:
                raise
            return os.path.realpath(os.path.join(candidate, *reversed(pending)))
        if not stat.S_ISLNK(st.st_mode):
            resolved = candidate
            continue
        hops += 1
        if hops > 40:
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
        why = planted_link(candidate, st)
        if why:
            raise PlanFileError(f"{path}: {candidate} is a symbolic link {why}; hsp-tui does not follow it "
                                "(give the real file's path); nothing was read or saved")
        target = os.readlink(candidate)
        if os.path.isabs(target):
            resolved = os.path.abspath(os.sep)
        pending.extend(reversed(Path(target).parts[1:] if os.path.isabs(target) else Path(target).parts))
    return resolved


def planted_link(link: str, st: os.stat_result) -> str | None:
    """Why the symbolic link `link` (lstat `st`) must not be followed: made by someone else in a
    folder others may write (None: it may be followed)."""
    if not hasattr(os, "geteuid") or st.st_uid in (os.geteuid(), 0):
        return None
    try:
        folder = os.stat(os.path.dirname(link))
    except OSError:
        return None
    if folder.st_uid == st.st_uid or not folder.st_mode & 0o022:
        return None  # the folder's owner's, or made where only the folder's owner may write
    return f"made by {owner_name(st.st_uid)} in a folder others may write"


def owner_name(uid: int) -> str:
    try:
        import pwd  # noqa: PLC0415 - POSIX only

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"user id {uid}"
