"""Turn a deadline as officers write it into a due date.

Pure code: no I/O, no clock. A deadline keeps its text verbatim; the due date is the *last* day of
the period the text names ("April 2010" is due on 30 April 2010), because that is what officers mean.
Text that cannot be read is kept, with no due date and a warning: a date is never invented.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum

from msgspec import Struct

__all__ = ["Deadline", "Precision", "parse_deadline", "month_end", "calendar_day", "numeric_day", "why_not_a_day"]

class Precision(str, Enum):
    """How precise a due date is: it names a day, a month, a range of months, a quarter, a season,
    a financial year or a calendar year; "ongoing" and "unknown" have no due date; "milestones" is
    a cell that gives more than one date; "none" is an empty deadline."""

    DAY = "day"
    MONTH = "month"
    RANGE = "range"
    QUARTER = "quarter"
    SEASON = "season"
    FINANCIAL_YEAR = "financial_year"
    YEAR = "year"
    MILESTONES = "milestones"
    ONGOING = "ongoing"
    UNKNOWN = "unknown"
    NONE = "none"


MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
# Meteorological seasons, as UK public bodies use them; winter ends in February of the next year.
SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
ONGOING = ("ongoing", "on-going", "on - going", "on going", "continuous", "continuing", "rolling", "as required")
# Financial-year quarters: Q1 = April-June, Q2 = July-September, Q3 = October-December, Q4 = January-March.
QUARTER_END_MONTHS = {1: 6, 2: 9, 3: 12, 4: 3}

# -- the grammar as data ----------------------------------------------------------------------------
# Read here by parse_deadline, and written by storage/postgres/deadlines_sql.py into the server's
# hsp._deadline, so a deadline an officer gives through psql is read by the same rules (a test runs
# many texts through both). The patterns use only what Python's re and PostgreSQL's regular
# expressions read alike: ASCII classes ([0-9], never \d: a deadline's digits are ASCII), a plain
# space (after _clean the only space left), (?:...) groups and lookarounds (no \b: PostgreSQL
# spells it otherwise). Each is matched whole (fullmatch; ^(?:...)$ on the server).
WIDE_DASHES = "\u2013\u2014\u2012\u2212"  # en dash, em dash, figure dash, minus: each becomes " - "
TRIM = ".,;:"  # dropped from either end of a cleaned deadline ("April 2010.")
# "From July", "by end of March 2011", "no later than June 2010", "due: May 2010": dropped from the
# front, in this order, again and again (with any ": ") until none is left.
PREFIXES = (
    "due by ", "due ", "due:", "deadline:", "target:", "by:", "by the end of ", "by end of ", "by end ", "by the ", "by ",
    "no later than ", "not later than ", "before the end of ", "before end of ",
    "end of ", "the end of ", "end ", "from ", "starting ", "commencing ", "in ",
    "during ", "within ", "until ", "till ", "deadline ", "target ",
)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = "(?:19|20)[0-9][0-9]"
_WORD_EDGE = "[0-9a-z_]"
PATTERNS = {
    # a hyphen between letters or spaces separates a range ("April-May"); between digits it is part of
    # a date or a financial year ("2010-11-05", "2010-11") and stays
    "hyphen": "(?<![0-9])-|-(?![0-9])",
    # "Q3 2010/11", "Q3 2010-11", "Q3 2010/2011", "2010/11 Q3"
    "fy_quarter": (f"q([1-4]) *(?:of *)?(?:fy *)?({_YEAR}) *[/ -]+ *([0-9]{{2}}|{_YEAR})"
                   f"|(?:fy *)?({_YEAR}) *[/ -]+ *([0-9]{{2}}|{_YEAR}) *q([1-4])"),
    "quarter_no_fy": f"q[1-4] *{_YEAR}",
    # "2010/11", "FY 2010-11", "2010/2011", "financial year 2010/11"
    "financial_year": f"(?:fy|financial year|the financial year)? *({_YEAR}) *(?:/|-| - ) *([0-9]{{2}}|{_YEAR})",
    # "April - May 2010", "April to May 2010", "Nov 2010 - Jan 2011", "April 2010 - May 2010"
    "month_range": f"({_MONTH}) *({_YEAR})? *(?:-|/|to|until|till|through) *({_MONTH}) *({_YEAR})?",
    "winter_fy": f"winter *({_YEAR}) */ *([0-9]{{2}}|{_YEAR})",  # "Winter 2010/11"
    "season": f"({'|'.join(SEASONS)}) *({_YEAR})?",  # "Autumn 2010", "Winter 2010" (to February 2011)
    # "April 2010", "Sept 2010", "April, 2010", "July", "2010 April"
    "month": f"({_MONTH})(?: *,? *({_YEAR}))?|({_YEAR}) +({_MONTH})",
    "years": f"({_YEAR})(?: *(?:-|to) *({_YEAR}))?",  # "2011", "end of 2011", "2010 - 2012"
    "iso_date": "([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})",
    "numeric_date": "([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{2}|[0-9]{4})",  # day first, as UK officers write
    "day_month": f"([0-9]{{1,2}})(?:st|nd|rd|th)? *(?:of +)?({_MONTH}),? *({_YEAR})?",
    "month_day": f"({_MONTH}) +([0-9]{{1,2}})(?:st|nd|rd|th)?,? *({_YEAR})?",
    # a cell giving several dates: split at these ...
    "separator": f" *(?:;|(?<!{_WORD_EDGE})and(?!{_WORD_EDGE})|&|(?<!{_WORD_EDGE})then(?!{_WORD_EDGE})|,) *",
    # ... or, with no separator, consecutive "Month Year" pairs, as a PDF table cell gives them
    "pair": f"(?:[0-9]{{1,2}} +)?(?:{_MONTH}) +{_YEAR}",
    "pairs": f"(?:(?:[0-9]{{1,2}} +)?(?:{_MONTH}) +{_YEAR} *)+",
}


class _Compiled(dict):
    """Each pattern compiled when it is first used, not at import: a command that reads one
    deadline (a `note` reports its item's due date) tries a few of them; most never runs. Two
    threads compiling one pattern at once both get the one kept (`setdefault`), so a match's
    `.re` is always `_RX[name]`."""

    def __missing__(self, name: str) -> re.Pattern[str]:
        return self.setdefault(name, re.compile(PATTERNS[name]))


_RX = _Compiled()
# What a text must hold (one of these) for a pattern to match it: a text without any of them is not
# tried against the pattern, which then need not be compiled ("December 2013" tries "month" alone).
_NEEDS = {"fy_quarter": ("q",), "quarter_no_fy": ("q",), "financial_year": ("/", "-"),
          "month_range": ("-", "/", "t"),  # -, /, to, until, till, through
          "winter_fy": ("winter",), "season": tuple(SEASONS)}


def _fullmatch(name: str, s: str) -> re.Match[str] | None:
    """`_RX[name].fullmatch(s)`, without compiling or trying the pattern when `s` cannot match it."""
    needs = _NEEDS.get(name)
    if needs is not None and not any(n in s for n in needs):
        return None
    return _RX[name].fullmatch(s)


class Deadline(Struct, frozen=True, gc=False):  # no cycles: never walked by the collector
    """A deadline as written, with what it resolves to."""

    text: str
    due: date | None
    precision: Precision
    warning: str | None = None
    parts: tuple["Deadline", ...] = ()


def month_end(year: int, month: int) -> date:
    """The last day of a month (dateutil's month arithmetic: leap years and the century rule)."""
    from dateutil.relativedelta import relativedelta  # noqa: PLC0415 - only where a month ends a deadline

    return date(year, month, 1) + relativedelta(day=31)


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


def calendar_day(year: int, month: int, day: int) -> date:
    """That day; or ValueError saying in words why there is none ("September 2010 has 30 days"),
    not Python's "day is out of range for month"."""
    if not 1 <= month <= 12:
        raise ValueError(f"there is no month {month}")
    if not 1 <= year <= 9999:
        raise ValueError(f"the year {year} is out of range")
    last = month_end(year, month).day
    if day < 1:
        raise ValueError(f"there is no day {day}")
    if day > last:
        raise ValueError(f"{MONTH_NAMES[month - 1]} {year} has {last} days")
    return date(year, month, day)


def why_not_a_day(text: str) -> str | None:
    """Why a date written with numbers (2026-02-30, or day first: 31/09/2010) names no day, in words;
    None when it names one or is not written so."""
    try:
        numeric_day(text)
    except ValueError as exc:
        return str(exc)
    return None


def numeric_day(text: str) -> date | None:
    """The day a date written with numbers names: year first (2010-06-01) or day first, as UK
    officers write (1/6/2010); None when it is not written so; ValueError (in words) when it is
    but names no day."""
    s = text.strip()
    m = _RX["iso_date"].fullmatch(s)
    if m:
        return calendar_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _RX["numeric_date"].fullmatch(s)
    if m:
        year = int(m.group(3))
        return calendar_day(year + 2000 if year < 100 else year, int(m.group(2)), int(m.group(1)))
    return None


def _clean(text: str) -> str:
    s = " ".join(text.split())
    for d in WIDE_DASHES:
        s = s.replace(d, " - ")
    s = _RX["hyphen"].sub(" - ", s)
    s = re.sub(" +", " ", s).strip(" ").strip(TRIM).strip(" ")
    return s.lower()


def _year_after(month: int, reference: date | None) -> int | None:
    """The year of the first `month` on or after the reference month (the plan's date)."""
    if reference is None:
        return None
    return reference.year if month >= reference.month else reference.year + 1


def _unreadable(text: str, why: str) -> Deadline:
    return Deadline(text, None, Precision.UNKNOWN, f"cannot read deadline {text!r}: {why}")


def _strip_lead(s: str) -> str:
    changed = True
    while changed:
        changed = False
        s = s.lstrip(": ")
        for p in PREFIXES:
            if s.startswith(p):
                s = s[len(p):]
                changed = True
    return s.strip()


def _parse_single(raw: str, s: str, reference: date | None) -> Deadline | None:
    """One period (not a list of milestones). Returns None when the text is not one of our forms."""
    if s in ONGOING:
        return Deadline(raw, None, Precision.ONGOING)

    m = _fullmatch("fy_quarter", s)
    if m:
        q = int(m.group(1) or m.group(6))
        y1 = int(m.group(2) or m.group(4))
        y2 = m.group(3) or m.group(5)
        if not _fy_consistent(y1, y2):
            return _unreadable(raw, "the two years of a financial year must follow each other")
        end_month = QUARTER_END_MONTHS[q]
        year = y1 + 1 if q == 4 else y1
        return Deadline(raw, month_end(year, end_month), Precision.QUARTER)
    if _fullmatch("quarter_no_fy", s):
        return _unreadable(raw, "say which financial year the quarter is in, e.g. 'Q3 2010/11'")

    m = _fullmatch("financial_year", s)
    if m and len(m.group(2)) in (2, 4):
        y1, y2 = int(m.group(1)), m.group(2)
        if _fy_consistent(y1, y2):
            return Deadline(raw, date(y1 + 1, 3, 31), Precision.FINANCIAL_YEAR)
        if len(y2) == 4:
            pass  # "2010 - 2012": a range of years, handled below
        else:
            return _unreadable(raw, "the two years of a financial year must follow each other")

    m = _fullmatch("month_range", s)
    if m:
        m1, y1, m2, y2 = MONTHS[m.group(1)], m.group(2), MONTHS[m.group(3)], m.group(4)
        if y2 is None:
            if y1 is not None:
                return _unreadable(raw, "the end of the range has no year")
            year = _year_after(m1, reference)
            if year is None:
                return _unreadable(raw, "no year given")
            end_year = year if m2 >= m1 else year + 1
        else:
            end_year = int(y2)
            start_year = int(y1) if y1 else (end_year if m1 <= m2 else end_year - 1)
            if (start_year, m1) > (end_year, m2):
                return _unreadable(raw, "the range ends before it starts")
        return Deadline(raw, month_end(end_year, m2), Precision.RANGE)

    m = _fullmatch("winter_fy", s)
    if m:
        if not _fy_consistent(int(m.group(1)), m.group(2)):
            return _unreadable(raw, "the two years of a winter must follow each other")
        return Deadline(raw, month_end(int(m.group(1)) + 1, 2), Precision.SEASON)
    m = _fullmatch("season", s)
    if m:
        first, last = SEASONS[m.group(1)]
        if m.group(2) is None:
            year = _year_after(first, reference)
            if year is None:
                return _unreadable(raw, "no year given")
        else:
            year = int(m.group(2))
        end_year = year + 1 if last < first else year
        return Deadline(raw, month_end(end_year, last), Precision.SEASON)

    m = _RX["month"].fullmatch(s)
    if m:
        month = MONTHS[m.group(1) or m.group(4)]
        ytxt = m.group(2) or m.group(3)
        year = int(ytxt) if ytxt else _year_after(month, reference)
        if year is None:
            return _unreadable(raw, "no year given")
        return Deadline(raw, month_end(year, month), Precision.MONTH)

    m = _RX["years"].fullmatch(s)
    if m:
        y1 = int(m.group(1))
        y2 = int(m.group(2)) if m.group(2) else y1
        if y2 < y1:
            return _unreadable(raw, "the range ends before it starts")
        return Deadline(raw, date(y2, 12, 31), Precision.YEAR)

    return _parse_day(raw, s, reference)


def _fy_consistent(y1: int, y2: str) -> bool:
    if len(y2) == 2:
        return (y1 + 1) % 100 == int(y2)
    return int(y2) == y1 + 1


def _parse_day(raw: str, s: str, reference: date | None) -> Deadline | None:
    """An exact day. UK numeric dates are day-first; ISO dates are year-first."""
    try:
        day = numeric_day(s)  # 2011-04-03, or day-first as UK officers write: 03/04/2011 is 3 April 2011
        if day is not None:
            return Deadline(raw, day, Precision.DAY)
        m = _RX["day_month"].fullmatch(s) or _RX["month_day"].fullmatch(s)
        if m:
            if m.re is _RX["day_month"]:
                d, mon, y = int(m.group(1)), MONTHS[m.group(2)], m.group(3)
            else:
                mon, d, y = MONTHS[m.group(1)], int(m.group(2)), m.group(3)
                if y is None:  # "March 11": 11 March, or March 2011 as Excel's "mmm yy" shows it?
                    return _unreadable(raw, f"ambiguous: write '{d} {m.group(1).title()}' for a day "
                                            f"or '{m.group(1).title()} 20{d:02d}' for a month")
            if y:
                return Deadline(raw, calendar_day(int(y), mon, d), Precision.DAY)
            if reference is None:
                return _unreadable(raw, "no year given")
            # The first such day on or after the plan's date.
            for year in range(reference.year, reference.year + 9):
                try:
                    day = date(year, mon, d)
                except ValueError:  # 29 February outside a leap year
                    continue
                if day >= reference:
                    return Deadline(raw, day, Precision.DAY)
            return _unreadable(raw, "not a calendar date")
    except (ValueError, OverflowError) as exc:
        return _unreadable(raw, f"not a calendar date: {exc}")
    return None


def _split_milestones(s: str) -> list[str] | None:
    """Split a cell holding several dates ("April 2010 October 2010") into its dates, or None."""
    parts = [p for p in _RX["separator"].split(s) if p]
    if len(parts) > 1:
        return parts
    # No separator: consecutive "Month Year" pairs, as a PDF table cell gives them.
    pairs = _RX["pair"].findall(s)
    if len(pairs) > 1 and _RX["pairs"].fullmatch(s):
        return pairs
    return None


def parse_deadline(text: str | None, reference: date | None = None) -> Deadline:
    """Parse a deadline cell.

    `reference` is the plan's date: a month with no year ("From July") takes the first such month
    on or after it. Returns a Deadline whose `parts` are set when the cell gives several dates
    (milestones); its `due` is then the last of them.
    """
    raw = "" if text is None else str(text)
    s = _clean(raw)
    if not s:
        return Deadline(raw, None, Precision.NONE, None)
    try:
        return _parse(raw, s, reference)
    except (ValueError, OverflowError, IndexError, KeyError) as exc:  # defensive: never escape
        return _unreadable(raw, str(exc) or type(exc).__name__)


def _parse(raw: str, s: str, reference: date | None) -> Deadline:
    single = _parse_single(raw, _strip_lead(s), reference)
    if single is not None:
        return single
    pieces = _split_milestones(s)
    if pieces:
        parts = []
        flat = " ".join(raw.split())
        lowered, start = flat.lower(), 0
        for piece in pieces:
            sub = _parse_single(piece, _strip_lead(piece), reference)
            if sub is None or sub.due is None:
                return _unreadable(raw, f"part {piece!r} is not a date")
            text, start = _original_piece(flat, lowered, piece, start)
            parts.append(Deadline(text, sub.due, sub.precision))
        return Deadline(raw, max(p.due for p in parts), Precision.MILESTONES, None, tuple(parts))
    return _unreadable(raw, "not a month, range, date, quarter, financial year or 'Ongoing'")


def _original_piece(flat: str, lowered: str, piece: str, start: int) -> tuple[str, int]:
    """The piece as the user typed it (original case), found case-insensitively in the raw text
    (`flat`: its words joined by single spaces; `lowered`: the same, lower case) from `start` on.
    Returns the piece and where to look for the next one (the pieces come in order)."""
    idx = lowered.find(piece, start)
    if idx < 0:
        return piece, start
    return flat[idx: idx + len(piece)], idx + len(piece)
