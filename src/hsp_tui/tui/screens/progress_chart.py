"""Progress over time: open, overdue and done items at each week, as bars and in words.

The figures come from `progress.progress` (pure, rebuilt from the history); this screen only draws
them: three bar charts on one scale (one column per week), the same figures in words beside them,
and every week in a table below. Works at 80x24; Escape or p goes back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Static

from hsp_tui.formats import charts
from hsp_tui.domain.progress import Point, progress
from hsp_tui.domain.textsafe import one_line
from hsp_tui.tui.screens.dialog import PassesKeysOn

if TYPE_CHECKING:
    from hsp_tui.tui.planapp import PlanApp

BAR_ROWS = 3
WORDS_WIDTH = 34
SERIES = (("Open", "open", "progress--open"), ("Overdue", "overdue", "progress--overdue"),
          ("Done or verified", "closed", "progress--done"))


def value(p: Point, name: str) -> int:
    return p.done + p.verified if name == "closed" else getattr(p, name)


class ProgressScreen(PassesKeysOn, Screen[None]):
    BINDINGS = [Binding("escape,p,q", "close", "Back", id="progress_close")]
    COMPONENT_CLASSES = {"progress--open", "progress--overdue", "progress--done"}
    DEFAULT_CSS = """
    ProgressScreen { layout: vertical; }
    ProgressScreen #progress-title { height: 1; background: $panel; }
    ProgressScreen #progress-top { height: auto; }
    ProgressScreen #progress-chart { width: 1fr; height: auto; padding: 0 1; }
    ProgressScreen #progress-words { width: 34; height: auto; padding: 0 1; border-left: vkey $panel-lighten-2; }
    ProgressScreen DataTable { height: 1fr; min-height: 3; }
    ProgressScreen > .progress--open { color: $primary; }
    ProgressScreen > .progress--overdue { color: $error; }
    ProgressScreen > .progress--done { color: $success; }
    ProgressScreen #progress-help { height: 1; color: $text-muted; }
    """

    app: "PlanApp"

    def compose(self) -> ComposeResult:
        rv = self.app.review
        self.series = progress(rv.plan, rv.as_of)
        title = Text(" Progress over time: ")
        title.append(one_line(rv.plan.meta.title, 50))
        title.append(f" (as of {charts.label(rv.as_of)})")
        yield Static(title, id="progress-title")
        with Horizontal(id="progress-top"):
            yield Static("", id="progress-chart")
            yield Static("\n".join(charts.in_words(self.series.points)), id="progress-words", markup=False)
        table: DataTable = DataTable(id="progress-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("Escape or p: back to the plan · Up/Down: scroll the weeks", id="progress-help")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Week of", "Open", "Overdue", "Done, to verify", "Verified", "Dropped")  # 80 columns
        for row in reversed(charts.table_rows(self.series.points)):  # the newest week first
            table.add_row(*row)
        table.focus()
        self.draw_chart()

    def on_resize(self) -> None:
        self.draw_chart()

    def draw_chart(self) -> None:
        chart = self.query_one("#progress-chart", Static)
        # The screen's width less the words panel (WORDS_WIDTH) and the chart's own padding.
        width = max(self.size.width - WORDS_WIDTH - 2, 20)
        last_point = self.series.last
        heads = [f"{name} ({value(last_point, attr) if last_point else 0})" for name, attr, _c in SERIES]
        label_w = max(len(h) for h in heads) + 1
        columns = max(width - label_w, 4)
        thin, step = self.series.thinned(columns)
        points = thin.points
        # Few weeks: wider bars (up to 3 cells and a gap), so a short plan still fills the width.
        cell = max(1, min(4, columns // max(len(points), 1)))
        top = max((max(p.open, p.overdue, p.done + p.verified) for p in points), default=1)
        text = Text(no_wrap=True, overflow="crop")
        for name, attr, cls in SERIES:
            style = self.get_component_rich_style(cls)
            values = [value(p, attr) for p in points]
            rows = charts.text_bars(values, top, BAR_ROWS)
            if cell > 1:
                rows = ["".join(ch * (cell - 1) + " " for ch in row) for row in rows]
            for k, row in enumerate(rows):
                head = heads[SERIES.index((name, attr, cls))] if k == 0 else ""
                text.append(f"{head:<{label_w}}")
                text.append(row, style=style)
                text.append("\n")
        if points:
            first, last = charts.short_label(points[0].day), charts.short_label(points[-1].day)
            gap = len(points) * cell - len(first) - len(last)
            if gap >= 1:  # the first and last weeks' dates under their bars
                text.append(" " * label_w + first + " " * gap + last + "\n")
            else:
                text.append(f"weeks from {first} to {last}\n")
            text.append(charts.scale_sentence(top, step))
        chart.update(text)

    def action_close(self) -> None:
        self.close()
