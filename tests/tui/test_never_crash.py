"""Issue 26, with Pilot: the crashes and the stray keys found by a fast typist, a paste-happy officer
and a terminal being resized, each as its own test. Keys in one burst are posted the way the terminal
driver delivers one read (all at once, before the app has acted on the first)."""

from __future__ import annotations

import pytest

from sampling import sampled
from textual.command import CommandInput, CommandPalette
from textual.widgets import Input, Select

from hsp_tui.tui.palette import MAX_SEARCH, SafeCommandPalette
from hsp_tui.tui.screens.contacts import ContactsScreen
from hsp_tui.tui.screens.dialog import Dialog
from hsp_tui.tui.screens.export import ExportScreen
from hsp_tui.tui.screens.milestone import MilestoneScreen
from hsp_tui.tui.screens.note import NoteScreen
from hsp_tui.tui.screens.verify import VerifyScreen

from test_bursts import burst, history, until_shown
from conftest import AS_OF
from tuikit import Notices, on_disk, settled, until


def done_by_officer(plan_path) -> None:
    """No. 1 Done, recorded by someone else: the verdict is the auditor's (four eyes, issue 22)."""
    from hsp_tui.domain.commands import SetStatus
    from hsp_tui.domain.records import Status
    from hsp_tui.storage.store import Store

    # on the review date the app works at (its changes take effect then, as the command line's do)
    Store(plan_path).run(SetStatus(1, Status.DONE), by="officer", on=AS_OF, today=AS_OF)


async def alive(pilot) -> None:
    await settled(pilot)
    await pilot.pause(0.05)
    assert pilot.app.is_running and pilot.app.return_code is None, "the app stopped"


# -- crashes --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", sampled([(5, 3), (1, 1), (2, 2), (10, 3)]))
@pytest.mark.parametrize("keys, dialog", [(("c",), ContactsScreen), (("j", "m"), MilestoneScreen)],
                         ids=["contacts", "milestones-of-no-2"])
async def test_list_dialogs_in_a_tiny_terminal(make_app, size, keys, dialog):
    """A list at width 0 raised ValueError in Rich's chop_cells (from OptionList.get_content_height)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.resize_terminal(*size)
        await pilot.pause()
        await pilot.press(*keys)
        await until(pilot, lambda: isinstance(app.screen, dialog), dialog.__name__)
        await alive(pilot)
        await pilot.resize_terminal(80, 24)  # and back: the dialog is drawn and still works
        await alive(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main, "the dialog closed by Escape")


async def test_export_format_list_open_then_a_resize_to_10x3(make_app):
    app = make_app()
    async with app.run_test(size=(81, 25)) as pilot:
        await pilot.press("x")
        await until_shown(pilot, ExportScreen)
        await pilot.press("shift+tab", "enter")  # the format list drops down
        await until(pilot, lambda: app.screen.query_one(Select).expanded, "the format list open")
        for size in [(10, 3), (1, 1), (81, 25)]:
            await pilot.resize_terminal(*size)
            await alive(pilot)
        await pilot.press("escape", "escape")  # the list, then the dialog
        await until(pilot, lambda: app.screen is app.main, "the dialog closed")


@pytest.mark.parametrize("second", sampled(["e", "x", "c", "n", "m", "r", "v", "R", "p", "question_mark"], 2))
async def test_keys_arriving_during_a_quit(make_app, plan_path, second):
    """`q e` in one read: e's dialog was built while the app was taken down (NoMatches in on_mount)."""
    before = plan_path.read_bytes()
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "q", second)
        await until(pilot, lambda: not app.is_running, "the app quit", tries=100)
    assert app.return_code == 0
    assert plan_path.read_bytes() == before


