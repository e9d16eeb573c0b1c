"""The settings file: defaults when missing, one clear line naming the file and key when wrong."""

from __future__ import annotations

import os

from pathlib import Path

import pytest

from hsp_tui.cli.config import Settings, load_settings
from hsp_tui.domain.errors import InputError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_means_defaults(tmp_path):
    s = load_settings(tmp_path / "nope.toml")
    assert (s.due_soon_days, s.theme, dict(s.keys)) == (None, None, {})


def test_full_file(tmp_path):
    s = load_settings(write(tmp_path, 'due_soon_days = 21\ntheme = "nord"\n[keys]\nset_done = "4, d"\n'))
    assert s.due_soon_days == 21 and s.theme == "nord"
    assert dict(s.keys) == {"set_done": "4,d"}


@pytest.mark.parametrize("text, words", [
    ("due_soon_days = ", "not valid TOML"),
    ("due_soon = 3", "unknown setting 'due_soon'"),
    ('due_soon_days = "14"', "due_soon_days must be a whole number of days, not text"),
    ("due_soon_days = true", "due_soon_days must be a whole number"),
    ("due_soon_days = 1.5", "due_soon_days must be a whole number"),
    ("due_soon_days = -1", "due_soon_days must be between 0"),
    ("theme = 3", "theme must be a theme name"),
    ('keys = "x"', "keys must be a table"),
    ("[keys]\nset_done = 4", "[keys] set_done must be text"),
    ('[keys]\nset_done = "4,"', "[keys] set_done has an empty key"),
    # A key name would be drawn in the footer and the help: no terminal control in it (issue 21).
    ('[keys]\nquit = "\\u001b]0;PWNED\\u0007"', "[keys] quit has a control character in '\\x1b]0;PWNED\\x07'"),
    ('[keys]\nquit = "q\\u202e"', "[keys] quit has a control character"),
])
def test_bad_file_is_one_line_naming_file_and_key(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message and words in message
    assert "\n" not in message and "\x1b" not in message


def test_not_utf8(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"theme = '\xff'")
    with pytest.raises(InputError, match="not UTF-8"):
        load_settings(path)


def test_checks_against_known_names():
    s = Settings(path=Path("c.toml"), theme="nope", keys={"zap": "z"})
    with pytest.raises(InputError, match="theme 'nope' is not a known theme"):
        s.check_theme(["nord", "textual-dark"])
    with pytest.raises(InputError, match=r"\[keys\] 'zap' is not a binding id"):
        s.check_keys(["set_done"])
    Settings(path=Path("c.toml"), theme="nord", keys={"set_done": "d"}).check_theme(["nord"])


def test_a_key_given_to_two_bindings_at_once_is_refused():
    main = ("on the main screen", [("set_done", "4", "set_status(4)"), ("add_note", "n", "note"),
                                   ("quit", "q", "quit"), ("help_quit", "ctrl+q", "quit")])
    help_dialog = ("in the help dialog", [("quit", "q", "quit"), ("help_close", "escape,q", "close")])
    with pytest.raises(InputError) as info:
        Settings(path=Path("c.toml"), keys={"set_done": "n"}).check_key_clashes([main])
    assert str(info.value) == ("c.toml: [keys] gives 'n' to both add_note and set_done (on the main screen); "
                               "give one of them another key")
    with pytest.raises(InputError, match="gives 'x' to both add_note and set_done"):
        Settings(path=Path("c.toml"), keys={"set_done": "x", "add_note": "X,x"}).check_key_clashes([main])
    with pytest.raises(InputError, match="gives 'question_mark' to both"):  # '?' is question_mark
        Settings(path=Path("c.toml"), keys={"set_done": "?", "add_note": "question_mark"}).check_key_clashes(
            [main], normalize=lambda k: "question_mark" if k == "?" else k)
    # Accepted: a swap, a second key, the same action twice, a clash the app has by design.
    Settings(path=Path("c.toml"), keys={"set_done": "n", "add_note": "4"}).check_key_clashes([main])
    Settings(path=Path("c.toml"), keys={"set_done": "4,d"}).check_key_clashes([main])
    Settings(path=Path("c.toml"), keys={"quit": "ctrl+q"}).check_key_clashes([main])
    Settings(path=Path("c.toml"), keys={"quit": "q,ctrl+x"}).check_key_clashes([main, help_dialog])


@pytest.mark.parametrize("environ", [
    {}, {"XDG_CONFIG_HOME": "/srv/cfg", "XDG_DATA_HOME": "/srv/data/", "XDG_CACHE_HOME": "/srv/cache"},
    {"XDG_CONFIG_HOME": "relative/cfg", "XDG_CACHE_HOME": "relative/cache"},
    {"XDG_DATA_HOME": "", "XDG_CACHE_HOME": ""}, {"HOME": "/home/ann/"}, {"HOME": "/"}, {"HOME": "relative"}])
def test_the_settings_and_plan_files_are_where_platformdirs_puts_them(monkeypatch, environ):
    """On Linux the default folders are found without importing platformdirs (issue 25): they must be
    the very ones platformdirs names, whatever the XDG variables and the home say."""
    import platformdirs

    from hsp_tui.storage.file.paths import resolve_config_path, resolve_db_path, user_dir

    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    config, data, cache = resolve_config_path(None, {}), resolve_db_path(None, {}), user_dir("cache")
    # A relative XDG_*_HOME is invalid by the XDG rule and ignored, as platformdirs 4 ignores it
    # (platformdirs 3, the lowest version allowed, took it as given): compare with that rule.
    for name, value in environ.items():
        if name.startswith("XDG_") and not os.path.isabs(value):
            monkeypatch.delenv(name)
    assert config == Path(platformdirs.user_config_dir("hsp-tui", appauthor=False), "config.toml")
    assert data == Path(platformdirs.user_data_dir("hsp-tui", appauthor=False), "plan.json")
    assert cache == platformdirs.user_cache_dir("hsp-tui", appauthor=False)  # this user's memo of checked files
