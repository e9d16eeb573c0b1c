"""After the QA pass: no-op changes, export safety, keys that must not fall through, revised items,
the 80-column layout and saves on disk before the next key."""

from __future__ import annotations

import json
import os
import threading

from hsp_tui.storage.store import Store

from conftest import fixed_clock
from tuikit import Notices, cursor_row, detail_text, last_notice, on_disk, plain, settled, table_rows


def saved_notices(notices: Notices) -> list[str]:
    return [m for _, m in notices.said if m.startswith("Saved.")]


# -- 1. a change that changes nothing ---------------------------------------------------------------
async def test_done_on_an_item_already_done_says_no_change_and_pushes_no_undo(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("4")
        await settled(pilot)
        await pilot.press("4")
        await settled(pilot)
        assert last_notice(notices) == "No change: No. 1 is already Done"
        assert notices.said[-1][0] == "information"
        assert len(saved_notices(notices)) == 1 and len(app.undo_stack) == 1
        assert [h["new"] for h in on_disk(plan_path, 1)["history"] if h["by"] == "alice"] == ["done"]


async def test_a_change_someone_else_already_made_is_not_called_saved(make_app, plan_path):
    # Another process marks No. 1 done before the app has re-read the file: the app's own copy
    # still says Not started, so it asks the store, which changes nothing.
    app = make_app(poll_seconds=3600)
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        Store(plan_path, clock=fixed_clock).set_status(1, "done", by="bob")
        await pilot.press("4")
        await settled(pilot)
        assert last_notice(notices) == "No change: No. 1 is already Done"
        assert not saved_notices(notices) and app.undo_stack == []
        assert cursor_row(app)[5] == "D"  # the app now shows the file as it is (Done, one letter at 80 columns)
        assert [h["by"] for h in on_disk(plan_path, 1)["history"] if h["by"] != "seed"] == ["bob"]
        await pilot.press("u")
        await settled(pilot)
        assert last_notice(notices).startswith("Nothing to undo")
        assert on_disk(plan_path, 1)["status"] == "done"


# -- 3. m then a digit on an item without milestones --------------------------------------------------
async def test_m_then_digit_on_an_item_without_milestones_changes_nothing(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        before = plan_path.read_bytes()
        await pilot.press("m")
        await pilot.pause()
        assert "has no milestones" in last_notice(notices)
        await pilot.press("3")
        await settled(pilot)
        assert cursor_row(app)[5] == "N"  # at 80 columns the status is one letter
        assert last_notice(notices) == "No. 1 has no milestones: 3 ignored (the status is unchanged)"
        assert plan_path.read_bytes() == before
        assert not saved_notices(notices)
        await pilot.press("3")  # the next digit is a status key again
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "blocked"


# -- 9. a status key's change is on disk before the next key is read -----------------------------------
def record_fsync_threads(monkeypatch) -> list[int]:
    """The thread each fsync of a save runs on (the save is written whole, then fsynced)."""
    threads: list[int] = []
    real = os.fsync

    def fsync(fd):
        threads.append(threading.get_ident())
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return threads


async def test_status_key_is_on_disk_after_one_pause(make_app, plan_path, monkeypatch):
    app = make_app()
    async with app.run_test() as pilot:
        threads = record_fsync_threads(monkeypatch)
        await pilot.press("4")
        await pilot.pause()
        assert on_disk(plan_path, 1)["status"] == "done"
        await pilot.press("j", "2")
        await pilot.pause()
        assert on_disk(plan_path, 2)["status"] == "in_progress"
        # Written by the event loop's own thread: no key is read while an ordinary plan is saved.
        assert threads and set(threads) == {threading.get_ident()}


# -- 2. export: never over the plan's own files; ask before replacing; the format in words ----------------
async def open_export(pilot, path: str | None = None):
    await pilot.press("x")
    await pilot.pause()
    if path is not None:
        pilot.app.screen.query_one("#export-path").value = path
    await pilot.pause()


def export_error(app) -> str:
    return plain(app.screen.query_one("#export-error"))


async def test_export_refuses_the_plan_file_its_backup_and_its_lock(make_app, plan_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")  # a save: the backup now exists too
        await settled(pilot)
        for name, what in ((plan_path.name, "the plan file itself"), (plan_path.name + ".bak", "the plan's backup"),
                           (plan_path.name + ".lock", "the plan's lock file")):
            target = plan_path.with_name(name)
            before = target.read_bytes() if target.exists() else None
            await open_export(pilot, str(target))
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("enter")  # pressing again does not make it acceptable
            await pilot.pause()
            assert app.screen is not app.main
            assert f"is {what}: choose another name" in export_error(app)
            assert (target.read_bytes() if target.exists() else None) == before
            await pilot.press("escape")
            await pilot.pause()
        assert on_disk(plan_path, 1)["status"] == "done"


async def test_export_asks_before_replacing_a_file(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "hsp-export-2010-06-01.json"
    target.write_text("keep me", encoding="utf-8")
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await open_export(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is not app.main
        assert "hsp-export-2010-06-01.json exists: press Export (or Enter) again to replace it" in export_error(app)
        assert target.read_text(encoding="utf-8") == "keep me"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.main
        assert len(json.loads(target.read_text(encoding="utf-8"))["recommendations"]) == 12
        assert "Exported 12 recommendations as JSON" in last_notice(notices)


async def test_export_asks_again_after_the_name_changes(make_app, tmp_path):
    (tmp_path / "a.csv").write_text("old a", encoding="utf-8")
    (tmp_path / "b.csv").write_text("old b", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_export(pilot, str(tmp_path / "a.csv"))
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#export-path").value = str(tmp_path / "b.csv")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "b.csv exists" in export_error(app)
        assert (tmp_path / "b.csv").read_text(encoding="utf-8") == "old b"


async def test_export_format_is_shown_in_words(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_export(pilot)
        shown = plain(app.screen.query_one("#export-format SelectCurrent #label"))
        assert shown.startswith("JSON")
        await pilot.press("shift+tab", "enter", "down", "down", "enter")
        await pilot.pause()
        assert plain(app.screen.query_one("#export-format SelectCurrent #label")).startswith("Markdown")
        assert app.screen.query_one("#export-path").value == "./hsp-export-2010-06-01.md"


# -- 6. dialog messages wrap instead of being cut off -------------------------------------------------
def shown_text(widget) -> str:
    """The words a widget shows on screen, line by line (what is cut off is not there)."""
    from textual.geometry import Region

    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return " ".join("".join(seg.text for seg in strip).strip() for strip in strips)


import pytest  # noqa: E402


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_edit_dialog_deadline_message_wraps(make_app, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("e")
        await pilot.pause()
        box = app.screen.query_one("#edit-deadline")
        box.value = "mid July"
        await pilot.pause()
        label = app.screen.query_one("#edit-resolves")
        message = plain(label)
        assert message.startswith("→ cannot read deadline 'mid July'") and len(message) > 76  # wider than the dialog
        assert label.size.height >= 2
        assert " ".join(shown_text(label).split()) == " ".join(message.split())


# -- 4. revised items are marked as such --------------------------------------------------------------
def row_of(app, number: int) -> list[str]:
    return next(r for r in table_rows(app.main.table) if r[0] == str(number))


async def test_a_revised_item_says_so_in_the_table_and_detail(make_app, plan_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        assert row_of(app, 2)[4] == "30 Apr 2010"
        await pilot.press("j", "e")  # No. 2 has two milestones; revise its deadline in the dialog
        await pilot.pause()
        app.screen.query_one("#edit-deadline").value = "July 2010"
        app.screen.query_one("#edit-reason").value = "Board met late"
        await pilot.pause()
        await pilot.press("enter")
        await settled(pilot)
        assert row_of(app, 2)[4] == "31 Jul 2010 (rev)" and row_of(app, 2)[6] == ""
        assert row_of(app, 1)[4] == "30 Apr 2010"
        assert "Milestones  (for reference: the revised deadline now sets the due date)" in detail_text(app)
        assert on_disk(plan_path, 2)["revisions"][-1]["deadline"] == "July 2010"


async def test_at_80_columns_the_flag_column_says_revised(make_app, plan_path):
    store = Store(plan_path, clock=fixed_clock)
    store.revise(3, "September 2010", reason="waiting for the PMG", by="bob", reference=store.load().meta.date)
    store.revise(1, "May 2010", reason="slipped", by="bob", reference=store.load().meta.date)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert row_of(app, 3)[4:] == ["30 Sep 2010", "N", "revised"]
        assert row_of(app, 1)[6] == "OVERDUE"  # the more urgent word wins the narrow column
        await pilot.press("j")
        await pilot.pause()
        assert "for reference" not in detail_text(app)  # No. 2 is not revised


# -- 5. the 80x24 layout ----------------------------------------------------------------------------
def footer(app):
    from hsp_tui.tui.widgets.footer import HspFooter

    return app.main.query_one(HspFooter)


def footer_keys(app) -> list[tuple[str, str]]:
    """The footer's entries as (keys, description), each checked to be on its line as shown."""
    line = plain(footer(app))
    keys = [(k, d) for k, d, _ in footer(app).entries]
    assert all(f"{k} {d}" in line for k, d in keys), line
    return keys


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_footer_fits_and_shows_help_and_quit(make_app, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        shown = set(footer_keys(app))
        assert {("1-5", "Status"), ("?", "Help"), ("q", "Quit"), ("x", "Export")} <= shown
        # Nothing is cut off at the right edge (at 80 columns "x Export" used to show as a stray "E").
        from rich.cells import cell_len

        assert cell_len(plain(footer(app))) <= footer(app).content_region.width
        assert ("o", "Overdue") in shown if size[0] >= 110 else ("o", "Overdue") not in shown


async def test_a_click_on_a_footer_key_runs_it(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        line = plain(footer(app))
        await pilot.click(footer(app), offset=(1 + line.index("x Export"), 0))  # 1: the footer's padding
        await pilot.pause()
        assert app.screen.query("#export-path")  # the export dialog is open


async def test_keys_left_out_of_the_narrow_footer_still_work(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o", "s")
        await pilot.pause()
        assert [r[0] for r in table_rows(app.main.table)] == ["1", "2", "4", "8", "9"]  # overdue only
        assert "sort: due · overdue only" in str(app.main.table.border_subtitle)


async def test_footer_shows_remapped_status_keys(make_app, tmp_path):
    from hsp_tui.cli.config import load_settings

    config = tmp_path / "c.toml"
    config.write_text('[keys]\nset_done = "d"\n', encoding="utf-8")
    app = make_app(settings=load_settings(config))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert ("1 2 3 d 5", "Status") in set(footer_keys(app))


async def test_owners_in_full_first_and_the_title_takes_the_rest(make_app):
    # 80 columns: every owner in full and a one-letter status; the title gets what is left.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        rows = {r[0]: r for r in table_rows(app.main.table)}
        assert rows["1"][2:6] == ["The HSP Board…", "Assistant Chief Executive", "30 Apr 2010", "N"]
        assert rows["8"][3] == "Interim Deputy Chief Executive"
        table = app.main.table
        assert sum(table._widths) + 1 + len(table._widths) == table.size.width  # no blank columns
    # 200 columns: status in words, and the title shows the recommendation well past its first
    # clause (the short title is cut at 60 characters), up to the owner column: no blank space.
    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        title, owner, _, status = row_of(app, 1)[2:6]
        assert owner == "Assistant Chief Executive" and status == "Not started"
        assert title.startswith("The HSP Board needs to be free to focus on strategic issues. The theme boards")
        assert len(title) > 100 and title.endswith("…")
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("tab", "tab")
        await pilot.pause()
        owners = [r[0] for r in table_rows(app.main.owners)]
        assert "Interim Deputy Chief Executive" in owners and "Assistant Chief Executive" in owners


# -- 7. a settings file giving one key to two bindings is refused --------------------------------------
@pytest.mark.parametrize("keys, words", [
    ('set_done = "n"', "gives 'n' to both add_note and set_done (on the main screen, in the table)"),
    ('export = "?"', "gives 'question_mark' to both export and help"),
    ('add_note = "down"', "gives 'down' to both RecTable's cursor_down and add_note"),
    ('quit = "escape"', "gives 'escape' to both"),
])
def test_settings_giving_one_key_to_two_bindings_are_refused(make_app, tmp_path, keys, words):
    from hsp_tui.cli.config import load_settings
    from hsp_tui.domain.errors import InputError

    config = tmp_path / "c.toml"
    config.write_text(f"[keys]\n{keys}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        make_app(settings=load_settings(config))
    assert str(config) in str(info.value) and words in str(info.value)
    assert "\n" not in str(info.value)


async def test_remapped_keys_that_do_not_clash_work(make_app, tmp_path, plan_path):
    from hsp_tui.cli.config import load_settings

    config = tmp_path / "c.toml"
    config.write_text('[keys]\nset_done = "n"\nadd_note = "4"\nhelp = "?,h"\n', encoding="utf-8")
    app = make_app(settings=load_settings(config))
    async with app.run_test() as pilot:
        await pilot.press("n")
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "done"
        await pilot.press("h")
        await pilot.pause()
        assert app.screen.query("#help-text")


# -- 10. clearing filters rebuilds the owners pane only when an owner was chosen -------------------------
async def test_escape_clears_an_owner_and_its_mark(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("tab", "tab")
        await pilot.pause()
        await pilot.press("j", "j", "enter")  # Assistant Chief Executive
        await pilot.pause()
        assert any(r[0].startswith("▸ Assistant") for r in table_rows(app.main.owners))
        await pilot.press("escape")
        await pilot.pause()
        assert not any(r[0].startswith("▸") for r in table_rows(app.main.owners))
        assert len(table_rows(app.main.table)) == 12


async def test_escape_after_a_text_filter_keeps_the_owners_pane_as_it_was(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("tab", "tab", "j", "j", "j")  # the owners pane's cursor on the third owner
        await pilot.press("shift+tab", "shift+tab", "o")  # back to the table: overdue only
        await pilot.pause()
        cleared = []
        clear = app.main.owners.clear  # watched, not replaced: a rebuild starts with clear()
        app.main.owners.clear = lambda *a, **k: (cleared.append(1), clear(*a, **k))[1]
        await pilot.press("escape")
        await pilot.pause()
        assert len(table_rows(app.main.table)) == 12 and not cleared
        assert app.main.owners.cursor_row == 3


async def test_undo_says_what_the_item_is_back_to(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("3", "j", "j", "e", *"Head of Policy", "enter")
        await settled(pilot)
        assert on_disk(plan_path, 3)["owner"] == "Head of Policy"
        await pilot.press("u")
        await settled(pilot)
        assert on_disk(plan_path, 3)["owner"] == "Assistant Chief Executive"
        said = last_notice(notices)
        # Not "owner is now Head of Policy" (what was undone, read as the state now): what it is back to.
        assert said.startswith("Undone: No. 3: owner back to 'Assistant Chief Executive'"), said
        assert "Head of Policy" not in said
        await pilot.press("u")
        await settled(pilot)
        assert last_notice(notices).startswith("Undone: No. 1: status back to Not started"), last_notice(notices)


async def test_a_read_only_plan_at_80_columns_shows_r_its_way_back_in_the_footer(plan_path):
    """As it stood on a past day, the change keys leave the footer; at 80 columns it then showed only
    "/ Filter  x Export  ? Help  q Quit", though `r` (clear the review date) is the way back to
    today's plan. Where the line has room, the narrow footer keeps `r`, `o` and `s`."""
    from datetime import date

    from hsp_tui.domain.commands import SetStatus
    from hsp_tui.storage.store import Store
    from hsp_tui.tui import build_app

    clock = lambda: "2011-04-01T09:00:00+01:00"  # noqa: E731
    Store(plan_path, clock=clock).run(SetStatus(2, "done", "Agreed at PMG"), by="alice", on=date(2011, 3, 25))
    app = build_app(Store(plan_path, clock=clock), as_of=date(2010, 12, 1), as_of_given=True, user="alice",
                    clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert "read-only" in plain(app.main.query_one("#header"))
        shown = footer_keys(app)
        assert ("r", "Review date") in shown and ("1-5", "Status") not in shown
        from rich.cells import cell_len

        assert cell_len(plain(footer(app))) <= footer(app).content_region.width


async def test_a_header_too_long_for_80_columns_cuts_the_title_with_an_ellipsis(make_app):
    """Judged as of today (a plan long past), the header at 80 columns ended on a lone '·': the
    title had been wrapped onto a second line the one-line header never shows."""
    from datetime import date

    app = make_app(as_of_given=False, as_of=date(2026, 12, 6))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        line = app.main.query_one("#header").render_line(0).text
        assert "press r" in line and line.rstrip().endswith("…") and "·  Partners" in line, line