async def test_verify_reject_then_keys_in_one_burst(make_app, plan_path):
    """4, v, then Tab Tab Enter a Tab Tab Enter at once: ScreenStackError from pop_screen in decide.
    Now: Reject with no reason asks for one (the focus back in the note), `a` is the reason, and the
    second Reject sends No. 1 back to In progress once."""
    done_by_officer(plan_path)
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("v")
        await until_shown(pilot, VerifyScreen)
        burst(app, "tab", "tab", "enter", "a", "tab", "tab", "enter")
        await until(pilot, lambda: history(plan_path, 1, "verify"), "the verdict in the file")
        await alive(pilot)
        assert app.screen is app.main
        verdicts = history(plan_path, 1, "verify")
        assert len(verdicts) == 1 and verdicts[0]["note"] == "a"
        assert on_disk(plan_path, 1)["status"] == "in_progress"


async def test_palette_page_key_when_its_list_is_gone():
    """NoMatches 'CommandList' in action_page (a page key reaching a palette being built or taken
    down, seen under ASCII drawing): a page key with no list to page does nothing."""
    palette = SafeCommandPalette()  # not mounted: no list in it
    palette.action_page(1)
    palette.action_page(-1, True)


# -- keys that go astray --------------------------------------------------------------------
@pytest.mark.parametrize("opener", ["p", "question_mark"], ids=["progress", "help"])
async def test_keys_after_closing_the_progress_chart_or_help_go_to_the_screen_below(make_app, plan_path, opener):
    """`p p n 2`: the n was dropped and 2 set No. 1 to In progress. Now n opens the note and 2 is its text."""
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, opener, opener, "n", "2")
        await until(pilot, lambda: isinstance(app.screen, NoteScreen)
                    and app.screen.query_one(Input).value == "2", "the note dialog holding 2")
        await pilot.press("enter")
        await until(pilot, lambda: history(plan_path, 1, "note"), "the note in the file")
        await alive(pilot)
        assert [h["note"] for h in history(plan_path, 1, "note")] == ["2"]
        assert on_disk(plan_path, 1)["status"] == "not_started"


async def test_p_p_n_q_does_not_quit(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "p", "p", "n", "q")
        await until(pilot, lambda: isinstance(app.screen, NoteScreen)
                    and app.screen.query_one(Input).value == "q", "q typed into the note")
        await alive(pilot)


async def test_verify_keys_typed_after_its_enter_go_to_the_table(make_app, plan_path):
    """`v Tab Enter 2` saved the verdict with the note "2"; the 2 is the status key it was typed as."""
    done_by_officer(plan_path)
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "v", *"seen", "tab", "enter", "2")  # a verdict needs a note (issue 22)
        await until(pilot, lambda: on_disk(plan_path, 1)["status"] == "in_progress", "2: In progress")
        await alive(pilot)
        verdicts = history(plan_path, 1, "verify")
        assert len(verdicts) == 1 and verdicts[0].get("note") == "seen" and verdicts[0]["new"] == "verified"


async def test_a_paste_on_the_main_screen_does_nothing_and_says_so(make_app, plan_path):
    from textual import events

    before = plan_path.read_bytes()
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        app.post_message(events.Paste("\x1b[31mred \x1b[0m done 2 n e x q"))
        await until(pilot, lambda: any("Pasted text" in m for _, m in notices.said), "the notice")
        await alive(pilot)
        assert app.screen is app.main
    assert plan_path.read_bytes() == before


async def test_a_paste_into_the_note_is_text_with_controls_spelled_out(make_app, plan_path):
    from textual import events

    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "n", *"say ")
        app.post_message(events.Paste("hello \x1b world\x07 quit 2\nend"))
        burst(app, "enter")
        await until(pilot, lambda: history(plan_path, 1, "note"), "the note in the file")
        await alive(pilot)
        assert [h["note"] for h in history(plan_path, 1, "note")] == ["say hello \\x1b world\\x07 quit 2 end"]
        assert on_disk(plan_path, 1)["status"] == "not_started"


