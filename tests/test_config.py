"""The settings file: defaults when missing, one clear line naming the file and key when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from hsp_tui.config import Settings, load_settings
from hsp_tui.errors import InputError


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
])
def test_bad_file_is_one_line_naming_file_and_key(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message and words in message
    assert "\n" not in message


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
