"""The board report's progress charts (issue 23): the HTML report's SVG separates done from verified
and keeps every series apart without colour (a greyscale render checks it too); the Markdown
report's Mermaid chart has at most eight labelled columns, months for a long plan, four series and a
key in words. The Mermaid chart is also drawn by Mermaid itself in headless chromium where its
script is installed (.ci/run: npm's mermaid)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest

from hsp_tui.domain.progress import Point
from hsp_tui.domain.review import review
from hsp_tui.formats import charts
from hsp_tui.formats.report import render_markdown
from printkit import CHROMIUM, png_grey, screenshot

SVG = "{http://www.w3.org/2000/svg}"


def history(weeks: int, start: date = date(2010, 3, 16)) -> list[Point]:
    """A plan of 12 items over `weeks` weeks: items done one by one, verified later, some overdue."""
    out = []
    for k in range(weeks + 1):
        done_or_verified = min(12, k // 3)
        verified = min(done_or_verified, max(0, k // 3 - 4))
        open_ = 12 - done_or_verified
        out.append(Point(start + timedelta(weeks=k), open_, done_or_verified - verified, verified, 0,
                         min(open_, k // 4)))
    return out


# -- the SVG chart (HTML report) -----------------------------------------------------------------
def chart(points: list[Point]) -> ET.Element:
    return ET.fromstring(charts.svg(points))


def floats(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text)]


def test_the_bars_stack_verified_and_done_apart_and_each_series_is_drawn_differently():
    points = history(20)
    last = points[-1]
    assert last.done and last.verified
    root = chart(points)
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("fill") in (charts.COLOURS["verified"], "url(#chart-hatch)")
             and float(r.get("width")) < 50]
    right = max(float(r.get("x")) for r in rects)
    at_end = {r.get("fill"): float(r.get("height")) for r in rects if float(r.get("x")) == right}
    # The last column: a solid verified bar and a hatched done bar on it, each as tall as its count.
    assert set(at_end) == {charts.COLOURS["verified"], "url(#chart-hatch)"}
    assert at_end[charts.COLOURS["verified"]] / at_end["url(#chart-hatch)"] == pytest.approx(last.verified / last.done,
                                                                                            rel=0.02)
    pattern = root.find(f"{SVG}defs/{SVG}pattern")
    assert pattern is not None and pattern.get("id") == "chart-hatch"
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    styles = {(ln.get("stroke-dasharray"), ln.get("stroke-width")) for ln in lines}
    assert len(styles) == 2 and {d for d, _w in styles} == {None, "6 3"}  # one solid, one dashed
    # The lines have their own panel above the bars: no line runs over a bar.
    lowest_line = max(y for ln in lines for y in floats(ln.get("points"))[1::2])
    assert lowest_line < min(float(r.get("y")) for r in rects)
    words = [t.text for t in root.iter(f"{SVG}text")]
    for legend in ("Verified (solid bars)", "Done, awaiting verification (hatched bars)", "Open (solid line)",
                   "Overdue (dashed line)", f"Open {last.open}", f"Overdue {last.overdue}"):
        assert legend in words, legend


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_printed_in_greyscale_the_bars_and_the_lines_still_differ(tmp_path):
    # The chart as chromium draws it through a greyscale filter: verified bars solid dark, done bars
    # striped (light and dark), the open line unbroken, the overdue line broken by its dashes.
    points = history(20)
    markup = charts.svg(points)
    page = tmp_path / "grey.html"
    page.write_text(f'<!DOCTYPE html><html><body style="margin:0; filter: grayscale(1)">{markup}</body></html>',
                    encoding="utf-8")
    screenshot(page, tmp_path / "grey.png", 680, 360)
    grey = png_grey((tmp_path / "grey.png").read_bytes())
    root = ET.fromstring(markup)

    def inside(fill: str) -> list[int]:
        r = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == fill][-1]  # the last column's
        x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
        return [grey[j][i] for j in range(int(y) + 2, int(y + h) - 1) for i in range(int(x) + 2, int(x + w) - 1)]

    def along(line: ET.Element) -> float:
        """The share of dark pixels along a polyline's flat runs (a run is where no other line is)."""
        xy = floats(line.get("points"))
        pts = list(zip(xy[0::2], xy[1::2]))
        dark = total = 0
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            if y0 == y1:
                for i in range(int(x0) + 1, int(x1)):
                    dark += min(grey[round(y0) + d][i] for d in (-1, 0, 1)) < 160
                    total += 1
        return dark / total

    verified, done = inside(charts.COLOURS["verified"]), inside("url(#chart-hatch)")
    assert max(verified) - min(verified) < 20 and sum(verified) / len(verified) < 120  # solid, dark
    assert min(done) < 150 and max(done) > 220  # stripes of ink and paper
    open_line, overdue_line = root.iter(f"{SVG}polyline")
    assert along(open_line) > 0.95
    assert 0.3 < along(overdue_line) < 0.85


# -- the Mermaid chart (Markdown report) ---------------------------------------------------------
def block(markdown: str) -> tuple[list[str], str]:
    """The Mermaid block's lines and the paragraph after it."""
    lines = markdown.split("\n")
    start = lines.index("```mermaid")
    end = lines.index("```", start + 1)
    after = next(x for x in lines[end + 1:] if x.strip())
    return lines[start + 1:end], after


def axis_labels(lines: list[str]) -> list[str]:
    [axis] = [x for x in lines if x.strip().startswith("x-axis")]
    return json.loads(axis.split("x-axis", 1)[1])


