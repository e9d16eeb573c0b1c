"""The progress chart for the board report: a Mermaid `xychart-beta` block (Markdown) and an inline
SVG (HTML), with the same figures as a table. Pure code; no user text ever goes into a chart (only
dates and counts), so nothing here needs escaping beyond what the callers do.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

from hsp_tui.formats.formatting import fmt_date, plural
from hsp_tui.domain.progress import Point, Progress

# The chart shows at most this many weeks; a longer plan shows every Nth week (said in the report).
CHART_POINTS = 26
# Series colours: each has at least 3:1 contrast against white (WCAG 1.4.11, graphics) and each
# series also differs in shape (solid bars, hatched bars, solid line, dashed line), so none depends
# on colour alone and all four stay apart in greyscale print.
COLOURS = {"verified": "#1d6b3a", "done": "#8a5a00", "open": "#1f4e9c", "overdue": "#b3261e"}


label = fmt_date  # '1 Jun 2010', as everywhere else


def short_label(d: date) -> str:
    return f"{d.day} {d:%b %y}"


def figures(prog: Progress) -> tuple[tuple[Point, ...], int]:
    """The points the chart and its table show, and the step in weeks between them."""
    thin, step = prog.thinned(CHART_POINTS)
    return thin.points, step


def table_rows(points: Sequence[Point]) -> list[tuple[str, str, str, str, str, str]]:
    """Week, open, overdue, done (awaiting verification), verified, dropped: one row per point."""
    return [(label(p.day), str(p.open), str(p.overdue), str(p.done), str(p.verified), str(p.dropped))
            for p in points]


TABLE_HEADERS = ("Week of", "Open", "Of which overdue", "Done, awaiting verification", "Verified", "Dropped")


def step_words(step: int, first: str, last: str) -> str:
    """Which days the figures are for, between the first week `first` and the review date `last`."""
    if step == 1:
        return f"each week from {first} to {last}"
    return f"every {step} weeks from {first}, and on the review date, {last}"


def scale_sentence(top: int, step: int) -> str:
    """How to read the app's bar chart, as a sentence."""
    columns = "One column a week" if step == 1 else f"One column every {step} weeks, the last on the review date"
    return f"{columns}; a full column is {plural(top, 'item')}."


# The Mermaid chart has at most this many columns, each labelled: weeks for a short span, months
# (every Nth month, always ending with the review date's) for a longer one.
MERMAID_COLUMNS = 8
# Its colours, in the order of its series (the two bar series, then the two lines): a light bar for
# all done items with the dark verified bar drawn over it (so the bars read as stacked), and lines
# told apart by where they lie (overdue items are part of the open ones: that line is never above).
MERMAID_PALETTE = ("#e8b04a", "#1d6b3a", "#1f4e9c", "#d9480f")


