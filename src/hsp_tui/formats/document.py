"""The board report as a document: a tree of typed blocks, built once from the review (`report`) and
written out by two small renderers, `report_markdown` (Markdown) and `report_html` (one HTML page).

Text in the tree is data, never markup: plain strings, which each renderer escapes itself, whatever
they hold, so a title, a note or an owner can never become a tag, a link, a heading or a table cell
of its own. Bold and the overdue flag are properties of a span, not characters in its text. Text
from the plan reaches the tree through `plain`: control and bidi characters spelled out
(`textsafe.visible`), on one line, cut to a length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence, Union

from hsp_tui.domain.progress import Point
from hsp_tui.domain.textsafe import visible

NONE = "—"  # an empty cell, in words a reader sees


@dataclass(frozen=True)
class Span:
    """A run of text; `strong` is bold; `flag` names what the text flags ("overdue"), which HTML
    marks with a class of that name."""

    text: str
    strong: bool = False
    flag: str = ""


Inline = tuple[Span, ...]
# What the builders may pass where inline text goes: a string, a span, or spans in order.
Text = Union[str, Span, Sequence[Span]]


def inline(text: Text) -> Inline:
    if isinstance(text, str):
        return (Span(text),)
    if isinstance(text, Span):
        return (text,)
    return tuple(text)


def strong(text: str) -> Span:
    return Span(text, strong=True)


def plain(text: object, limit: int | None = None) -> str:
    """Text from the plan ready for the tree: control/bidi characters spelled out, newlines and runs of
    spaces made one space, cut to `limit` characters (an ellipsis marks the cut)."""
    flat = re.sub(r" {2,}", " ", visible("" if text is None else str(text))).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def cell(text: object, limit: int | None = None) -> str:
    """`plain`, or a dash for nothing."""
    return plain(text, limit) or NONE


@dataclass(frozen=True)
class Paragraph:
    """Lines of one paragraph, each ended by a line break but the last."""

    lines: tuple[Inline, ...]


@dataclass(frozen=True)
class Bullets:
    items: tuple[Inline, ...]


@dataclass(frozen=True)
class Table:
    """A table with one header row; the first column names each row (an item number, a status, an
    owner, a week). `align`: one letter a column, "r" for figures (right-aligned), "l" or nothing."""

    headers: tuple[Inline, ...]
    rows: tuple[tuple[Inline, ...], ...]
    align: str = ""

    def right(self, k: int) -> bool:
        return self.align[k:k + 1] == "r"


@dataclass(frozen=True)
class Chart:
    """The progress chart (Mermaid in Markdown, inline SVG in HTML); only dates and counts."""

    points: tuple[Point, ...]
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """A heading and what follows it; `id` names the section for the page (an HTML id and class,
    which the print stylesheet and the tests use); `appendix` marks the sections at the end."""

    id: str
    title: Inline
    blocks: tuple["Block", ...]
    level: int = 2
    appendix: bool = False


Block = Union[Paragraph, Bullets, Table, Chart, Section]


@dataclass(frozen=True)
class Document:
    """The report: its title (level-1 heading), the lines under it, then its sections in order."""

    title: str
    head: tuple[Block, ...]
    sections: tuple[Section, ...] = field(default=())

    def section_ids(self) -> list[str]:
        return [s.id for s in self.sections]


# -- builders -----------------------------------------------------------------------------------
def para(*lines: Text) -> Paragraph:
    return Paragraph(tuple(inline(x) for x in lines))


def bullets(items: Iterable[Text]) -> Bullets:
    return Bullets(tuple(inline(x) for x in items))


def table(headers: Sequence[Text], rows: Iterable[Sequence[Text]], align: str = "") -> Table:
    return Table(tuple(inline(h) for h in headers), tuple(tuple(inline(c) for c in r) for r in rows), align)


def section(id: str, title: Text, *blocks: Block | Iterable[Block], level: int = 2,
            appendix: bool = False) -> Section:
    """A section; `blocks` may be blocks or lists of them (flattened, in order)."""
    flat: list[Block] = []
    for b in blocks:
        if isinstance(b, (Paragraph, Bullets, Table, Chart, Section)):
            flat.append(b)
        else:
            flat.extend(b)
    return Section(id, inline(title), tuple(flat), level, appendix)