def series(lines: list[str], kind: str) -> list[list[int]]:
    return [json.loads(x.split(kind, 1)[1]) for x in lines if x.strip().startswith(kind + " ")]


@pytest.mark.parametrize("as_of", [date(2011, 3, 1), date(2013, 3, 1), date(2019, 12, 31)])
def test_a_long_plans_mermaid_chart_labels_at_most_eight_months(store, as_of):
    lines, key = block(render_markdown(review(store.load(), as_of), exported_at="2010-06-01T09:00:00+01:00"))
    labels = axis_labels(lines)
    assert 2 <= len(labels) <= charts.MERMAID_COLUMNS, labels
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", x) for x in labels), labels  # months, not weeks
    assert labels[-1] == f"{as_of:%b %Y}"  # the last column is the review date's
    bars, lines_ = series(lines, "bar"), series(lines, "line")
    assert len(bars) == 2 and len(lines_) == 2 and all(len(s) == len(labels) for s in bars + lines_)
    assert all(v >= w for v, w in zip(*bars))  # done or verified, then verified drawn over it
    assert all(o >= d for o, d in zip(*lines_))  # open, then overdue: the lower line
    palette = next(x for x in lines if "plotColorPalette" in x)
    assert len(set(re.findall(r"#[0-9a-f]{6}", palette))) == 4
    assert key.startswith("**Key to the chart:**")
    for words in ("verified", "done, awaiting verification", "upper (blue) line: open", "lower (orange) line: overdue"):
        assert words in key, words


def test_a_short_plans_mermaid_chart_shows_each_week():
    points = history(5)
    lines = charts.mermaid(points)
    labels = axis_labels(lines)
    assert labels == [charts.short_label(p.day) for p in points]
    assert "on the day under it" in lines[-1]


def test_a_long_history_keeps_the_review_dates_month_and_steps_back_from_it():
    points = history(150)  # almost three years of weeks
    columns, words = charts.mermaid_columns(points)
    assert len(columns) <= charts.MERMAID_COLUMNS
    assert columns[-1][1] == points[-1]
    assert re.match(r"One column every \d+ months", words)


# -- drawn by Mermaid ----------------------------------------------------------------------------
def mermaid_script() -> Path | None:
    npm = shutil.which("npm")
    if npm is None:
        return None
    root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True).stdout.strip()
    script = Path(root) / "mermaid" / "dist" / "mermaid.min.js"
    return script if root and script.exists() else None


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None or mermaid_script() is None,
                    reason="chromium and npm's mermaid are not installed (.ci/run installs them)")
def test_mermaid_draws_the_chart_with_its_labels_apart_and_four_series_in_four_colours(store, tmp_path):
    lines, _key = block(render_markdown(review(store.load(), date(2013, 3, 1)), exported_at="2010-06-01T09:00:00+01:00"))
    shutil.copy(mermaid_script(), tmp_path / "mermaid.min.js")
    page = tmp_path / "draw.html"
    page.write_text(
        '<!DOCTYPE html><html><body><div id="out"></div><script src="mermaid.min.js"></script><script>'
        "mermaid.initialize({startOnLoad: false});"
        f"mermaid.render('chart', {json.dumps(chr(10).join(lines))})"
        ".then(r => { document.getElementById('out').innerHTML = r.svg; })"
        ".catch(e => { document.getElementById('out').textContent = 'FAILED ' + e; });"
        "</script></body></html>", encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                              "--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom",
                              page.as_uri()], capture_output=True, text=True, timeout=180).stdout
    drawn = dom.split('<div id="out">', 1)[1].split("</div>", 1)[0]
    assert drawn.startswith("<svg"), drawn[:2000]
    axis = re.search(r'class="bottom-axis".*?class="label">(.*?)</g>', dom, re.S).group(1)
    xs = [float(x) for x in re.findall(r"translate\(([\d.]+), [\d.]+\) rotate\(0\)", axis)]
    labels = re.findall(r">([^<]+)</text>", axis)
    assert labels == axis_labels(lines) and len(xs) == len(labels) <= charts.MERMAID_COLUMNS
    # Upright labels at least a label's width apart (14px type, "Mar 2013"): none overlaps.
    assert min(b - a for a, b in zip(xs, xs[1:])) > 8 * 14 * 0.55
    colours = [re.search(rf'class="{kind}-plot-{k}".*?(?:fill|stroke)="(#[0-9a-f]{{6}})"', dom, re.S).group(1)
               for kind, k in (("bar", 0), ("bar", 1), ("line", 2), ("line", 3))]
    assert colours == list(charts.MERMAID_PALETTE)


def test_the_svg_charts_date_labels_never_overlap_and_the_first_and_last_are_shown():
    """A review date a few days after the last full week (31 May after 25 May) has a column of its
    own: its label and the one before it were drawn over each other ("25 May 1031 May 10")."""
    for weeks in range(0, charts.CHART_POINTS):
        points = history(weeks)
        last = points[-1]
        points.append(Point(last.day + timedelta(days=6), last.open, last.done, last.verified, last.dropped,
                            last.overdue))
        root = chart(points)
        axis = sorted((float(t.get("x")), t.text) for t in root.iter(f"{SVG}text")
                      if t.get("font-size") == "10" and t.get("text-anchor") == "middle")
        assert axis[0][1] == charts.short_label(points[0].day) and axis[-1][1] == charts.short_label(points[-1].day)
        gaps = [b[0] - a[0] for a, b in zip(axis, axis[1:])]
        # "25 May 10" in DejaVu Sans at 10px is ~53 px wide: centres at least that far apart never overlap
        assert min(gaps, default=99) >= 54, (weeks + 2, axis)
