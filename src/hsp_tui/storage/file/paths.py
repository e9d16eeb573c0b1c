"""Where the working file and the settings file live. Nothing is created at import time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import platformdirs

APP_NAME = "hsp-tui"
ENV_DB = "HSP_TUI_DB"
ENV_CONFIG = "HSP_TUI_CONFIG"


def _resolve(cli_value: str | None, env: Mapping[str, str] | None, var: str, default: Path) -> Path:
    env = os.environ if env is None else env
    if cli_value:
        return Path(cli_value).expanduser()
    if env.get(var):
        return Path(env[var]).expanduser()
    return default


def resolve_db_path(cli_value: str | None, env: Mapping[str, str] | None = None) -> Path:
    """`--db PATH`, else `HSP_TUI_DB`, else `<user data dir>/hsp-tui/plan.json`."""
    default = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "plan.json"
    return _resolve(cli_value, env, ENV_DB, default)


def resolve_config_path(cli_value: str | None, env: Mapping[str, str] | None = None) -> Path:
    """`--config PATH`, else `HSP_TUI_CONFIG`, else `<user config dir>/hsp-tui/config.toml`."""
    default = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"
    return _resolve(cli_value, env, ENV_CONFIG, default)


def plan_file(path: Path) -> Path:
    """The plan file `path` names, with symbolic links resolved once (saves, lock and backup then
    all go beside the real file, and a link to a shared plan stays a link).

    A dangling link (the share is not mounted, the file was moved) is refused: a fresh plan must
    never be seeded in its place.
    """
    from hsp_tui.domain.errors import PlanFileError  # noqa: PLC0415 - errors is tiny; kept out of import time

    path = Path(path)
    try:
        return Path(os.path.realpath(path, strict=True))
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
    return Path(os.path.realpath(path))