async def test_a_long_raw_paste_after_ctrl_p_fills_the_search_box_only_so_far(make_app):
    """A raw paste with Ctrl+P in it: each character started a new search (a 9-95 s freeze). The box
    takes MAX_SEARCH characters; Escape then closes the palette."""
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "ctrl+p", *("abc def ghi jkl " * 100))
        await until(pilot, lambda: CommandPalette.is_open(app), "the palette")
        await until(pilot, lambda: len(app.screen.query_one(CommandInput).value) == MAX_SEARCH,
                    "the search box full")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main, "the palette closed")
        await alive(pilot)


@pytest.mark.parametrize("keys", sampled([("n", *"abc"), ("x", "shift+tab", "enter"), ("c", "enter"),
                                          ("e", "tab", "tab", "tab"), ("ctrl+p", *"set"), ("j", "m")], 2),
                         ids=["note", "export-format-list", "contacts-box", "edit-buttons", "palette", "milestone"])
async def test_ctrl_c_quits_from_anywhere_in_the_same_burst(make_app, plan_path, keys):
    before = plan_path.read_bytes()
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, *keys, "ctrl+c")
        await until(pilot, lambda: not app.is_running, "the app quit", tries=100)
    assert app.return_code == 0
    assert plan_path.read_bytes() == before


@pytest.mark.parametrize("keys, escapes", sampled([(("n", *"abc"), 1), (("x", "shift+tab", "enter"), 2),
                                                   (("c", "enter"), 1), (("e", "tab", "tab", "tab"), 1),
                                                   (("ctrl+p", *"set"), 1), (("j", "m"), 1), (("r",), 1),
                                                   (("R",), 1), (("v", "tab"), 1)], 2, multi=True),
                         ids=["note", "export-format-list", "contacts-box", "edit-buttons", "palette",
                              "milestone", "review-date", "remind", "verify-button"])
async def test_escape_closes_the_top_dialog(make_app, plan_path, keys, escapes):
    if keys[0] == "v":
        done_by_officer(plan_path)
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, *keys)
        await until(pilot, lambda: app.screen is not app.main, "a dialog")
        if escapes == 2:  # the format list: dropped down before the Escapes
            await until(pilot, lambda: app.screen.query_one(Select).expanded, "the format list open")
        await settled(pilot)
        burst(app, *["escape"] * escapes)
        await until(pilot, lambda: app.screen is app.main, "the dialog closed by Escape")
        await alive(pilot)


async def test_a_palette_command_never_opens_a_dialog_over_another(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("x")
        await until_shown(pilot, ExportScreen)
        burst(app, "ctrl+p", *"note")
        await until(pilot, lambda: CommandPalette.is_open(app), "the palette")
        await pilot.pause(0.5)  # the palette searches in the background (not a check)
        burst(app, "enter")
        await pilot.pause(0.3)
        await settled(pilot)
        assert [type(s) for s in app.screen_stack if isinstance(s, Dialog)] == [ExportScreen]
        assert app.is_running


async def test_keys_after_the_palette_s_escape_go_to_the_table(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        burst(app, "ctrl+p", *"set", "escape", "2")
        await until(pilot, lambda: on_disk(plan_path, 1)["status"] == "in_progress", "2: In progress")
        await alive(pilot)
        assert app.screen is app.main


async def test_shift_tab_enter_typed_with_x_open_the_format_list(make_app, tmp_path, monkeypatch):
    """The export dialog focused its path box a second time, after the keys typed with `x` had moved
    the focus: Enter then exported instead of opening the format list."""
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test() as pilot:
        for _ in range(5):
            burst(app, "x", "shift+tab", "enter")
            await until(pilot, lambda: isinstance(app.screen, ExportScreen)
                        and app.screen.query_one(Select).expanded, "the format list open")
            await settled(pilot)
            assert not list(tmp_path.glob("hsp-export-*"))
            burst(app, "escape", "escape")
            await until(pilot, lambda: app.screen is app.main, "the dialog closed")
