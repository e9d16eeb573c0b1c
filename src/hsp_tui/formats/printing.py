"""What the HTML board report needs to print well on A4, beyond its stylesheet (report.css).

- `page_boxes`: the page's own header and footer (the plan's title, "as it stood on <date>",
  "Page N of M"), as CSS @page margin boxes. They hold text from the plan, so they are written per
  report; every character but letters, digits and spaces is a CSS escape, so no title can end the
  string, the rule or the <style> element.
- `breakable`: where a long e-mail address or dotted user name may break at the end of a line:
  before a '.' and after an '@' (a <wbr>), and nowhere else (not after a hyphen); the stylesheet forbids breaking inside
  any word, so without these a long address would widen its column past the page.
Pure code: the review date is passed in.
"""

from __future__ import annotations

import re
from datetime import date

from hsp_tui.domain.textsafe import one_line
from hsp_tui.formats.formatting import long_date

# The header's title is cut to this many characters (a longer one would run into the margin).
TITLE_LIMIT = 90

_SAFE = re.compile(r"[A-Za-z0-9 ]")


def css_string(text: str) -> str:
    """`text` as a CSS string literal, every character but letters, digits and spaces escaped (each
    escape ends with the one space CSS reads as its end, so a space after it stays)."""
    return '"' + "".join(c if _SAFE.fullmatch(c) else f"\\{ord(c):x} " for c in text) + '"'


def header_words(title: str, as_of: date) -> str:
    """The printed page's header: '<title>, as it stood on 1 March 2011'."""
    return f"{one_line(title, TITLE_LIMIT)}, as it stood on {long_date(as_of)}"


def page_boxes(title: str, as_of: date) -> str:
    """The @page rule with the page's own header and footer (Chromium 131 and later draw them)."""
    return ("@page {\n"
            f"  @top-left {{ content: {css_string(header_words(title, as_of))}; }}\n"
            '  @bottom-right { content: "Page " counter(page) " of " counter(pages); }\n'
            "}\n")


# An e-mail address or a dotted name (ace.officer, jsna.steering.group) in already-escaped HTML
# text: word characters joined by '.' or '@'. Entities (&amp;) and tags end a match at '&', ';', '<'.
# A match starts only where a word does and never gives back what a run took (possessive `++`): the
# plain pattern retried every start inside a long word without a dot, each to its end (a 9,000-character
# owner took 3.5 s); the matches are the same.
_DOTTED = re.compile(r"(?<![\w+-])[\w+-]++(?:[.@][\w+-]++)+")
_BREAK = re.compile(r"(?=\.)|(?<=@)")


def breakable(escaped_html: str) -> str:
    """`escaped_html` with a <wbr> before each '.' and after each '@' inside addresses and dotted
    names that contain a letter (not in numbers such as 3.2). A piece with a hyphen is kept whole
    (class "unbroken"): a browser would otherwise break after the hyphen, which reads as if the
    hyphen were not part of the address."""

    def mark(m: re.Match[str]) -> str:
        token = m.group()
        if not re.search(r"[A-Za-z]", token):
            return token
        pieces = _BREAK.split(token)
        return "<wbr>".join(f'<span class="unbroken">{p}</span>' if "-" in p else p for p in pieces)

    return _DOTTED.sub(mark, escaped_html)
