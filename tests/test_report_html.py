"""The HTML board report: one self-contained page, accessible, printed to A4 by a real browser.

The browser tests print with chromium headless and read the PDF back with pdftotext (tests/printkit.py).
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hsp_tui.formats import charts
from hsp_tui.formats.report_html import BORDER, TEXT_COLOURS, render_html
from hsp_tui.domain.review import review
from printkit import needs_browser, print_to_pdf

AS_OF = date(2010, 9, 1)
EXPORTED = "2010-09-01T10:00:00+01:00"


class Page(HTMLParser):
    """What a checker needs from the page: tags with attributes, headings in order, the text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.text: list[str] = []
        self.style = ""
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style += data
        else:
            self.text.append(data)


def luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[k:k + 2], 16) / 255 for k in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture
def report(store) -> str:
    store.set_status(1, "done", by="officer")
    store.revise(3, "December 2010", reason="waiting for the board", by="officer")
    return render_html(review(store.load(), AS_OF), exported_at=EXPORTED)


def test_the_page_is_self_contained_and_loads_nothing(report):
    page = Page(report)
    names = {t for t, _a in page.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "base"}
    assert not any(k in ("src", "href") or k.startswith("on") for _t, a in page.tags for k in a)
    assert "url(" not in page.style and "@import" not in page.style
    csp = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]
    assert names >= {"svg", "table", "h1", "h2"}


def test_the_page_has_a_language_headings_in_order_and_table_headers_with_scope(report):
    page = Page(report)
    html_tag = next(a for t, a in page.tags if t == "html")
    assert html_tag.get("lang") == "en"
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(page.headings, page.headings[1:])), page.headings
    ths = [a for t, a in page.tags if t == "th"]
    assert ths and all(a.get("scope") in ("col", "row") for a in ths)
    svg = next(a for t, a in page.tags if t == "svg")
    assert svg.get("role") == "img" and svg.get("aria-labelledby")
    assert re.search(r"<title>Partnership working in Haringey: progress on the action plan</title>", report)


def test_the_report_sections_and_the_figures_are_all_there(report, store):
    text = " ".join(" ".join(Page(report).text).split())
    for section in ("Summary", "Progress over time", "Overdue", "Due in the next 14 days", "Revised deadlines",
                    "By owner", "Recommendations by owner", "Notes"):
        assert section in text
    assert "OVERDUE (124 days)" in text  # item 2, due 30 April 2010
    assert "waiting for the board" in text
    assert "Done, awaiting verification" in text and "Week of" in text
    assert "16 Mar 2010 12 0 0 0 0" in text  # the first week: 12 open, nothing overdue yet


def test_every_colour_used_has_enough_contrast():
    for fg, bg in TEXT_COLOURS:
        assert contrast(fg, bg) >= 4.5, (fg, bg)
    for colour in charts.COLOURS.values():  # chart lines and bars: graphics, 3:1 against the white chart
        assert contrast(colour, "#ffffff") >= 3.0, colour
    assert contrast(BORDER, "#ffffff") >= 3.0


def test_the_stylesheet_uses_no_colour_that_was_not_checked(report):
    page = Page(report)
    declared = {c for pair in TEXT_COLOURS for c in pair} | {BORDER}
    used = set(re.findall(r"#[0-9a-fA-F]{6}\b", page.style))
    assert used <= declared, used - declared
    svg_colours = set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{6})"', report))
    assert svg_colours <= set(charts.COLOURS.values()) | {"#ffffff", "#222222", "#767676"}
    assert contrast("#222222", "#ffffff") >= 4.5


# -- in a real browser ---------------------------------------------------------------------------
def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


@pytest.mark.slow
@needs_browser
def test_an_officer_exports_the_report_and_the_browser_prints_it_on_a4(cli, plan_path, tmp_path):
    env = {"HSP_TUI_DB": str(plan_path)}
    assert cli("--as-of", "2010-09-01", "set", "1", "done", env=env).code == 0
    r = cli("--as-of", "2010-09-01", "export", "--format", "html", "-o", "board.html", env=env)
    assert r.code == 0, r.err
    html_path, pdf = tmp_path / "board.html", tmp_path / "board.pdf"
    console = print_to_pdf(html_path, pdf)
    assert console == []
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    text = pdf_text(pdf)
    # The overdue items as at 1 September 2010, with their days overdue.
    overdue = review_overdue(plan_path)
    assert overdue and "1" not in {str(n) for n, _t, _d in overdue}  # item 1 is done
    for number, title, days in overdue:
        assert " ".join(title.split()[:3]) in text, title
        assert f"OVERDUE ({days} day" in text
    assert "Progress over time" in text and "Overdue (dashed line)" in text


def review_overdue(plan_path: Path) -> list[tuple[int, str, int]]:
    from hsp_tui.storage.store import Store

    rv = review(Store(plan_path).load(), AS_OF)
    return [(i.number, i.rec.title, i.days_overdue) for i in rv.overdue]


@pytest.mark.slow
@needs_browser
def test_the_console_check_sees_errors_and_blocked_loads(report, tmp_path):
    # The same check that passes above fails for a page with a script error or an external image:
    # it is not a check that cannot fail. (The page's own policy refuses the image and says so.)
    bad = report.replace("</main>", '<img alt="x" src="https://example.invalid/x.png"></main>')
    (tmp_path / "img.html").write_text(bad, encoding="utf-8")
    assert print_to_pdf(tmp_path / "img.html", tmp_path / "img.pdf")
    (tmp_path / "js.html").write_text("<!DOCTYPE html><html lang=en><title>t</title><script>nosuch()</script>",
                                      encoding="utf-8")
    assert print_to_pdf(tmp_path / "js.html", tmp_path / "js.pdf")


def test_a_note_with_tags_and_markdown_shows_literally_and_injects_nothing(store):
    note = "ok <script>x()</script> <img src=x onerror=y()> **not bold** [link](http://x) &amp; | pipe \\ back"
    store.add_note(2, note, by="mallory")
    out = render_html(review(store.load(), AS_OF), exported_at=EXPORTED)
    page = Page(out)
    assert not {t for t, _a in page.tags} & {"script", "img", "a"}
    text = "".join(page.text)
    assert note in text  # every character as typed, after the browser decodes the entities
    assert text.count("not bold") == 1 and "<strong>not bold" not in out
