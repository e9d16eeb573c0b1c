"""Printing a page with a real browser and reading the PDF back: Debian's chromium headless (installed
by .ci/run) prints, poppler-utils' pdftotext and pdfinfo read.

`words_split` is the check a reader makes of a printed table: every word on the page is a word of
the page's text, whole, or a piece of an address cut where the page allows it (before a '.', after
an '@'); a word cut anywhere else ("Executiv" / "e") is a piece that is in no text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(CHROMIUM is None or shutil.which("pdftotext") is None,
                                   reason="chromium and poppler-utils are not installed (.ci/run installs them)")


def print_to_pdf(html_path: Path, pdf_path: Path, *, browser_header_footer: bool = False) -> list[str]:
    """Load the page in headless chromium and print it; the console messages it logged.
    `browser_header_footer`: leave the browser's own header and footer on (date, file path), as a
    person printing from the browser with its default settings would."""
    flags = [] if browser_header_footer else ["--no-pdf-header-footer"]
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *flags,
             f"--print-to-pdf={pdf_path}", html_path.as_uri()],
            capture_output=True, text=True, errors="replace", timeout=180)
    assert pdf_path.exists(), proc.stderr[-2000:]
    return [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]


def pdf_pages(pdf: Path) -> list[str]:
    """Each page's text as laid out (pdftotext -layout), first page first."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def page_size(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Page size"))


# Tags inside a line of text; any other tag (a cell, a paragraph, a line break) separates words.
_INLINE_TAGS = {"strong", "b", "em", "i", "span", "wbr", "a", "code", "small"}


class _Text(HTMLParser):
    """The words a page shows (not its style or title), with its <wbr> kept as '\\0', and its
    headings' text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.headings: list[str] = []
        self._skip = 0
        self._heading: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "title"):
            self._skip += 1
        elif re.fullmatch(r"h[2-6]", tag):
            self._heading = []
        if tag == "wbr":
            self.parts.append("\0")  # a break the page allows
        elif tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self._skip -= 1
        elif re.fullmatch(r"h[2-6]", tag) and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)
            if self._heading is not None:
                self._heading.append(data)


def _norm(word: str) -> str:
    return unicodedata.normalize("NFKC", word)


def allowed_words(page: str, extra: str = "") -> set[str]:
    """Every word the printed page may show: the page's words whole, and the pieces of a word between
    the breaks it allows (its <wbr>, and after a hyphen it has), joined in any run."""
    allowed = set(_norm(w) for w in extra.split())
    for token in "".join(_Text(page).parts).split():
        pieces = re.sub(r"-(?=.)", "-\0", token).split("\0")
        for i in range(len(pieces)):
            for j in range(i + 1, len(pieces) + 1):
                allowed.add(_norm("".join(pieces[i:j])))
    return allowed


def printed_words(pdf: Path) -> list[str]:
    """The words on the printed pages, each as drawn (pdftotext -tsv: no hyphens removed at a line's end)."""
    tsv = subprocess.run(["pdftotext", "-tsv", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [row.split("\t")[11] for row in tsv.splitlines()[1:] if row.startswith("5\t")]


def word_heights(pdf: Path, page: int = 1) -> list[tuple[str, float]]:
    """The words printed on one page, with the height of each one's box (in points)."""
    tsv = subprocess.run(["pdftotext", "-tsv", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [(c[11], float(c[9])) for c in (row.split("\t") for row in tsv.splitlines()[1:]) if c[0] == "5"]


def words_split(page: str, pdf: Path, extra: str = "") -> list[str]:
    """The words of the printed PDF that are in no word of the page: pieces of a word cut apart."""
    allowed = allowed_words(page, extra)
    return [w for w in printed_words(pdf) if _norm(w) not in allowed]


def headings(page: str) -> list[str]:
    """The text of the page's h2-h6 headings."""
    return _Text(page).headings


def page_body_lines(pages: list[str], footer: str = r"Page \d+ of \d+") -> list[list[str]]:
    """Each page's non-blank lines, stripped, without the footer line."""
    return [[ln.strip() for ln in p.splitlines() if ln.strip() and not re.fullmatch(footer, ln.strip())]
            for p in pages]


def screenshot(html_path: Path, png_path: Path, width: int, height: int) -> None:
    """The page as headless chromium draws it on a `width` x `height` window, as a PNG."""
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={profile}",
             "--force-device-scale-factor=1", f"--window-size={width},{height}", f"--screenshot={png_path}",
             html_path.as_uri()], capture_output=True, text=True, errors="replace", timeout=180)
    assert png_path.exists(), proc.stderr[-2000:]


def png_grey(png: bytes) -> list[list[int]]:
    """An 8-bit RGB or RGBA, non-interlaced PNG (what chromium writes) as rows of grey levels 0-255."""
    import struct
    import zlib

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data, width = 8, b"", 0
    while pos < len(png):
        (length,), kind = struct.unpack(">I", png[pos:pos + 4]), png[pos + 4:pos + 8]
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            data += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(data), width * channels, [], bytearray(width * channels)
    for r in range(height):
        kind, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([(299 * line[k] + 587 * line[k + 1] + 114 * line[k + 2]) // 1000 for k in range(0, stride, channels)])
        prev = line
    return rows
