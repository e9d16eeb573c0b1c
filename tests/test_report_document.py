"""The board report's document and its two renderers (issue 19): whatever text a block holds, the
Markdown and the HTML show it as text, never as markup; bold and the overdue flag come from the
block, not from characters in the text."""

from __future__ import annotations

from markdown_it import MarkdownIt

from hsp_tui.formats.document import Document, Span, bullets, para, section, strong, table
from hsp_tui.formats.report_html import to_html
from hsp_tui.formats.report_markdown import to_markdown
from test_report_html import Page

NASTY = "1. <b>x</b> | **y** [l](http://e) # \x1b[31m &amp;"
_MD = MarkdownIt("commonmark").enable("table")


def doc() -> Document:
    return Document(f"Plan {NASTY}", (para((strong("Plan:"), Span(f" {NASTY}"))),), (
        section("one", NASTY, para(NASTY), bullets([NASTY, "- not a sub-list"]),
                table(("No.", "Note"), [("1", NASTY), ("2", Span("OVERDUE (3 days)", flag="overdue"))], "rl")),))


def test_markdown_shows_every_text_literally_in_its_block():
    text = to_markdown(doc())
    tokens = _MD.parse(text)
    kinds = [t.type for t in tokens]
    assert "ordered_list_open" not in kinds and kinds.count("bullet_list_open") == 1
    inline = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
    assert not inline & {"html_inline", "link_open", "em_open"}
    # bold: the "Plan:" span, and only it
    assert sum(1 for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "strong_open") == 1
    cells = [t.content for t in tokens if t.type == "inline"]
    shown = "1. <b>x</b> | **y** [l](http://e) # \\x1b[31m &amp;"
    rendered = _MD.render(text)
    assert rendered.count(shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")) >= 4, rendered
    assert len(cells) >= 6 and "\x1b" not in text


def test_html_shows_every_text_literally_and_flags_by_class():
    page = to_html(doc())
    tags = Page(page).tags
    assert not {t for t, _a in tags} & {"b", "a", "script", "ol"}
    assert sum(1 for t, _a in tags if t == "strong") == 1
    assert '<span class="overdue">OVERDUE (3 days)</span>' in page
    text = "".join(Page(page).text)
    assert text.count("1. <b>x</b> | **y** [l](http://e) # \\x1b[31m &amp;") >= 4
    assert '<section id="one" class="section">' in page and "\x1b" not in page
