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
