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
# series also differs in shape (bars, solid line, dashed line), so none depends on colour alone.
COLOURS = {"done": "#1d6b3a", "open": "#1f4e9c", "overdue": "#b3261e"}


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


def mermaid(points: Sequence[Point]) -> list[str]:
    """A Mermaid xychart-beta: bars for done or verified, a line for open, a line for overdue."""
    top = max((max(p.open, p.done + p.verified, p.overdue) for p in points), default=0)
    xs = ", ".join(f'"{short_label(p.day)}"' for p in points)
    return [
        "```mermaid",
        "xychart-beta",
        '    title "Items open (first line), overdue (second line) and done or verified (bars)"',
        f"    x-axis [{xs}]",
        f'    y-axis "Items" 0 --> {max(top, 1)}',
        f"    bar [{', '.join(str(p.done + p.verified) for p in points)}]",
        f"    line [{', '.join(str(p.open) for p in points)}]",
        f"    line [{', '.join(str(p.overdue) for p in points)}]",
        "```",
    ]


def svg(points: Sequence[Point], *, width: int = 680, height: int = 300) -> str:
    """An inline SVG chart, with a title and description for screen readers and a legend in words."""
    left, right, top_pad, bottom = 44, 12, 16, 78
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    n = max(len(points), 1)
    top = max((max(p.open, p.done + p.verified, p.overdue) for p in points), default=0)
    top = max(top, 1)
    slot = plot_w / n

    def x(k: int) -> float:
        return left + slot * (k + 0.5)

    def y(v: int) -> float:
        return top_pad + plot_h * (1 - v / top)

    last = points[-1] if points else None
    desc = (f"Weekly position from {label(points[0].day)} to {label(last.day)}; at the end "
            f"{last.open} open, {last.overdue} overdue, {last.done + last.verified} done or verified."
            if last else "No weeks to show.")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" '
           f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
           '<title id="chart-title">Progress over time</title>',
           f'<desc id="chart-desc">{desc}</desc>',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    ticks = sorted({0, top, top // 2})
    for t in ticks:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#767676" '
                   'stroke-width="0.5"/>')
        out.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" font-size="11" fill="#222222">{t}</text>')
    bar_w = max(slot * 0.6, 1)
    for k, p in enumerate(points):
        v = p.done + p.verified
        if v:
            out.append(f'<rect x="{x(k) - bar_w / 2:.1f}" y="{y(v):.1f}" width="{bar_w:.1f}" '
                       f'height="{y(0) - y(v):.1f}" fill="{COLOURS["done"]}"/>')
    every = max(1, -(-n // 7))  # at most about 8 date labels under the axis
    labelled = {k for k in range(0, n, every) if n - 1 - k >= every / 2 or k == n - 1} | {n - 1}
    for k, p in enumerate(points):
        if k in labelled:
            out.append(f'<text x="{x(k):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="10" '
                       f'fill="#222222">{short_label(p.day)}</text>')
    for name, dash in (("open", ""), ("overdue", ' stroke-dasharray="6 3"')):
        pts = " ".join(f"{x(k):.1f},{y(getattr(p, name)):.1f}" for k, p in enumerate(points))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{COLOURS[name]}" stroke-width="2.5"{dash}/>')
    ly = height - 22
    legend = (("done", "Done or verified (bars)", "bar"), ("open", "Open (solid line)", "line"),
              ("overdue", "Overdue (dashed line)", "dash"))
    lx = left
    for name, words, kind in legend:
        if kind == "bar":
            out.append(f'<rect x="{lx}" y="{ly - 9}" width="14" height="10" fill="{COLOURS[name]}"/>')
        else:
            dash = ' stroke-dasharray="6 3"' if kind == "dash" else ""
            out.append(f'<line x1="{lx}" x2="{lx + 14}" y1="{ly - 4}" y2="{ly - 4}" stroke="{COLOURS[name]}" '
                       f'stroke-width="2.5"{dash}/>')
        out.append(f'<text x="{lx + 20}" y="{ly}" font-size="12" fill="#222222">{words}</text>')
        lx += 20 + 8 * len(words)
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
