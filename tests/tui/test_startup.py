"""Opening the app from the command line: settings precedence, bad files refused before it starts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hsp_tui.cli.program import build_parser
from hsp_tui.cli.invocation import Context
from hsp_tui.domain.errors import HspError
from hsp_tui.tui import app_for


def context(*argv: str, env: dict | None = None) -> Context:
    return Context(build_parser().parse_args(list(argv)), dict(env or {}))


def test_settings_file_sets_window_theme_keys(tmp_path, plan_path):
    config = tmp_path / "config.toml"
    config.write_text('due_soon_days = 70\ntheme = "nord"\n[keys]\nset_done = "d"\n', encoding="utf-8")
    app = app_for(context("--db", str(plan_path), "--config", str(config), "--as-of", "2010-06-01"))
    assert app.due_soon_days == 70
    assert app.settings.theme == "nord" and app.settings.keys == {"set_done": "d"}
    assert app.as_of_given


def test_command_line_window_beats_the_file(tmp_path, plan_path):
    config = tmp_path / "config.toml"
    config.write_text("due_soon_days = 70\n", encoding="utf-8")
    app = app_for(context("--db", str(plan_path), "--config", str(config), "--due-soon-days", "3"))
    assert app.due_soon_days == 3


def test_config_from_environment_and_missing_means_defaults(tmp_path, plan_path):
    app = app_for(context("--db", str(plan_path), env={"HSP_TUI_CONFIG": str(tmp_path / "none.toml")}))
    assert app.due_soon_days == 14 and app.settings.theme is None
    assert not app.as_of_given


@pytest.mark.parametrize("text, words", [
    ('theme = "no-such-theme"', "theme 'no-such-theme' is not a known theme"),
    ('[keys]\nno_such_id = "z"', "[keys] 'no_such_id' is not a binding id"),
    ("colour = 1", "unknown setting 'colour'"),
])
def test_bad_settings_refused_before_the_plan_file_is_created(tmp_path, text, words):
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    db = tmp_path / "new" / "plan.json"
    with pytest.raises(HspError) as info:
        app_for(context("--db", str(db), "--config", str(config)))
    assert words in str(info.value) and str(config) in str(info.value)
    if "unknown setting" in words:
        assert not db.exists()


@pytest.mark.parametrize("content", [b"{not json", b'{"some": "other app"}', b"\x00\xff\xfe"])
def test_unreadable_plan_file_is_refused_and_untouched(tmp_path, content):
    db = tmp_path / "plan.json"
    db.write_bytes(content)
    with pytest.raises(HspError) as info:
        app_for(context("--db", str(db), "--config", str(tmp_path / "none.toml")))
    assert str(db) in str(info.value)
    assert db.read_bytes() == content


def test_core_modules_never_import_textual(tmp_path):
    code = (
        "import importlib, pkgutil, sys, hsp_tui\n"
        "names = [m.name for m in pkgutil.walk_packages(hsp_tui.__path__, 'hsp_tui.')\n"
        "         if not m.name.startswith('hsp_tui.tui') and m.name != 'hsp_tui.__main__']\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "assert 'hsp_tui.cli.config' in names and 'hsp_tui.cli.program' in names, names\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(len(names))\n"
        "assert not bad, bad\n"
    )
    env = {**os.environ, "HSP_TUI_DB": str(tmp_path / "plan.json"), "HSP_TUI_CONFIG": str(tmp_path / "c.toml")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 10


def test_the_app_uses_the_settings_the_command_line_read(tmp_path, plan_path):
    config = tmp_path / "config.toml"
    config.write_text('due_soon_days = 70\ntheme = "nord"\n', encoding="utf-8")
    ctx = context("--db", str(plan_path), "--config", str(config))
    config.write_text("this is not TOML [", encoding="utf-8")  # read once, by the context
    app = app_for(ctx)
    assert app.settings is ctx.settings and app.settings.theme == "nord" and app.due_soon_days == 70


def test_clashing_keys_refused_before_the_app_starts(tmp_path, plan_path):
    config = tmp_path / "config.toml"
    config.write_text('[keys]\nset_done = "n"\n', encoding="utf-8")
    with pytest.raises(HspError) as info:
        app_for(context("--db", str(plan_path), "--config", str(config)))
    assert str(info.value) == (f"{config}: [keys] gives 'n' to both add_note and set_done "
                               "(on the main screen, in the table); give one of them another key")


# Shown by a key, never on the first screen: the app's start does not load them (issue 25). A
# remapped key loads them all (every screen's bindings are checked for clashes: tui/keymap.py).
NOT_ON_THE_FIRST_SCREEN = (
    "hsp_tui.tui.screens.dialog", "hsp_tui.tui.screens.note", "hsp_tui.tui.screens.edit",
    "hsp_tui.tui.screens.milestone", "hsp_tui.tui.screens.export", "hsp_tui.tui.screens.review_date",
    "hsp_tui.tui.screens.verify", "hsp_tui.tui.screens.evidence_list", "hsp_tui.tui.screens.progress_chart",
    "hsp_tui.tui.screens.contacts", "hsp_tui.tui.screens.help", "hsp_tui.tui.palette", "hsp_tui.tui.keymap",
    "hsp_tui.formats.exports", "hsp_tui.formats.remind", "smtplib",
)
FIRST_SCREEN_MODULES = (
    "import asyncio, sys\n"
    "from hsp_tui.cli.invocation import Context\n"
    "from hsp_tui.cli.program import build_parser\n"
    "from hsp_tui.tui import app_for\n"
    "app = app_for(Context(build_parser().parse_args(sys.argv[1:]), {}))\n"
    "async def first_screen():\n"
    "    async with app.run_test(size=(120, 40)) as pilot:\n"
    "        await pilot.pause()\n"
    "        assert 'Recommendations (12)' in str(app.main.table.border_title)\n"
    "        print(' '.join(sorted(sys.modules)))\n"
    "        await pilot.press('question_mark')\n"
    "        await pilot.pause()\n"
    "        print(type(app.screen).__name__)\n"
    "asyncio.run(first_screen())\n"
)


@pytest.mark.parametrize("settings, dialogs_loaded", [("", False), ('[keys]\nset_done = "d"\n', True)])
def test_the_first_screen_loads_no_dialog_until_a_key_opens_one(tmp_path, plan_path, settings, dialogs_loaded):
    config = tmp_path / "config.toml"
    config.write_text(settings, encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", FIRST_SCREEN_MODULES, "--db", str(plan_path), "--config",
                             str(config), "--as-of", "2010-06-01"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded, shown = result.stdout.split("\n")[:2]
    modules = set(loaded.split())
    assert "hsp_tui.tui.screens.main" in modules and "hsp_tui.tui.widgets.rectable" in modules
    on_first = modules.intersection(NOT_ON_THE_FIRST_SCREEN)
    if dialogs_loaded:
        assert {"hsp_tui.tui.keymap", "hsp_tui.tui.screens.note", "hsp_tui.tui.screens.help"} <= on_first
    else:
        assert sorted(on_first) == []
    assert shown == "HelpScreen"  # ? then loads the help and shows it
