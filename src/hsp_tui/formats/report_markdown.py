"""The board report's document (`document`) written as Markdown (CommonMark with GFM tables).

Every piece of text is escaped here, whoever wrote it: control and bidi characters spelled out,
Markdown inline punctuation and table pipes backslash-escaped, `<`, `>` and entity-like `&` turned
into entities, newlines made spaces; so text can neither break a table nor become a link, an image,
a tag or a heading. Only the chart's Mermaid block (dates and counts, from `charts`) is written as is.
"""

from __future__ import annotations

import re

from hsp_tui.domain.textsafe import visible
from hsp_tui.formats import charts
from hsp_tui.formats.document import Block, Bullets, Chart, Document, Inline, Paragraph, Section, Table

# Characters that start Markdown (CommonMark/GFM) inline constructs or end a table cell.
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~#$])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What would make a line the start of a block of its own (a quote, a list item, a setext underline).
_BLOCK_START = re.compile(r"^([>+=-]|\d+[.)])")


def escape(text: str) -> str:
    """Text as literal Markdown on one line."""
    flat = visible(text).replace("\r", " ")
    flat = _MD_PUNCT.sub(r"\\\1", flat)
    flat = _ENTITY.sub("&amp;", flat)
    return flat.replace("<", "&lt;").replace(">", "&gt;")


def spans(text: Inline) -> str:
    out = []
    for s in text:
        words = escape(s.text)
        out.append(f"**{words}**" if s.strong and words else words)
    return "".join(out)


def line(text: Inline) -> str:
    """A line that starts a paragraph or a list item: never read as the start of another block."""
    out = spans(text)
    return _BLOCK_START.sub(r"\\\1", out)


def table(t: Table) -> list[str]:
    seps = ["---:" if t.right(k) else "---" for k in range(len(t.headers))]
    out = ["| " + " | ".join(spans(h) for h in t.headers) + " |", "| " + " | ".join(seps) + " |"]
    out += ["| " + " | ".join(spans(c) for c in row) + " |" for row in t.rows]
    return out


def block(b: Block) -> list[str]:
    """The lines of one block, each block followed by a blank line."""
    if isinstance(b, Section):
        out = [f"{'#' * b.level} {spans(b.title)}", ""]
        for inner in b.blocks:
            out += block(inner)
        return out
    if isinstance(b, Paragraph):
        lines = [line(x) for x in b.lines]
        return [*(x + "  " for x in lines[:-1]), *lines[-1:], ""]  # two spaces: a line break
    if isinstance(b, Bullets):
        return [f"- {line(x)}" for x in b.items] + [""]
    if isinstance(b, Table):
        return table(b) + [""]
    if isinstance(b, Chart):
        return charts.mermaid(b.points) + [""]
    raise TypeError(f"not a block of the report: {b!r}")


def to_markdown(doc: Document) -> str:
    out = [f"# {escape(doc.title)}", ""]
    for b in (*doc.head, *doc.sections):
        out += block(b)
    return "\n".join(out)
