"""The board report as one self-contained HTML page (`hsp-tui export --format html`).

The page is the report's document (`report.build_report`, the same one the Markdown report is
written from) written as HTML, with the progress chart drawn as inline SVG. Every piece of text is
escaped here, whoever wrote it (`html.escape`, control characters spelled out), so no text from the
plan can become a tag, a link or a script.

The page's structure, which the stylesheet targets: `<main>` holds the `<h1>`, the lines under it,
then one `<section id="..." class="section ...">` per section of the report (the id is the section's,
e.g. "overdue"; an appendix also has the class "appendix"), each starting with its `<h2>` (a part
of one, `<h3>`, in a nested section). Tables have a `<thead>` of `<th scope="col">`; each row's
first cell is a `<th scope="row">`; figures' columns have the class "num"; an overdue flag is a
`<span class="overdue">`; the chart is a `<figure>` with an `<svg class="chart">` and a caption.

No external asset, no script: one stylesheet inline (screen and A4 print), and a Content Security
Policy that forbids loading anything, so a browser opening the file fetches nothing.
Pure code: the review date and the export time are passed in.
"""

from __future__ import annotations

import html
from importlib import resources

from hsp_tui.domain.review import Review
from hsp_tui.domain.textsafe import visible
from hsp_tui.formats import charts
from hsp_tui.formats.printing import breakable, page_boxes
from hsp_tui.formats.document import Block, Bullets, Chart, Document, Inline, Paragraph, Section, Table
from hsp_tui.formats.report import build_report

# Every colour pair the stylesheet uses (text, background), each with at least 4.5:1 contrast
# (WCAG AA for body text); tests/test_report_html.py checks them and that no other colour is used.
TEXT_COLOURS = (("#1a1a1a", "#ffffff"), ("#1a1a1a", "#eef1f5"), ("#8a1c14", "#ffffff"), ("#0b3d6e", "#ffffff"))
BORDER = "#767676"

# The stylesheet lives in its own file (shipped as package data) and is embedded in the page.
CSS = resources.files("hsp_tui.formats").joinpath("report.css").read_text(encoding="utf-8")

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def text(s: str) -> str:
    """Text as HTML: control characters spelled out, every markup character escaped."""
    return html.escape(visible(s).replace("\r", " "), quote=True)


def spans(t: Inline) -> str:
    out = []
    for s in t:
        words = breakable(text(s.text))  # an address may break at a dot or '@' only
        if s.flag:
            words = f'<span class="{s.flag}">{words}</span>'
        out.append(f"<strong>{words}</strong>" if s.strong else words)
    return "".join(out)


def table(t: Table) -> list[str]:
    cls = lambda k: ' class="num"' if t.right(k) else ""  # noqa: E731
    out = ["<table>", "<thead><tr>" + "".join(f'<th scope="col"{cls(k)}>{spans(h)}</th>'
                                             for k, h in enumerate(t.headers)) + "</tr></thead><tbody>"]
    for row in t.rows:
        # The first column names the row (an item number, a status, an owner, a week).
        cells = [f'<th scope="row"{cls(k)}>{spans(c)}</th>' if k == 0 else f"<td{cls(k)}>{spans(c)}</td>"
                 for k, c in enumerate(row)]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return out


def block(b: Block) -> list[str]:
    if isinstance(b, Section):
        classes = "section appendix" if b.appendix else "section"
        out = [f'<section id="{text(b.id)}" class="{classes}">', f"<h{b.level}>{spans(b.title)}</h{b.level}>"]
        for inner in b.blocks:
            out += block(inner)
        return out + ["</section>"]
    if isinstance(b, Paragraph):
        return ["<p>" + "<br>\n".join(spans(x) for x in b.lines) + "</p>"]
    if isinstance(b, Bullets):
        return ["<ul>" + "".join(f"<li>{spans(x)}</li>" for x in b.items) + "</ul>"]
    if isinstance(b, Table):
        return table(b)
    if isinstance(b, Chart):
        caption = f"<figcaption>{text(b.caption)}</figcaption>" if b.caption else ""
        return ["<figure>", charts.svg(b.points), *([caption] if caption else []), "</figure>"]
    raise TypeError(f"not a block of the report: {b!r}")


def to_html(doc: Document, *, page_css: str = "") -> str:
    """`page_css`: rules for this page only (the printed page's header and footer, printing.page_boxes)."""
    title = text(doc.title)
    body = [f"<h1>{title}</h1>"]
    for b in (*doc.head, *doc.sections):
        body += block(b)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{CSS}{page_css}</style>",
        "</head>",
        "<body>",
        "<main>",
        *body,
        "</main>",
        "</body>",
        "</html>",
        "",
    ])


def render_html(review: Review, *, exported_at: str, **options) -> str:
    """`options`: those of `report.build_report` (since=, names_typed=, escalate_after=)."""
    return to_html(build_report(review, exported_at=exported_at, **options),
                   page_css=page_boxes(review.plan.meta.title, review.as_of))
