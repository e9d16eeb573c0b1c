"""The progress chart in the app: p opens it, it shows the weekly figures as bars and in words."""

from __future__ import annotations

from datetime import date

from hsp_tui.domain.review import review
from hsp_tui.tui.screens.progress_chart import ProgressScreen


def screen_text(app) -> str:
    """Everything the progress screen shows, as plain text."""
    from textual.widgets import DataTable, Static

    scr = app.screen
    parts = [str(s.render()) for s in scr.query(Static)]
    table = scr.query_one(DataTable)
    parts += [" ".join(str(c) for c in table.get_row_at(k)) for k in range(table.row_count)]
    return "\n".join(parts)


async def test_p_opens_the_progress_chart_with_figures_in_words_and_escape_goes_back(make_app, store):
    store.set_status(1, "done", by="alice")  # recorded 1 June 2010 (the fixed clock)
    overdue = len(review(store.load(), date(2010, 6, 8)).overdue)
    assert overdue == 4
    app = make_app(as_of=date(2010, 6, 8))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        text = screen_text(app)
        assert "On 8 Jun 2010:" in text
        assert "11 open, 4 of them overdue" in text  # as the review of that date says
        assert "1 done, awaiting verification" in text
        assert "Since 16 Mar 2010:" in text and "overdue 0 -> 4" in text
        assert "Open (11)" in text and "Overdue (4)" in text and "Done or verified (1)" in text
        assert "█" in text  # bars drawn
        assert "8 Jun 2010 11 4 1 0 0" in text  # the newest week first in the table
        assert "1 Jun 2010 11 4 1 0 0" in text  # done on 1 June: counted from that day, no longer overdue
        assert "25 May 2010 12 3 0 0 0" in text
        assert "16 Mar 2010 12 0 0 0 0" in text
        # Everything fits in 80 columns: the words panel is not cut.
        words = app.screen.query_one("#progress-words")
        assert words.region.right <= 80 and words.region.height >= 10
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ProgressScreen)


async def test_help_lists_the_progress_key(make_app):
    app = make_app()
    rows = dict((d, k) for k, d in app.help_rows())
    assert rows["Progress over time (chart and figures by week)"] == "p"


async def test_the_chart_says_how_to_read_its_scale_in_a_sentence_at_80x24(make_app):
    app = make_app(as_of=date(2010, 9, 1))  # 25 weeks in about 24 columns: every 2nd week shown
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        chart = app.screen.query_one("#progress-chart")
        words = " ".join(str(chart.render()).split())
        assert words.endswith("One column every 2 weeks, the last on the review date; a full column is 12 items.")
