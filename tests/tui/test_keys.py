"""Pilot tests: every key of the main screen, checking what the screen shows AND the file on disk."""

from __future__ import annotations

import pytest
from textual import events

import json

from hsp_tui.tui.widgets.detail import DetailPane
from hsp_tui.tui.widgets.panes import DeadlinesPane, OwnersPane
from hsp_tui.tui.widgets.rectable import RecTable

from tuikit import Notices, settled, until, cursor_row, detail_text, last_notice, on_disk, plain, table_rows


async def test_start_state_table_focused_sorted_by_number_first_row(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = app.main
        assert isinstance(app.focused, RecTable)
        assert main.table.cursor_row == 0
        rows = table_rows(main.table)
        assert [r[0] for r in rows] == [str(n) for n in range(1, 13)]
        assert rows[0][4] == "30 Apr 2010" and rows[0][6] == "OVERDUE"
        assert rows[4][4] == "Ongoing" and rows[4][6] == ""
        assert "review date 1 Jun 2010" in plain(main.query_one("#header"))
        assert "5 overdue" in plain(main.query_one("#summary"))
        assert detail_text(app).startswith("No. 1")


async def test_j_k_and_arrows_move_and_detail_follows(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j")
        assert cursor_row(app)[0] == "3"
        assert detail_text(app).startswith("No. 3")
        await pilot.press("k")
        assert cursor_row(app)[0] == "2"
        await pilot.press("down", "down", "up")
        assert cursor_row(app)[0] == "3"


async def test_number_keys_set_status_on_disk_at_once(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("j")  # No. 2
        expected = {"2": "in_progress", "3": "blocked", "4": "done", "5": "dropped", "1": "not_started"}
        for key, status in expected.items():
            await pilot.press(key)
            if status == "dropped":  # a drop asks for its reason
                await pilot.pause()
                await pilot.press(*"superseded", "enter")
            await settled(pilot)
            # Saved (in a worker, the keys keep working) and shown.
            assert on_disk(plan_path, 2)["status"] == status
        assert cursor_row(app)[5] == "N"  # at 80 columns the status is one letter
        history = on_disk(plan_path, 2)["history"]
        assert [h["new"] for h in history if h["action"] == "set"] == list(expected.values())
        assert all(h["by"] == "alice" for h in history if h["action"] == "set")
        assert "Blocked → Done" in notices.said[2][1]


async def test_done_clears_the_overdue_flag_in_table_and_summary(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        assert cursor_row(app)[6] == "OVERDUE"
        await pilot.press("4")
        await settled(pilot)
        assert cursor_row(app)[5] == "D"  # at 80 columns the status is one letter
        assert cursor_row(app)[6] == ""
        assert "4 overdue" in plain(app.main.query_one("#summary"))
        assert on_disk(plan_path, 1)["status"] == "done"
        assert "Saved" in last_notice(notices) and "Done" in last_notice(notices)


async def test_tab_cycles_panes_and_enter_focuses_detail(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        assert isinstance(app.focused, DetailPane)
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, OwnersPane)
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, DeadlinesPane)
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, RecTable)
        await pilot.press("shift+tab")
        await pilot.pause()
        assert isinstance(app.focused, DeadlinesPane)


async def test_tab_at_80x24_shows_one_pane_below_the_table(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.main
        assert main.has_class("-narrow")
        assert main.detail.display and not main.owners.region.area
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert isinstance(app.focused, OwnersPane)
        assert main.owners.region.area and not main.detail.region.area


async def test_status_keys_work_from_the_detail_pane(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        await pilot.press("3")
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "blocked"
        assert "Blocked" in detail_text(app)


async def test_note_enter_saves_escape_cancels_text_is_literal(make_app, plan_path):
    app = make_app()
    note = "Kick-off held [bold]28 May[/]"
    async with app.run_test() as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"dropped")
        await pilot.press("escape")
        await pilot.pause()
        assert [h for h in on_disk(plan_path, 1)["history"] if h["action"] == "note"] == []
        assert app.screen is app.main

        await pilot.press("n")
        await pilot.pause()
        await pilot.press("enter")  # empty: refused, stays open
        await settled(pilot)
        await pilot.pause()
        assert app.screen is not app.main
        assert "empty" in plain(app.screen.query_one("#note-error"))
        app.screen.query_one("#note-text").value = note
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        assert app.screen is app.main
        notes = [h for h in on_disk(plan_path, 1)["history"] if h["action"] == "note"]
        assert [h["note"] for h in notes] == [note]
        assert note in detail_text(app)


async def test_edit_owner_and_deadline_revision_needs_reason(make_app, plan_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("j", "e")  # No. 2
        await pilot.pause()
        dialog = app.screen
        owner = dialog.query_one("#edit-owner")
        deadline = dialog.query_one("#edit-deadline")
        owner.value = "Head of Policy"
        deadline.value = "Julyish"
        await pilot.pause()
        assert "cannot read" in plain(dialog.query_one("#edit-resolves"))
        deadline.value = "July 2010"
        await pilot.pause()
        assert plain(dialog.query_one("#edit-resolves")) == "→ due 31 Jul 2010"
        owner.focus()
        await pilot.press("enter")  # no reason: refused
        await settled(pilot)
        await pilot.pause()
        assert app.screen is dialog
        assert "reason" in plain(dialog.query_one("#edit-error"))
        assert on_disk(plan_path, 2)["owner"] == "Assistant Chief Executive"
        dialog.query_one("#edit-reason").value = "Board met late"
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        assert app.screen is app.main
        doc = on_disk(plan_path, 2)
        assert doc["owner"] == "Head of Policy"
        assert doc["deadline"] == "April 2010 October 2010"  # as agreed, kept
        assert doc["revisions"][-1]["deadline"] == "July 2010"
        assert doc["revisions"][-1]["reason"] == "Board met late"
        assert cursor_row(app)[3] == "Head of Policy"
        assert cursor_row(app)[4] == "31 Jul 2010"
        text = detail_text(app)
        assert "agreed April 2010 October 2010, revised to July 2010" in text
        assert "Board met late" in text


async def test_edit_escape_changes_nothing(make_app, plan_path):
    before = plan_path.read_bytes()
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#edit-owner").value = "Somebody"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main
    assert plan_path.read_bytes() == before


async def test_milestone_key_then_number_toggles(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("j")  # No. 2 has two milestones
        assert not on_disk(plan_path, 2)["milestones"][0]["done"]
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("1")
        await settled(pilot)
        await pilot.pause()
        assert app.screen is app.main
        assert on_disk(plan_path, 2)["milestones"][0]["done"] is True
        assert on_disk(plan_path, 2)["status"] == "not_started"  # the 1 went to the milestone list
        assert "1. [x] done" in detail_text(app)
        await pilot.press("m", "1")
        await pilot.pause()
        assert on_disk(plan_path, 2)["milestones"][0]["done"] is False


async def test_milestone_key_on_item_without_milestones_says_so(make_app, plan_path):
    before = plan_path.read_bytes()
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("m")
        await pilot.pause()
        assert app.screen is app.main
        assert "no milestones" in last_notice(notices)
    assert plan_path.read_bytes() == before


async def test_undo_reverses_last_change_as_a_new_entry(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(message_hook=notices) as pilot:
        await pilot.press("u")
        await settled(pilot)
        assert "Nothing to undo" in last_notice(notices)
        await pilot.press("2", "j", "4")
        assert on_disk(plan_path, 2)["status"] == "done"
        await pilot.press("u")
        await settled(pilot)
        assert on_disk(plan_path, 2)["status"] == "not_started"
        assert on_disk(plan_path, 1)["status"] == "in_progress"
        await pilot.press("u")
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "not_started"
        history = on_disk(plan_path, 1)["history"]
        assert [h["action"] for h in history][-2:] == ["set", "undo"]  # nothing erased
        assert cursor_row(app)[0] == "1" and cursor_row(app)[5] == "N"  # at 80 columns the status is one letter
        assert "Undone" in last_notice(notices)


async def test_overdue_only_toggle(make_app, plan_path):
    before = plan_path.read_bytes()
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("o")
        rows = table_rows(app.main.table)
        assert [r[0] for r in rows] == ["1", "2", "4", "8", "9"]
        assert all(r[6] == "OVERDUE" for r in rows)
        assert "overdue only" in str(app.main.table.border_subtitle)
        await pilot.press("o")
        assert app.main.table.row_count == 12
    assert plan_path.read_bytes() == before


async def test_filter_by_text_and_empty_state(make_app, plan_path):
    before = plan_path.read_bytes()
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"havco")
        rows = table_rows(app.main.table)
        assert [r[0] for r in rows] == ["10", "11"]
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        assert isinstance(app.focused, RecTable)
        assert cursor_row(app)[0] == "10"
        await pilot.press("slash")
        await pilot.pause()
        app.main.query_one("#filter").value = ""
        await pilot.press(*"zz12345")  # digits typed into the filter never change a status
        await pilot.pause()
        assert app.main.table.row_count == 0
        assert app.main.has_class("-empty")
        assert "No recommendations match" in plain(app.main.query_one("#empty"))
        assert "No recommendation selected" in detail_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.main.table.row_count == 12
        assert not app.main.has_class("-empty")
    assert plan_path.read_bytes() == before


@pytest.mark.parametrize("typed", ["", "board", "hsp"])
async def test_after_escape_from_the_filter_the_keys_work_on_the_table_again(make_app, plan_path, typed):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "slash", *typed, "escape", "2")  # no pause: as fast as an officer types
        await settled(pilot)
        assert not app.main.query_one("#filter").display
        assert isinstance(app.focused, RecTable)
        number = app.main.table.current_number  # No. 2, or the first match of the filter
        assert number == 2 or typed
        assert on_disk(plan_path, number)["status"] == "in_progress"
        assert app.main.query_one("#filter").value == "" and app.main.table.row_count == 12


async def test_keys_typed_at_once_after_slash_all_go_into_the_filter(make_app, plan_path):
    """As a paste or a fast typist sends them: in one burst, before the box has the focus."""
    before = plan_path.read_bytes()
    app = make_app()
    async with app.run_test() as pilot:
        for ch in ("slash", *"owner", "enter"):  # "o" must not toggle overdue-only, "e" not edit
            app.post_message(events.Key(ch, "/" if ch == "slash" else ("\r" if ch == "enter" else ch)))
        main = app.main
        await until(pilot, lambda: not main.filtering and "owner" in str(main.table.border_subtitle),
                    "the filter line closed and the table's border naming the filter")
        await settled(pilot)
        assert app.main.filter_text == "owner" and not app.main.overdue_only
        assert isinstance(app.screen, type(app.main)) and isinstance(app.focused, RecTable)
        assert "owner" in str(app.main.table.border_subtitle)
    assert plan_path.read_bytes() == before


async def test_a_slash_inside_the_filter_is_part_of_it(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"2010/11", "enter")
        await settled(pilot)
        assert app.main.filter_text == "2010/11"
        assert "2010/11" in str(app.main.table.border_subtitle)


async def test_sort_cycles_number_due_owner_status(make_app, plan_path):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("4")  # No. 1 done, so status order differs from number order
        await settled(pilot)
        await pilot.press("s")
        rows = table_rows(app.main.table)
        assert "sort: due" in str(app.main.table.border_subtitle)
        assert [r[0] for r in rows][:4] == ["2", "4", "8", "9"] or rows[0][4] == "30 Apr 2010"
        assert [r[4] for r in rows][-4:] == ["Ongoing"] * 4
        await pilot.press("s")
        owners = [r[3] for r in table_rows(app.main.table)]
        assert owners == sorted(owners, key=str.casefold)
        await pilot.press("s")
        rows = table_rows(app.main.table)
        assert rows[-1][0] == "1" and rows[-1][5] == "D"  # at 80 columns the status is one letter
        await pilot.press("s")
        assert [r[0] for r in table_rows(app.main.table)] == [str(n) for n in range(1, 13)]
        assert cursor_row(app)[0] == "1"  # the cursor stays on the same item through re-sorts


async def test_owner_pane_filters_table(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert isinstance(app.focused, OwnersPane)
        await pilot.press("j", "j", "enter")  # All owners, All HSP partners, Assistant Chief Executive
        await pilot.pause()
        rows = table_rows(app.main.table)
        assert {r[3] for r in rows} == {"Assistant Chief Executive"}
        assert [r[0] for r in rows] == ["1", "2", "3", "4", "12"]
        assert isinstance(app.focused, RecTable)
        owners_rows = table_rows(app.main.owners)
        assert owners_rows[2][0].startswith("▸ Assistant Chief") and owners_rows[2][1:3] == ["5", "3"]
        await pilot.press("escape")
        assert app.main.table.row_count == 12


async def test_deadlines_pane_groups_overdue_first_ongoing_last(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.main.deadlines
        assert pane.option_count > 12
        prompts = [str(pane.get_option_at_index(k).prompt) for k in range(pane.option_count)]
        heads = [p for p in prompts if not p.startswith(" ")]
        assert heads == ["OVERDUE (5)", "July 2010 (2)", "August 2010 (1)", "Ongoing / no date (4)"]
        await pilot.press("shift+tab")
        await pilot.pause()
        assert isinstance(app.focused, DeadlinesPane)
        await pilot.press("down", "down", "enter")  # first overdue (1), then 2
        await pilot.pause()
        assert isinstance(app.focused, RecTable)
        assert cursor_row(app)[0] == "2"


async def test_export_json_and_csv(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices) as pilot:
        await pilot.press("x")
        await pilot.pause()
        path = app.screen.query_one("#export-path")
        assert path.value == "./hsp-export-2010-06-01.json"
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        assert app.screen is app.main
        data = json.loads((tmp_path / "hsp-export-2010-06-01.json").read_text(encoding="utf-8"))
        assert len(data["recommendations"]) == 12
        assert "Exported 12" in last_notice(notices)

        await pilot.press("x")
        await pilot.pause()
        await pilot.press("shift+tab", "enter", "down", "enter")  # the format list: JSON, then CSV
        await pilot.pause()
        assert "CSV" in plain(app.screen.query_one("#export-format SelectCurrent #label"))
        assert app.screen.query_one("#export-path").value == "./hsp-export-2010-06-01.csv"
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        text = (tmp_path / "hsp-export-2010-06-01.csv").read_text(encoding="utf-8-sig")
        assert text.count("\n") >= 13


async def test_export_to_missing_folder_is_refused_in_dialog(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#export-path").value = str(tmp_path / "nope" / "out.json")
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        assert app.screen is not app.main
        assert "does not exist" in plain(app.screen.query_one("#export-error"))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


async def test_help_lists_every_key_and_closes(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = plain(app.screen.query_one("#help-text"))
        for words in ("Set status: Done", "Add a progress note", "Edit owner and deadline", "Undo my last change",
                      "Overdue only", "Filter by text", "Sort by", "Export", "Quit", "Tab / Shift+Tab",
                      "Mark a milestone"):
            assert words in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


async def test_q_quits(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_command_palette_offers_the_actions(make_app, plan_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Set status: Done")
        await pilot.pause(0.3)  # the palette searches in the background
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        await pilot.pause()
        assert on_disk(plan_path, 1)["status"] == "done"


async def test_deadlines_pane_follows_changes(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")  # No. 1 done: no longer overdue
        await settled(pilot)
        app.main.refresh_deadlines()  # what its timer runs once the keys stop coming
        pane = app.main.deadlines
        prompts = [str(pane.get_option_at_index(k).prompt) for k in range(pane.option_count)]
        assert "OVERDUE (4)" in prompts and "April 2010 (1)" in prompts


async def test_export_markdown(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices) as pilot:
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#export-format").value = "md"
        await pilot.pause()
        assert app.screen.query_one("#export-path").value == "./hsp-export-2010-06-01.md"
        await pilot.press("enter")
        await settled(pilot)
        await pilot.pause()
        assert app.screen is app.main
        text = (tmp_path / "hsp-export-2010-06-01.md").read_text(encoding="utf-8")
        assert "Partnership working in Haringey" in text and "OVERDUE" in text.upper()
        assert "Exported 12" in last_notice(notices)
