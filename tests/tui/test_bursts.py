"""Keys typed in one burst (a paste, a fast typist, SSH): every key goes where the officer meant, in
order, and a dialog decides once. `burst` posts the keys the way the terminal driver does for one
read: all of them at once, before the app has acted on the first (Pilot's press waits after each)."""

from __future__ import annotations

import json

import pytest

from sampling import sampled
from textual import events
from textual.app import App, ScreenStackError
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from hsp_tui.tui.palette import SafeCommandPalette
from hsp_tui.tui.screens.edit import EditScreen
from hsp_tui.tui.screens.export import ExportScreen
from hsp_tui.tui.screens.help import HelpScreen
from hsp_tui.tui.screens.milestone import MilestoneScreen
from hsp_tui.tui.screens.note import NoteScreen
from hsp_tui.tui.widgets.detail import DetailPane
from hsp_tui.tui.widgets.panes import DeadlinesPane, OwnersPane

from tuikit import Notices, on_disk, settled, until

CHARACTERS = {"enter": "\r", "escape": "\x1b", "tab": "\t", "space": " ", "slash": "/"}


def burst(app, *keys: str) -> None:
    """Keys as one read from the terminal delivers them: queued together, no pause between."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None)))


async def until_shown(pilot, screen_type) -> None:
    for _ in range(100):
        if isinstance(pilot.app.screen, screen_type) and pilot.app.screen.focused is not None:
            return
        await pilot.pause(0.01)
    raise AssertionError(f"{screen_type.__name__} did not open")


def history(path, number: int, action: str) -> list[dict]:
    return [h for h in on_disk(path, number)["history"] if h["action"] == action]


async def still_running(pilot) -> None:
    await settled(pilot)
    await pilot.pause(0.05)
    assert pilot.app.is_running and pilot.app.return_code is None  # no crash (ScreenStackError)
    assert pilot.app.screen is pilot.app.main


# -- a dialog decides once ---------------------------------------------------------------------
@pytest.mark.parametrize("after", [("enter", "escape", "escape"), ("enter", "enter")])
async def test_note_then_enter_and_more_keys_saves_once(make_app, plan_path, after):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("n")
        await until_shown(pilot, NoteScreen)
        await pilot.press(*"met the board")
        burst(app, *after)
        await until(pilot, lambda: history(plan_path, 1, "note"), "the note in the file")
        await still_running(pilot)
        assert [h["note"] for h in history(plan_path, 1, "note")] == ["met the board"]
        assert [m for _, m in notices.said] == ["Saved. No. 1: note added"]


async def test_note_escape_then_enter_saves_nothing(make_app, plan_path):
    before = plan_path.read_bytes()
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("n")
        await until_shown(pilot, NoteScreen)
        await pilot.press(*"never mind")
        burst(app, "escape", "enter")  # the Escape came first: cancelled; Enter goes to the table
        await still_running(pilot)
        assert isinstance(app.focused, DetailPane)  # Enter on the table focuses the detail
    assert plan_path.read_bytes() == before


@pytest.mark.parametrize("after", [("enter", "escape", "escape"), ("enter", "enter")])
async def test_edit_owner_then_enter_and_more_keys_saves_once(make_app, plan_path, after):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("e")
        await until_shown(pilot, EditScreen)
        app.screen.query_one("#edit-owner", Input).value = ""
        await pilot.press(*"Head of Policy")
        burst(app, *after)
        await until(pilot, lambda: history(plan_path, 1, "set"), "the new owner in the file")
        await still_running(pilot)
        assert on_disk(plan_path, 1)["owner"] == "Head of Policy"
        assert len(history(plan_path, 1, "set")) == 1
        assert sum(m.startswith("Saved.") for _, m in notices.said) == 1


async def test_milestone_enter_enter_toggles_once(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        number = next(n for n in range(1, 13) if on_disk(plan_path, n)["milestones"])
        app.main.table.go_to(number)
        await pilot.pause()
        await pilot.press("m")
        await until_shown(pilot, MilestoneScreen)
        burst(app, "enter", "enter")
        await until(pilot, lambda: history(plan_path, number, "milestone"), "the milestone in the file")
        await still_running(pilot)
        assert on_disk(plan_path, number)["milestones"][0]["done"] is True
        assert sum(m.startswith("Saved.") for _, m in notices.said) == 1


async def test_export_enter_escape_escape_writes_once(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("x")
        await until_shown(pilot, ExportScreen)
        burst(app, "enter", "escape", "escape")
        await until(pilot, lambda: any(m.startswith("Exported") for _, m in notices.said), "Exported ...")
        await still_running(pilot)
        written = list(tmp_path.glob("hsp-export-*.json"))
        assert len(written) == 1 and json.loads(written[0].read_text(encoding="utf-8"))
        assert sum(m.startswith("Exported") for _, m in notices.said) == 1


async def test_export_escape_then_enter_writes_nothing(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("x")
        await until_shown(pilot, ExportScreen)
        burst(app, "escape", "enter", "escape")
        await still_running(pilot)
    assert not list(tmp_path.glob("hsp-export-*"))
    assert not any(m.startswith("Exported") for _, m in notices.said)


# -- keys typed at once after the key that opens a dialog or moves the focus --------------------
async def test_n_and_the_note_typed_at_once(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "n", *"owner agreed", "enter")  # "o", "e" and "n" are not the table's keys here
        await until(pilot, lambda: history(plan_path, 1, "note"), "the note in the file")
        await still_running(pilot)
        assert [h["note"] for h in history(plan_path, 1, "note")] == ["owner agreed"]
        assert not app.main.overdue_only


async def test_e_and_the_new_owner_typed_at_once(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "e", "end", *" (acting)", "enter")
        await until(pilot, lambda: history(plan_path, 1, "set"), "the new owner in the file")
        await still_running(pilot)
        assert on_disk(plan_path, 1)["owner"].endswith(" (acting)")


async def test_m_and_the_milestone_number_typed_at_once(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        number = next(n for n in range(1, 13) if len(on_disk(plan_path, n)["milestones"]) >= 2)
        app.main.table.go_to(number)
        await pilot.pause()
        burst(app, "m", "2")
        await until(pilot, lambda: history(plan_path, number, "milestone"), "the milestone in the file")
        await still_running(pilot)
        assert [m["done"] for m in on_disk(plan_path, number)["milestones"][:2]] == [False, True]
        assert on_disk(plan_path, number)["status"] == "not_started"  # "2" was not the status key


async def test_x_and_the_file_name_typed_at_once(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "x", "ctrl+u", *"board.json", "enter")
        await until(pilot, lambda: (tmp_path / "board.json").exists(), "board.json written")
        await still_running(pilot)
    assert json.loads((tmp_path / "board.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("tabs, pane", [(1, DetailPane), (2, OwnersPane), (3, DeadlinesPane)])
async def test_tabs_typed_at_once_each_move_one_pane(make_app, tabs, pane):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, *["tab"] * tabs)
        await until(pilot, lambda: isinstance(app.focused, pane), f"the focus in the {pane.__name__}")
        await settled(pilot)
        assert isinstance(app.focused, pane)


async def test_key_typed_right_after_tab_goes_to_the_new_pane(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, "tab", "tab", "down", "enter")  # in the owners pane: the first owner, as the filter
        await until(pilot, lambda: app.main.owner is not None, "an owner chosen as the filter")
        await settled(pilot)
        assert app.main.owner == app.plan_view.owners[0].owner


# -- help, Ctrl+C, the command palette ---------------------------------------------------------
async def test_help_at_80x24_every_line_reachable_by_keys(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await until_shown(pilot, HelpScreen)
        await pilot.pause()
        scroll = app.screen.query_one(VerticalScroll)
        dialog = app.screen.query_one(".dialog")
        assert dialog.region.bottom <= 24 and scroll.region.bottom <= dialog.region.bottom
        text = app.screen.query_one("#help-text", Static)
        lines = text.region.height  # every line of the help, wrapped at this width
        assert scroll.max_scroll_y > 0 and scroll.size.height + scroll.max_scroll_y >= lines
        # each key scrolls (animated): until the help shows its end, its start, the next page
        await pilot.press("end")
        await until(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y, "the help's last line")
        await pilot.press("home")
        await until(pilot, lambda: scroll.scroll_y == 0, "the help's first line")
        await pilot.press("pagedown")
        await until(pilot, lambda: scroll.scroll_y > 0, "the help's next page")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


@pytest.mark.parametrize("where", ["main", "dialog"])
async def test_ctrl_c_quits_like_q(make_app, plan_path, where):
    before = plan_path.read_bytes()
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        if where == "dialog":
            await pilot.press("n")
            await until_shown(pilot, NoteScreen)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0
    assert not any("[b]" in m for _, m in notices.said)
    assert plan_path.read_bytes() == before


@pytest.mark.parametrize("keys", [("ctrl+p", "pageup"), ("ctrl+p", "pagedown"), ("ctrl+p", "enter", "enter")])
async def test_command_palette_survives_keys_typed_at_once(make_app, plan_path, keys):
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, *keys)
        await settled(pilot)
        await pilot.pause(0.3)
        assert app.is_running and app.return_code is None


async def test_command_palette_enter_enter_runs_the_command_once(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "ctrl+p", *"Set status: Done")
        await pilot.pause(0.5)  # the palette searches in the background (not a check)
        burst(app, "enter", "enter")
        await until(pilot, lambda: history(plan_path, 1, "set"), "No. 1's status in the file")
        await settled(pilot)
        await pilot.pause(0.3)
        assert app.is_running and app.return_code is None
        assert on_disk(plan_path, 1)["status"] == "done"
        assert len(history(plan_path, 1, "set")) == 1  # the command ran once


class Bare(App):
    """An app of nothing but Textual's command palette (ours, or Textual's own)."""

    def __init__(self, palette=None) -> None:
        super().__init__()
        self.palette = palette

    def compose(self):
        yield Static("bare")

    def action_command_palette(self) -> None:
        if self.palette is None:
            super().action_command_palette()
        elif not self.palette.is_open(self):
            self.push_screen(self.palette(id="--command-palette"))


PALETTE_CRASHES = [(("ctrl+p", "pageup"), KeyError), (("ctrl+p", "pagedown"), KeyError),
                   (("ctrl+p", "enter", "enter"), ScreenStackError)]


@pytest.mark.parametrize("keys, error", sampled(PALETTE_CRASHES, multi=True))
async def test_bare_textual_palette_crashes_on_keys_typed_at_once(keys, error):
    """Why palette.py exists: Textual's own palette, in an app of nothing else, dies of these keys.
    When a Textual release stops doing so, this test says the workaround can go."""
    import textual

    if textual.__version__ != "8.2.8":
        pytest.skip("the upstream bug was seen in Textual 8.2.8")
    # A race: on a busy machine the palette may sometimes be ready in time. Up to ten tries; the
    # test fails only if the bare palette never dies of the keys.
    for _ in range(10):
        app = Bare()
        try:
            async with app.run_test() as pilot:
                await pilot.pause()
                burst(app, *keys)
                await pilot.pause(0.3)
        except error:
            return
    pytest.fail(f"Textual's own palette survived {keys} ten times: the workaround may no longer be needed")


@pytest.mark.parametrize("keys, error", sampled(PALETTE_CRASHES, multi=True))
async def test_our_palette_in_the_same_bare_app_survives_them(keys, error):
    import textual

    if textual.__version__ != "8.2.8":
        pytest.skip("the guard is written against Textual 8.2.8's palette")
    app = Bare(SafeCommandPalette)
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, *keys)
        await pilot.pause(0.3)
        assert app.is_running and app.return_code is None


async def test_a_move_then_n_typed_at_once_notes_the_item_moved_to(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "j", "j", "n", *"seen", "enter", "k", "4")
        await until(pilot, lambda: history(plan_path, 3, "note") and history(plan_path, 2, "set"),
                    "the note on No. 3 and No. 2's status in the file")
        await still_running(pilot)
        assert [h["note"] for h in history(plan_path, 3, "note")] == ["seen"]
        assert on_disk(plan_path, 2)["status"] == "done"