def mermaid_columns(points: Sequence[Point]) -> tuple[list[tuple[str, Point]], str]:
    """The Mermaid chart's columns (label, figures) and a sentence saying what a column shows."""
    if len(points) <= MERMAID_COLUMNS:
        return [(short_label(p.day), p) for p in points], "Each column shows the figures on the day under it."
    latest: dict[tuple[int, int], Point] = {}
    for p in points:  # the latest figures of each month
        latest[(p.day.year, p.day.month)] = p
    months = list(latest.values())
    step = -(-len(months) // MERMAID_COLUMNS)
    kept = months[::-1][::step][::-1]  # the review date's month always, then every `step`th before it
    every = "Each column" if step == 1 else f"One column every {step} months; each"
    return ([(f"{p.day:%b %Y}", p) for p in kept],
            f"{every} shows the latest figures of its month, the last those on the review date, {label(kept[-1].day)}.")


def mermaid(points: Sequence[Point]) -> list[str]:
    """A Mermaid xychart-beta (verified and done bars, open and overdue lines), then its key in words."""
    columns, what = mermaid_columns(points)
    top = max((max(p.open, p.done + p.verified) for _l, p in columns), default=0)
    xs = ", ".join(f'"{name}"' for name, _p in columns)
    series = lambda f: ", ".join(str(f(p)) for _l, p in columns)  # noqa: E731
    return [
        "```mermaid",
        "---",
        "config:",
        "  themeVariables:",
        "    xyChart:",
        f'      plotColorPalette: "{", ".join(MERMAID_PALETTE)}"',
        "---",
        "xychart-beta",
        '    title "Open and overdue (lines), done and verified (bars)"',
        f"    x-axis [{xs}]",
        f'    y-axis "Items" 0 --> {max(top, 1)}',
        f"    bar [{series(lambda p: p.done + p.verified)}]",
        f"    bar [{series(lambda p: p.verified)}]",
        f"    line [{series(lambda p: p.open)}]",
        f"    line [{series(lambda p: p.overdue)}]",
        "```",
        "",
        "**Key to the chart:** dark green bars: verified; light amber bars above them: done, awaiting "
        "verification; upper (blue) line: open; lower (orange) line: overdue, which is part of open "
        f"(where every open item is overdue the two lines meet). {what}",
    ]


# The SVG chart's two panels share the x axis and one scale: lines (open, overdue) above, bars
# (verified, done awaiting verification, stacked) below, so no line ever runs over a bar.
HATCH = "chart-hatch"  # the pattern id of the "done, awaiting verification" bars


def _legend_item(kind: str, colour: str, x: float, y: float) -> str:
    """The legend's small sample of one series: a solid or hatched box, a solid or dashed line."""
    if kind in ("solid", "hatch"):
        fill = f"url(#{HATCH})" if kind == "hatch" else colour
        return f'<rect x="{x}" y="{y - 9}" width="14" height="10" fill="{fill}" stroke="{colour}" stroke-width="1"/>'
    dash = ' stroke-dasharray="6 3"' if kind == "dash" else ""
    return f'<line x1="{x}" x2="{x + 14}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" stroke-width="2.5"{dash}/>'


# Each series: its field(s), words in the legend, and how it is drawn (never by colour alone).
LEGEND = (("verified", "Verified (solid bars)", "solid"),
          ("done", "Done, awaiting verification (hatched bars)", "hatch"),
          ("open", "Open (solid line)", "line"),
          ("overdue", "Overdue (dashed line)", "dash"))


AXIS_LABEL_GAP = 58  # px between two date labels' centres: "25 May 10" at 10px is ~53 px wide


def svg(points: Sequence[Point], *, width: int = 680, height: int = 360) -> str:
    """An inline SVG chart, with a title and description for screen readers and a legend in words."""
    left, right, top_pad, gap, bottom = 44, 96, 22, 34, 74
    plot_w = width - left - right
    panel_h = (height - top_pad - gap - bottom) / 2
    n = max(len(points), 1)
    top = max((max(p.open, p.done + p.verified) for p in points), default=0)
    top = max(top, 1)
    slot = plot_w / n
    lines_top, bars_top = top_pad, top_pad + panel_h + gap

    def x(k: int) -> float:
        return left + slot * (k + 0.5)

    def y(v: float, panel: float) -> float:
        return panel + panel_h * (1 - v / top)

    last = points[-1] if points else None
    desc = (f"Position from {label(points[0].day)} to {label(last.day)}; at the end "
            f"{last.open} open, {last.overdue} of them overdue, {last.done} done awaiting verification, "
            f"{last.verified} verified." if last else "No weeks to show.")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" '
           f'viewBox="0 0 {width} {height}" width="100%" class="chart" font-family="DejaVu Sans, Arial, sans-serif">',
           '<title id="chart-title">Progress over time</title>',
           f'<desc id="chart-desc">{desc}</desc>',
           f'<defs><pattern id="{HATCH}" patternUnits="userSpaceOnUse" width="5" height="5" '
           'patternTransform="rotate(45)"><rect width="5" height="5" fill="#ffffff"/>'
           f'<line x1="0" y1="0" x2="0" y2="5" stroke="{COLOURS["done"]}" stroke-width="2.5"/></pattern></defs>',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    for panel, words in ((lines_top, "Open and overdue"), (bars_top, "Done and verified")):
        out.append(f'<text x="{left}" y="{panel - 8}" font-size="11" font-weight="bold" fill="#222222">{words}</text>')
        for t in sorted({0, top, top // 2}):
            out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(t, panel):.1f}" y2="{y(t, panel):.1f}" '
                       'stroke="#767676" stroke-width="0.5"/>')
            out.append(f'<text x="{left - 6}" y="{y(t, panel) + 4:.1f}" text-anchor="end" font-size="11" '
                       f'fill="#222222">{t}</text>')
    bar_w = max(slot * 0.6, 1)
    for k, p in enumerate(points):  # verified at the foot, done awaiting verification stacked on it
        for base, value, fill in ((0, p.verified, COLOURS["verified"]), (p.verified, p.done, f"url(#{HATCH})")):
            if value:
                stroke = COLOURS["verified"] if fill == COLOURS["verified"] else COLOURS["done"]
                out.append(f'<rect x="{x(k) - bar_w / 2:.1f}" y="{y(base + value, bars_top):.1f}" '
                           f'width="{bar_w:.1f}" height="{y(base, bars_top) - y(base + value, bars_top):.1f}" '
                           f'fill="{fill}" stroke="{stroke}" stroke-width="1"/>')
    # At most about 8 date labels under the axis, the last always (the review date); a label too near
    # the last one to fit beside it is left out (a review date days after the last full week).
    every = max(1, -(-n // 7))
    labelled = {k for k in range(0, n, every) if (n - 1 - k) * slot >= AXIS_LABEL_GAP} | {n - 1}
    for k, p in enumerate(points):
        if k in labelled:
            out.append(f'<text x="{x(k):.1f}" y="{bars_top + panel_h + 16:.1f}" text-anchor="middle" '
                       f'font-size="10" fill="#222222">{short_label(p.day)}</text>')
    ends: list[float] = []
    # Open is the wider line, overdue dashed and narrower on top of it: where every open item is
    # overdue the two lie on one another and both still show.
    width_of = {"open": 3.5, "overdue": 2}
    for name, dash in (("open", ""), ("overdue", ' stroke-dasharray="6 3"')):
        pts = " ".join(f"{x(k):.1f},{y(getattr(p, name), lines_top):.1f}" for k, p in enumerate(points))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{COLOURS[name]}" '
                   f'stroke-width="{width_of[name]}"{dash}/>')
        if last:  # a direct label at the line's end, moved down clear of the one above it
            at = y(getattr(last, name), lines_top) + 4
            at = max(at, ends[-1] + 13) if ends else at
            ends.append(at)
            out.append(f'<text x="{width - right + 6}" y="{at:.1f}" font-size="11" fill="#222222">'
                       f'{name.capitalize()} {getattr(last, name)}</text>')
    for row, items in enumerate((LEGEND[:2], LEGEND[2:])):  # the bars' legend, then the lines'
        lx, ly = left, height - 30 + 18 * row
        for name, words, kind in items:
            out.append(_legend_item(kind, COLOURS[name], lx, ly))
            out.append(f'<text x="{lx + 20}" y="{ly}" font-size="11" fill="#222222">{words}</text>')
            lx += 20 + 6.5 * len(words) + 16
    out.append("</svg>")
    return "\n".join(out)


BLOCKS = " ▁▂▃▄▅▆▇█"


def text_bars(values: Sequence[int], top: int, height: int) -> list[str]:
    """A bar chart in block characters, one column per value, `height` rows, top row first.

    All series drawn on one screen share `top`, so their bars compare. A value above 0 always shows at
    least a sliver; 0 shows nothing.
    """
    top = max(top, 1)
    rows = []
    for r in range(height - 1, -1, -1):  # r: rows below this one
        line = []
        for v in values:
            eighths = round(v / top * height * 8)
            if v > 0:
                eighths = max(eighths, 1)
            fill = min(max(eighths - r * 8, 0), 8)
            line.append(BLOCKS[fill])
        rows.append("".join(line))
    return rows


def in_words(points: Sequence[Point]) -> list[str]:
    """The chart's figures as sentences: the last point, then how each series moved since the first."""
    if not points:
        return ["No weeks to show."]
    first, last = points[0], points[-1]
    out = [f"On {label(last.day)}:",
           f"{last.open} open, {last.overdue} of them overdue",
           f"{last.done} done, awaiting verification",
           f"{last.verified} verified",
           f"{last.dropped} dropped"]
    if len(points) > 1:
        out += ["", f"Since {label(first.day)}:",
                f"open {first.open} -> {last.open}",
                f"overdue {first.overdue} -> {last.overdue}",
                f"done or verified {first.done + first.verified} -> {last.done + last.verified}"]
    return out
