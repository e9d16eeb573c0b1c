"""The HTML board report printed on A4 by a real browser (chromium headless), read back from the PDF:
no word cut across lines, the page's own header and footer, headings kept with what follows, and a
long table's header repeated on each page (issue 23)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from hsp_tui.domain.review import review
from hsp_tui.formats.printing import breakable, css_string, page_boxes
from hsp_tui.formats.report_html import render_html
from hsp_tui.storage.store import Store
from printkit import (headings, needs_browser, page_body_lines, page_size, pdf_pages, print_to_pdf, printed_words,
                      word_heights, words_split)

AS_OF = date(2011, 3, 1)
TODAY = "2011-03-01T09:00:00+00:00"
HEADER = "Partnership working in Haringey, as it stood on 1 March 2011"
PAGE_WORDS = "Page of " + " ".join(str(n) for n in range(1, 40))  # the footer's words
# A reference, a number and a ref in an item table's row ("12 5.3"), as pdftotext lays it out.
ITEM_ROW = re.compile(r"(?:^|\s)\d{1,2}\s+\d\.\d{1,2}(?:\s|$)")


def long_names_plan(path: Path, seed_data: dict, title: str | None = None) -> Store:
    """The seed plan with long owner names, e-mail addresses and dotted user names in narrow columns."""
    if title is not None:
        seed_data["meta"]["1"]["plan"]["title"] = title
    store = Store(path, clock=lambda: TODAY)
    store.create(seed_data)
    on = date(2010, 9, 1)
    store.set_owner(2, "Assistant Chief Executive (Strategy and Business Intelligence), Haringey Council",
                    by="ace.officer@haringey.gov.uk", on=on)
    store.set_owner(7, "JSNA steering group c/o jsna.steering.group.secretariat@haringey-tpct.nhs.uk",
                    by="ace.officer", on=on)
    store.revise(3, "December 2010", reason="rescheduled: waiting for the board's engagement strategy",
                 by="ace.officer@haringey.gov.uk", on=on)
    store.add_note(4, "Discussed with interim.deputy.chief.executive@haringey.gov.uk; rescheduled",
                   by="ace.officer", on=on)
    store.set_status(1, "done", by="ace.officer", on=on)
    store.record_reminder(8, ("interim.deputy.chief.executive@haringey.gov.uk",), "Interim Deputy Chief Executive",
                          by="ace.officer", on=on)
    return store


def printed(tmp_path: Path, page: str, name: str = "board", **options) -> tuple[Path, list[str]]:
    html_path, pdf = tmp_path / f"{name}.html", tmp_path / f"{name}.pdf"
    html_path.write_text(page, encoding="utf-8")
    assert print_to_pdf(html_path, pdf, **options) == []
    assert "(A4)" in page_size(pdf)
    return pdf, pdf_pages(pdf)


def assert_prints_well(page: str, pdf: Path, pages: list[str], header: str = HEADER) -> None:
    assert words_split(page, pdf, extra=f"{PAGE_WORDS} {header}") == []
    # Every table fits the page's width: a page too wide for A4 is printed shrunk to fit, which
    # would make the body's type smaller beside the margin's header (8pt; an h2 is 1.3 x 9.5pt).
    heights = word_heights(pdf)
    assert heights[0][0] == header.split()[0]
    assert dict(heights)["Summary"] / heights[0][1] == pytest.approx(1.3 * 9.5 / 8, rel=0.02)
    body = page_body_lines(pages)
    heads = set(headings(page))
    for number, lines in enumerate(body, 1):
        assert lines[-1] not in heads, f"page {number} ends with the heading {lines[-1]!r}"
        # A page that shows rows of an item table shows that table's header above them.
        rows = [k for k, line in enumerate(lines) if ITEM_ROW.search(line)]
        if rows:
            assert any("Ref" in line and "Recommendation" in line for line in lines[:rows[0]]), \
                f"page {number}: item rows without the table's header above them"


@pytest.mark.slow
@needs_browser
def test_the_seed_plans_report_prints_on_a4_with_no_word_cut_and_its_own_header_and_footer(cli, plan_path, tmp_path):
    env = {"HSP_TUI_DB": str(plan_path)}
    assert cli("--as-of", "2010-09-01", "set", "1", "done", env=env).code == 0
    assert cli("--as-of", "2011-03-01", "export", "--format", "html", "-o", "board.html", env=env).code == 0
    page = (tmp_path / "board.html").read_text(encoding="utf-8")
    # Printed as a person would from the browser, its own header and footer left on: the page's
    # margin boxes take their place, so there is no file path and no US-style date and time.
    pdf, pages = printed(tmp_path, page, browser_header_footer=True)
    assert_prints_well(page, pdf, pages)
    text = "\f".join(pages)
    assert "file://" not in text and str(tmp_path) not in text
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", text) and not re.search(r"\d:\d\d\s?[AP]M", text)
    # The board reads what is overdue first: its heading and its first items are on page 1.
    first = page_body_lines(pages)[0]
    assert "Overdue" in first and any(ITEM_ROW.search(x) for x in first[first.index("Overdue"):])
    for number, lines in enumerate(page_body_lines(pages), 1):
        assert lines[0] == HEADER, (number, lines[0])
        assert re.search(rf"\bPage {number} of {len(pages)}\s*$", pages[number - 1].rstrip()), number


@pytest.mark.slow
@needs_browser
def test_long_owner_names_and_addresses_print_whole_or_cut_only_at_a_dot_or_at(plan_path, seed_data, tmp_path):
    path = tmp_path / "long.json"
    page = render_html(review(long_names_plan(path, seed_data).load(), AS_OF), exported_at=TODAY)
    pdf, pages = printed(tmp_path, page)
    assert_prints_well(page, pdf, pages)
    words = printed_words(pdf)
    for word in ("Executive", "engagement", "rescheduled", "Intelligence),", "(Strategy"):
        assert word in words, word
    # An address is cut, if at all, before a dot or after its '@'; never after a hyphen in it.
    assert any("haringey-tpct" in w for w in words)


@pytest.mark.slow
@needs_browser
def test_the_check_sees_a_word_cut_across_lines(seed_data, tmp_path):
    # The old stylesheet's rule, which let a narrow column cut words anywhere: the same check fails.
    page = render_html(review(long_names_plan(tmp_path / "p.json", seed_data).load(), AS_OF), exported_at=TODAY)
    cut = page.replace("</style>", "th, td { overflow-wrap: anywhere; max-width: 4em; }</style>")
    pdf, _pages = printed(tmp_path, cut, "cut")
    assert words_split(cut, pdf, extra=f"{PAGE_WORDS} {HEADER}")


@pytest.mark.slow
@needs_browser
def test_a_title_with_quotes_and_markup_prints_literally_in_the_header(seed_data, tmp_path):
    title = 'Haringey "HSP" \\ review </style><script>x()</script>'
    page = render_html(review(long_names_plan(tmp_path / "p.json", seed_data, title).load(), AS_OF),
                       exported_at=TODAY)
    assert "<script>" not in page
    _pdf, pages = printed(tmp_path, page)
    assert page_body_lines(pages)[0][0] == f"{title}, as it stood on 1 March 2011"


def test_css_strings_and_breaks():
    assert css_string('a "b" \\ </style>') == '"a \\22 b\\22  \\5c  \\3c \\2f style\\3e "'
    assert "counter(page)" in page_boxes("T", AS_OF) and "counter(pages)" in page_boxes("T", AS_OF)
    assert breakable("by ace.officer@haringey.gov.uk, ref 3.2") == \
        "by ace<wbr>.officer@<wbr>haringey<wbr>.gov<wbr>.uk, ref 3.2"
    assert breakable("a &amp; b.c") == "a &amp; b<wbr>.c"
    assert breakable("x@haringey-tpct.nhs.uk") == 'x@<wbr><span class="unbroken">haringey-tpct</span><wbr>.nhs<wbr>.uk'
