"""The recommendations table as an officer uses it: keys and mouse move the cursor, the row under
the cursor is always on screen, text is cut to its column (wide characters too) and never markup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hsp_tui.storage.store import Store
from tuikit import cursor_row, detail_text, file_data, seed_docs_repeated, settled

from conftest import AS_OF, USER, fixed_clock

ITEMS = 500


def app_for(path: Path):
    from hsp_tui.tui import build_app

    return build_app(Store(path, clock=fixed_clock), as_of=AS_OF, user=USER, as_of_given=True, clock=fixed_clock)


@pytest.fixture
def long_path(tmp_path: Path, store: Store) -> Path:
    data = seed_docs_repeated(file_data(store.path), ITEMS)
    path = tmp_path / "long.json"
    Store(path, clock=fixed_clock).create(data)
    return path


def screen_text(app) -> str:
    """What the table shows on screen now, line by line (header first)."""
    table = app.main.table
    return "\n".join(table.render_line(y).text for y in range(table.scrollable_content_region.height))


def visible_numbers(app) -> list[int]:
    lines = screen_text(app).splitlines()[1:]
    return [int(line.split()[0]) for line in lines if line.strip()]


async def test_end_home_and_pages_move_the_cursor_and_keep_it_on_screen(long_path):
    app = app_for(long_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("end")
        await pilot.pause()
        assert cursor_row(app)[0] == str(ITEMS)
        assert visible_numbers(app)[-1] == ITEMS  # the last row is on screen, at the bottom
        assert f"No. {ITEMS}" in detail_text(app)
        await pilot.press("pageup")
        await pilot.pause()
        number = int(cursor_row(app)[0])
        assert number < ITEMS - 5 and number in visible_numbers(app)
        await pilot.press("home")
        await pilot.pause()
        assert cursor_row(app)[0] == "1" and visible_numbers(app)[0] == 1
        await pilot.press(*["pagedown"] * 3)
        await pilot.pause()
        number = int(cursor_row(app)[0])
        assert number > 30 and number in visible_numbers(app)


@pytest.mark.slow
async def test_a_click_highlights_a_row_and_a_second_click_opens_its_detail(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        table = app.main.table
        # Row 4 is the fifth line of the table's content (the header is the first).
        await pilot.click(table, offset=(10, 1 + 4))  # 1: the table's border
        await pilot.pause()
        assert cursor_row(app)[0] == "4" and "No. 4" in detail_text(app)
        assert app.focused is table
        await pilot.click(table, offset=(10, 1 + 4))
        await pilot.pause()
        assert app.focused is app.main.detail


async def test_wide_characters_and_markup_are_cut_to_the_column_and_shown_as_typed(plan_path, tmp_path):
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    data["recommendations"]["1"]["recommendation"] = "[bold]Not bold[/bold] 合作伙伴工作组的建议 " * 4
    data["recommendations"]["2"]["owner"] = "[red]Head of 政策[/red] and partners"
    path = tmp_path / "wide.json"
    Store(path, clock=fixed_clock).create(data)
    app = app_for(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        from rich.cells import cell_len

        lines = screen_text(app).splitlines()
        header, first, second = lines[0], lines[1], lines[2]
        assert "[bold]Not bold[/bold]" in first and "…" in first  # as typed, cut with an ellipsis
        assert "[red]Head of" in second
        width = app.main.table.scrollable_content_region.width
        assert {cell_len(line) for line in (header, first, second)} == {width}
        # The columns line up: the Due column starts at the same cell on every line.
        starts = {cell_len(line[: line.index(due)]) for line, due in
                  ((header, "Due"), (first, "30 Apr 2010"), (second, "30 Apr 2010"))}
        assert len(starts) == 1


async def test_overdue_is_said_in_words_on_the_row(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        lines = screen_text(app).splitlines()
        row1 = next(line for line in lines if line.split()[:1] == ["1"])
        assert "OVERDUE" in row1  # No. 1 was due 30 Apr 2010; the review is as of 1 Jun 2010


@pytest.mark.slow
async def test_scrolling_through_a_long_plan_keeps_only_a_few_screenfuls_of_drawn_rows(tmp_path, store):
    from hsp_tui.tui.widgets.rectable import LINES_KEPT

    count = 3 * LINES_KEPT
    path = tmp_path / "longer.json"
    Store(path, clock=fixed_clock).create(seed_docs_repeated(file_data(store.path), count))
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        page = app.main.table.scrollable_content_region.height - 2
        drawn = set()
        for _ in range(count // page + 1):
            await pilot.press("pagedown")
            await pilot.pause()
            drawn.update(visible_numbers(app))
        assert cursor_row(app)[0] == str(count) and len(drawn) > LINES_KEPT  # every row was on screen
        assert len(app.main.table._lines) <= LINES_KEPT  # but memory does not grow with what was seen
