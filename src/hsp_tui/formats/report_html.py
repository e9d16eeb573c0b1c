"""The board report as one self-contained HTML page (`hsp-tui export --format html`).

The page is the Markdown board report (`report.render_markdown`), section for section, turned into
HTML here, with the progress chart drawn as inline SVG in place of the Mermaid block. Only the small
Markdown dialect that report writes is read: headings, paragraphs (two trailing spaces: a line
break), `- ` bullets, GFM tables, `**bold**` and backslash escapes. The report has already made every
piece of user text inert (control characters spelled out, Markdown punctuation backslash-escaped,
`<`, `>` and entity-like `&` turned into entities), so each escaped character is written here as an
HTML-escaped literal, and no text from the plan can become a tag, a link or a script.

No external asset, no script: one stylesheet inline (screen and A4 print), and a Content Security
Policy that forbids loading anything, so a browser opening the file fetches nothing.
Pure code: the review date and the export time are passed in.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from typing import Iterator

from hsp_tui.formats import charts
from hsp_tui.domain.progress import progress
from hsp_tui.formats.report import render_markdown
from hsp_tui.domain.review import Review

# Every colour pair the stylesheet uses (text, background), each with at least 4.5:1 contrast
# (WCAG AA for body text); tests/test_report_html.py checks them and that no other colour is used.
TEXT_COLOURS = (("#1a1a1a", "#ffffff"), ("#1a1a1a", "#eef1f5"), ("#8a1c14", "#ffffff"), ("#0b3d6e", "#ffffff"))
BORDER = "#767676"

# The stylesheet lives in its own file (shipped as package data) and is embedded in the page.
CSS = resources.files("hsp_tui.formats").joinpath("report.css").read_text(encoding="utf-8")

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_INLINE = re.compile(r"\\(.)|\*\*|(&(?:amp|lt|gt);)|([&<>\"'])", re.S)


def inline(text: str) -> str:
    """One line of the report's Markdown as HTML: escapes become literal characters, ** toggles bold."""
    out: list[str] = []
    bold = False

    def sub(m: re.Match[str]) -> str:
        nonlocal bold
        if m.group(1) is not None:
            return html.escape(m.group(1))
        if m.group(2) is not None:  # an entity the report wrote for a character of the user's text
            return m.group(2)
        if m.group(3) is not None:
            return html.escape(m.group(3))
        bold = not bold
        return "<strong>" if bold else "</strong>"

    out.append(_INLINE.sub(sub, text))
    if bold:
        out.append("</strong>")
    return "".join(out)


def _cells(line: str) -> list[str]:
    """The cells of a GFM table row, split at pipes that are not escaped."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells, cur, k = [], [], 0
    while k < len(body):
        ch = body[k]
        if ch == "\\" and k + 1 < len(body):
            cur.append(body[k:k + 2])
            k += 2
            continue
        if ch == "|":
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        k += 1
    cells.append("".join(cur).strip())
    return cells


def _table(lines: list[str]) -> list[str]:
    headers = _cells(lines[0])
    right = [c.strip().endswith(":") for c in _cells(lines[1])]
    out = ["<table>"]
    cls = lambda k: ' class="num"' if k < len(right) and right[k] else ""  # noqa: E731
    out.append("<thead><tr>" + "".join(f'<th scope="col"{cls(k)}>{inline(h)}</th>'
                                       for k, h in enumerate(headers)) + "</tr></thead><tbody>")
    for row in lines[2:]:
        cells = _cells(row)
        tds = []
        for k, c in enumerate(cells):
            text = inline(c)
            if c.startswith("OVERDUE"):
                text = f'<span class="overdue">{text}</span>'
            # The first column names the row (an item number, a status, an owner, a week).
            tag = 'th scope="row"' if k == 0 else "td"
            tds.append(f"<{tag}{cls(k)}>{text}</{tag.split()[0]}>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return out


def _blocks(text: str) -> Iterator[tuple[str, list[str]]]:
    """The report's lines grouped into blocks: heading, table, list, code (the chart), paragraph."""
    lines = text.split("\n")
    k = 0
    while k < len(lines):
        line = lines[k]
        if not line.strip():
            k += 1
        elif line.startswith("```"):
            end = next((j for j in range(k + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            yield "code", lines[k:end + 1]
            k = end + 1
        elif line.startswith("#"):
            yield "heading", [line]
            k += 1
        else:
            kind = "table" if line.startswith("|") else "list" if line.startswith("- ") else "para"
            start = k
            while k < len(lines) and lines[k].strip() and not lines[k].startswith(("#", "```")):
                here = "table" if lines[k].startswith("|") else "list" if lines[k].startswith("- ") else "para"
                if here != kind:
                    break
                k += 1
            yield kind, lines[start:k]


def render_html(review: Review, *, exported_at: str, **options) -> str:
    """`options`: those of `render_markdown` (since=, names_typed=)."""
    source = render_markdown(review, exported_at=exported_at, **options)
    points, _step = charts.figures(progress(review.plan, review.as_of))
    body: list[str] = []
    title = "Board report"
    for kind, lines in _blocks(source):
        if kind == "heading":
            level = len(lines[0]) - len(lines[0].lstrip("#"))
            text = inline(lines[0][level:].strip())
            if level == 1:
                title = text
            body.append(f"<h{level}>{text}</h{level}>")
        elif kind == "code":
            body += ['<figure>', charts.svg(points),
                     '<figcaption>The same figures are in the table below.</figcaption>', '</figure>']
        elif kind == "table":
            body += _table(lines)
        elif kind == "list":
            body.append("<ul>" + "".join(f"<li>{inline(x[2:])}</li>" for x in lines) + "</ul>")
        else:
            body.append("<p>" + "<br>\n".join(inline(x.rstrip()) for x in lines) + "</p>")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        *body,
        "</main>",
        "</body>",
        "</html>",
        "",
    ])
